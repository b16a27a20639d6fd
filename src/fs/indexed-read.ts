// Reading a gzip layer's tar from a checkpoint instead of from its start (zran's method): the
// compressed blob is opened at the checkpoint's byte (a positional read of a local file, an
// HTTP Range request to a registry, a range of the L2 store) and decoded by the core's inflater
// resumed with the checkpoint's window.
//
// What makes the bytes trustworthy (see layer-index.ts for the index itself):
// - The index (checkpoints, windows, segment digests) only ever comes from a full pass whose
//   blob digest, size and diff_id were verified; a persisted index is authenticated before use
//   (layer-facts.ts, node/facts-store.ts).
// - A ranged read cannot be checked against the blob digest, so every compressed segment is
//   buffered whole and must hash to the digest the verified pass recorded for it BEFORE the
//   inflater sees a byte of it. A mismatch throws DigestMismatchError naming the layer and the
//   byte range; a source that ends early throws SizeMismatchError. Decoding is deterministic,
//   so what comes out is exactly what the verified pass decoded; the member's CRC-32 and ISIZE
//   are still checked when the read reaches the member's end.
// - Stopping early (the file's last byte went by) closes the ranged read.

import { DigestMismatchError, SizeMismatchError } from "../errors.js";
import { createSha256 } from "../hash/hasher.js";
import type { LayerLike } from "../oci/layer.js";
import { type Core, getDefaultCore } from "../wasm/core.js";
import { chunksOf } from "./decompress.js";
import { GzipInflater, checkpointInByte } from "./inflate.js";
import { type LayerIndex, segmentRange } from "./layer-index.js";
import { startPipeline, timed, timedSteps } from "../report/work-clock.js";

/**
 * The tar bytes of `layer` from checkpoints[k].outOffset on (k = -1: from the start), each
 * decoded from verified compressed bytes.
 */
export async function* readFromCheckpoint(
  layer: LayerLike,
  index: LayerIndex,
  k: number,
  what: string,
  core: Core = getDefaultCore(),
): AsyncGenerator<Uint8Array> {
  const cp = k >= 0 ? index.checkpoints[k] : undefined;
  const start = cp ? checkpointInByte(cp) : 0;
  const total = index.compressedBytes;
  const dec = new GzipInflater(core, { what });
  const pipe = startPipeline(); // null unless stats are being taken (report/work-clock.ts)
  try {
    if (cp) dec.resume(cp);
    const opened = await layer.open(cp ? { start, end: total } : undefined);
    const source = pipe ? pipe.sourceChunks(chunksOf(opened)) : chunksOf(opened);
    let segment = k + 1;
    let range = segmentRange(index, segment);
    let held = new Uint8Array(range.end - range.start);
    let fill = 0;
    let seen = start;
    for await (const chunk of source) {
      if (seen + chunk.length > total) throw new SizeMismatchError(`${what}: read from byte ${start}`, total, seen + chunk.length);
      seen += chunk.length;
      let at = 0;
      while (at < chunk.length) {
        const take = Math.min(held.length - fill, chunk.length - at);
        held.set(chunk.subarray(at, at + take), fill);
        fill += take;
        at += take;
        if (fill < held.length) break;
        const verified = held;
        timed("verifying", verified.length, () => checkSegment(index, segment, verified, what));
        yield* timedSteps("gunzip", dec.push(verified));
        if (segment === index.checkpoints.length) break;
        segment++;
        range = segmentRange(index, segment);
        held = new Uint8Array(range.end - range.start);
        fill = 0;
      }
    }
    if (seen !== total) throw new SizeMismatchError(`${what}: read from byte ${start}`, total, seen);
    dec.end();
  } finally {
    pipe?.close();
    dec.free();
  }
}

function checkSegment(index: LayerIndex, s: number, bytes: Uint8Array, what: string): void {
  const h = createSha256();
  h.update(bytes);
  const actual = h.digest();
  if (actual !== index.segments[s]) {
    const { start, end } = segmentRange(index, s);
    throw new DigestMismatchError(
      `${what}: compressed bytes ${start}-${end} read again do not match the verified pass`,
      index.segments[s],
      actual,
    );
  }
}
