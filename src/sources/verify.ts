// Verified reads: every byte handed to a caller has been checked against its descriptor's
// size AND digest. Small documents (manifests, configs) are read whole, capped, then hashed;
// large blobs stream through a hash and the stream errors at its end if the digest differs,
// so a consumer must not commit anything before the stream closes cleanly.
// Spec: https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests

import { CapacityError, DigestMismatchError, SizeMismatchError } from "../errors.js";
import { createSha256, sha256Of } from "../sha256/hasher.js";
import type { Descriptor } from "../oci/types.js";
import type { ImageSource } from "./source.js";

/** The image-spec and registries cap manifests at 4 MiB (distribution-spec "Pushing manifests"). */
export const MANIFEST_MAX_BYTES = 4 << 20;

/** What a blob is, for messages: "manifest sha256:ab12…". */
export function describe(kind: string, desc: Descriptor): string {
  return `${kind} ${desc.digest}`;
}

/** Check `bytes` against `desc` (size, then digest); returns them. */
export function checkBytes(what: string, desc: Descriptor, bytes: Uint8Array): Uint8Array {
  if (bytes.length !== desc.size) throw new SizeMismatchError(what, desc.size, bytes.length);
  const actual = sha256Of(bytes);
  if (!desc.digest.startsWith("sha256:")) {
    // Only sha256 is hashed; anything else cannot be verified, so it is refused, not trusted.
    throw new DigestMismatchError(what, desc.digest, `${actual} (only sha256 digests can be verified)`);
  }
  if (actual !== desc.digest) throw new DigestMismatchError(what, desc.digest, actual);
  return bytes;
}

/** Decode a descriptor's embedded `data` (base64). */
function decodeData(data: string): Uint8Array {
  const bin = atob(data);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Read a whole blob of at most `cap` bytes and verify it. A descriptor claiming more than
 * `cap` is refused before any byte is read; a stream longer than the descriptor says is cut
 * off at size+1 bytes, so a lying source cannot make us buffer without bound.
 */
export async function readVerified(source: ImageSource, desc: Descriptor, what: string, cap = MANIFEST_MAX_BYTES): Promise<Uint8Array> {
  if (desc.size > cap) throw new CapacityError(`${what}: ${desc.size} bytes is over the ${cap}-byte limit for manifests and configs`);
  if (desc.data !== undefined) return checkBytes(`${what} (embedded data)`, desc, decodeData(desc.data));
  const stream = await source.openBlob(desc);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > desc.size) throw new SizeMismatchError(what, desc.size, total);
      chunks.push(value);
    }
  } catch (err) {
    await reader.cancel().catch(() => {});
    throw err;
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { bytes.set(c, at); at += c.length; }
  return checkBytes(what, desc, bytes);
}

/**
 * Wrap a blob stream so it hashes and counts as it goes: more bytes than `desc.size` error at
 * once, fewer or a wrong digest error at the end (after the last chunk, before close).
 */
export function verifyingStream(stream: ReadableStream<Uint8Array>, desc: Descriptor, what: string): ReadableStream<Uint8Array> {
  const h = createSha256();
  let total = 0;
  return stream.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      total += chunk.length;
      if (total > desc.size) throw new SizeMismatchError(what, desc.size, total);
      h.update(chunk);
      controller.enqueue(chunk);
    },
    flush() {
      if (total !== desc.size) throw new SizeMismatchError(what, desc.size, total);
      const actual = h.digest();
      if (actual !== desc.digest) throw new DigestMismatchError(what, desc.digest, actual);
    },
  }));
}

/** Open a blob as a verifying stream (layers: verified as they are read). */
export async function openVerified(source: ImageSource, desc: Descriptor, what: string): Promise<ReadableStream<Uint8Array>> {
  return verifyingStream(await source.openBlob(desc), desc, what);
}

/** Parse JSON bytes, turning a syntax error into the caller's typed error. */
export function parseJson(bytes: Uint8Array, onError: (why: string) => Error): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw onError("not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw onError(`invalid JSON: ${(err as Error).message}`);
  }
}
