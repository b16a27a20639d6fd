// A blob download as a ReadableStream that survives dropped connections: when the body breaks
// off (an error, or fewer bytes than expected), it asks again from the next missing byte with
// an HTTP Range request and carries on, hashing as it goes. A whole-blob read ends with the
// digest check of src/oci/blob.ts (sha256 or sha512): on mismatch the stream errors with
// DigestMismatchError instead of closing, so a consumer that waits for the end never takes
// unverified bytes for good ones. The size is enforced here, byte by byte across resumes.
//
// Invariants: bytes are delivered in order, each exactly once; a server that ignores Range
// (200 instead of 206) is handled by skipping what was already delivered; consecutive
// failures without progress (drops, or a body that went quiet past the idle timeout) are
// bounded by the retry policy, and the last one ends the stream with an error naming the URL.
// Spec: https://www.rfc-editor.org/rfc/rfc9110#name-range-requests

import { RegistryError, SizeMismatchError, TimeoutError } from "../../errors.js";
import { DigestCheck, type HasherOverrides } from "../../oci/blob.js";
import type { RegistryResponse } from "./deadline.js";
import { type RetryPolicy, isTransient, retryDelay } from "./retry.js";
import { redactUrl } from "./url.js";

export interface BlobStreamOptions {
  /** For messages: "blob sha256:ab12… in repo". */
  what: string;
  /** The blob's URL without credentials, for messages. */
  url: string;
  /** First byte wanted (absolute). */
  start: number;
  /** One past the last byte wanted; undefined = to the end of the blob. */
  end?: number;
  /** The descriptor's size, when known: a full read must deliver exactly this many bytes. */
  size?: number;
  /** Checked when the whole blob is read (start 0, to the end). */
  digest?: string;
  /** Hashers to verify with instead of the registered ones. */
  hashers?: HasherOverrides;
  retry: RetryPolicy;
  /** Ask for the bytes from absolute offset `from` (to `end`); a 2xx response. */
  open(from: number): Promise<RegistryResponse>;
  /** Called before each resume (for statistics). */
  onResume?(from: number): void;
}

export function resumableBlobStream(o: BlobStreamOptions): ReadableStream<Uint8Array> {
  const whole = o.start === 0 && (o.end === undefined || o.end === o.size);
  const check = whole && o.digest !== undefined ? new DigestCheck(o.what, o.digest, { hashers: o.hashers }) : undefined;
  const stop = o.end ?? o.size; // where the bytes must end, when we know
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let pos = o.start;
  let skip = 0;
  let failures = 0;
  // Set by cancel(). A pull may be waiting on a read when the consumer cancels; that read then
  // ends early, which must not be taken for a dropped connection and asked for again.
  let cancelled = false;

  async function connect(): Promise<void> {
    if (pos !== o.start) o.onResume?.(pos);
    const res = await o.open(pos);
    if (cancelled) {
      await res.body?.cancel().catch(() => {});
      return;
    }
    skip = bytesToSkip(res, pos, o.what, o.url);
    const total = advertisedSize(res);
    if (o.size !== undefined && total !== undefined && total !== o.size) {
      await res.body?.cancel().catch(() => {});
      throw new SizeMismatchError(o.what, o.size, total);
    }
    if (!res.body) throw new RegistryError(`${o.what}: empty answer`, res.status, res.url ? redactUrl(res.url) : o.url, true);
    reader = res.body.getReader();
  }

  async function brokeOff(cause: unknown): Promise<void> {
    reader?.cancel().catch(() => {});
    reader = undefined;
    if (++failures >= o.retry.attempts) {
      if (cause instanceof TimeoutError) throw cause;
      throw new RegistryError(`${o.what}: connection kept dropping at byte ${pos}`, 0, o.url, true, [], { cause });
    }
    await o.retry.sleep(retryDelay(o.retry, failures));
  }

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (cancelled) return;
        if (!reader) await connect();
        if (cancelled) return;
        let step: ReadableStreamReadResult<Uint8Array>;
        try {
          step = await reader!.read();
        } catch (err) {
          if (cancelled) return;
          if (!isTransient(err)) throw err;
          await brokeOff(err);
          continue;
        }
        if (step.done) {
          reader = undefined;
          if (cancelled) return;
          if (stop !== undefined && pos < stop) {
            await brokeOff(new Error(`body ended at byte ${pos} of ${stop}`));
            continue;
          }
          check?.finish();
          controller.close();
          return;
        }
        let chunk = step.value;
        if (skip > 0) {
          const n = Math.min(skip, chunk.length);
          skip -= n;
          chunk = chunk.subarray(n);
        }
        if (stop !== undefined && pos + chunk.length > stop) {
          if (o.end === undefined) {
            // More bytes than the descriptor's size: the blob is not the one described.
            reader?.cancel().catch(() => {});
            throw new SizeMismatchError(o.what, o.size!, pos + chunk.length);
          }
          chunk = chunk.subarray(0, stop - pos); // a server that ignored our Range end
        }
        if (chunk.length === 0) continue;
        failures = 0;
        check?.update(chunk);
        pos += chunk.length;
        controller.enqueue(chunk);
        return;
      }
    },
    async cancel(reason) {
      cancelled = true;
      await reader?.cancel(reason).catch(() => {});
    },
  });
}

/** The blob's whole size as the server states it (Content-Range total, or Content-Length of a 200). */
function advertisedSize(res: RegistryResponse): number | undefined {
  if (res.status === 206) {
    const m = /\/(\d+)$/.exec(res.headers.get("Content-Range")?.trim() ?? "");
    return m ? Number(m[1]) : undefined;
  }
  const length = res.headers.get("Content-Length");
  // A 200 is the whole blob whatever we asked for (from is skipped, not missing).
  return length !== null && /^\d+$/.test(length) && res.headers.get("Content-Encoding") === null ? Number(length) : undefined;
}

/** How many leading bytes of `res` were already delivered (a 200 to a Range request, an early 206). */
function bytesToSkip(res: RegistryResponse, from: number, what: string, url: string): number {
  if (res.status !== 206) return from;
  const m = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(res.headers.get("Content-Range")?.trim() ?? "");
  const first = m ? Number(m[1]) : from;
  if (first > from)
    throw new RegistryError(`${what}: asked for bytes from ${from}, got from ${first}`, 206, res.url ? redactUrl(res.url) : url, false);
  return from - first;
}
