// The check a store makes of a stored blob before it hands the blob out whole: every byte
// hashed against the digest it is stored under, the size against the one asked for. A store
// that finds a wrong entry drops it and answers "not stored", so damage costs a refetch.

import { describedCheck } from "../../oci/blob.js";
import type { StoredBlob } from "../cached-source.js";

/** True when `stream` holds exactly `blob`'s bytes; the stream is read to its end (or cancelled at the first wrong byte). */
export async function storedBlobIsGood(stream: ReadableStream<Uint8Array>, blob: StoredBlob): Promise<boolean> {
  const check = describedCheck(`stored blob ${blob.digest}`, blob);
  const reader = stream.getReader();
  try {
    for (;;) {
      const step = await reader.read();
      if (step.done) break;
      check.update(step.value);
    }
    check.finish();
    return true;
  } catch {
    await reader.cancel().catch(() => {});
    return false;
  }
}

/** `stream` from byte `start` to `end` (exclusive): for stores that can only hand out whole entries. */
export function sliceStream(stream: ReadableStream<Uint8Array>, start: number, end: number): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  let at = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (at >= end) {
          await reader.cancel().catch(() => {});
          return controller.close();
        }
        const step = await reader.read();
        if (step.done) return controller.close();
        const chunk = step.value;
        const from = Math.max(0, start - at);
        const to = Math.min(chunk.length, end - at);
        at += chunk.length;
        if (to > from) return controller.enqueue(chunk.subarray(from, to));
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
