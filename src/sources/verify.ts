// Verified reads from an image source: every byte handed to a caller has been checked against
// its descriptor's size AND digest by the one blob check (src/oci/blob.ts). Small documents
// (manifests, configs) are read whole, capped, then checked; large blobs stream through the
// check and the stream errors at its end if the digest differs, so a consumer must not commit
// anything before the stream closes cleanly.
// Spec: https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests

import { CapacityError } from "../errors.js";
import { checkBlob, describedCheck, verifyingStream } from "../oci/blob.js";
import { checkDigestString } from "../oci/digest.js";
import type { Descriptor } from "../oci/types.js";
import type { ImageSource } from "./source.js";

export { verifyingStream };

/** The image-spec and registries cap manifests at 4 MiB (distribution-spec "Pushing manifests"). */
export const MANIFEST_MAX_BYTES = 4 << 20;

/** What a blob is, for messages: "manifest sha256:ab12…". */
export function describe(kind: string, desc: Descriptor): string {
  return `${kind} ${desc.digest}`;
}

/** Check `bytes` against `desc` (size, then digest); returns them. */
export function checkBytes(what: string, desc: Descriptor, bytes: Uint8Array): Uint8Array {
  return checkBlob(what, desc, bytes);
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
  // Checked before opening: a digest that cannot be verified is refused without a read.
  const check = describedCheck(what, desc);
  const stream = await source.openBlob(desc);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      check.update(value);
      chunks.push(value);
    }
  } catch (err) {
    await reader.cancel().catch(() => {});
    throw err;
  }
  check.finish();
  const bytes = new Uint8Array(check.bytes);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

/** Open a blob as a verifying stream (layers: verified as they are read). */
export async function openVerified(source: ImageSource, desc: Descriptor, what: string): Promise<ReadableStream<Uint8Array>> {
  checkDigestString(desc.digest);
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
