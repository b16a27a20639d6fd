// The random-access index of a gzip layer: checkpoints of its inflater (inflate.ts: the bit
// offset of a block header, the output offset, the member's CRC so far and the last 32 KiB of
// output) plus the sha256 of every compressed SEGMENT between two checkpoints, all recorded in
// one verified pass over the blob.
//
// Why the segment digests: a read that resumes at a checkpoint fetches the blob from the
// checkpoint's byte on (a file's positional read, an HTTP Range request). Those bytes are not
// the blob the digest vouched for -- a range cannot be checked against a whole-blob digest --
// so each segment is held back until it hashes to what the verified pass recorded, and only
// then given to the inflater. Decoding is deterministic, so verified input plus a window taken
// from the verified pass yield exactly the bytes the verified pass saw: nothing decoded from an
// unchecked byte is ever handed out (indexed-read.ts).
//
//   segments:  [0, b0) [b0, b1) … [b(n-1), blob end)      bk = first byte of checkpoint k
//   checkpoint k resumes at bk, i.e. at the start of segment k + 1
//
// The recorder keeps the compressed bytes since the last cut (one segment, a few MiB) because a
// checkpoint's byte is known only once the inflater has decoded up to it; a segment longer than
// MAX_SEGMENT_BYTES (a pathological stream) abandons the index instead of holding more.

import { createSha256, type Sha256 } from "../hash/hasher.js";
import { type Checkpoint, checkpointInByte } from "./inflate.js";

/** A segment held longer than this gives up recording (a layer then reads from its start). */
const MAX_SEGMENT_BYTES = 64 << 20;

export interface LayerIndex {
  /** Checkpoints in output order, each on a later compressed byte than the one before. */
  readonly checkpoints: readonly Checkpoint[];
  /** sha256 ("sha256:<hex>") of each compressed segment: checkpoints.length + 1 of them. */
  readonly segments: readonly string[];
  /** Bytes of the compressed blob. */
  readonly compressedBytes: number;
}

/** Byte range [start, end) of segment `s` of `index`. */
export function segmentRange(index: LayerIndex, s: number): { start: number; end: number } {
  const cps = index.checkpoints;
  return {
    start: s === 0 ? 0 : checkpointInByte(cps[s - 1]),
    end: s === cps.length ? index.compressedBytes : checkpointInByte(cps[s]),
  };
}

/** The checkpoint to resume at for tar offset `offset` (the last at or before it), or -1. */
export function nearestCheckpoint(index: LayerIndex, offset: number): number {
  const cps = index.checkpoints;
  let lo = 0;
  let hi = cps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cps[mid].outOffset <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Taps a gzip layer's verified pass: the compressed bytes in order, and the inflater's checkpoints. */
export class IndexRecorder {
  private readonly checkpoints: Checkpoint[] = [];
  private readonly segments: string[] = [];
  private pending: Uint8Array[] = [];
  /** Blob offset of pending[0][0]. */
  private pendingStart = 0;
  private pendingBytes = 0;
  private hasher: Sha256 = createSha256();
  private abandoned = false;

  /** The next compressed bytes (before the inflater sees them). */
  input(chunk: Uint8Array): void {
    if (this.abandoned) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes > MAX_SEGMENT_BYTES) this.abandon();
  }

  /** A checkpoint the inflater took; its byte is within the bytes given to input(). */
  checkpoint(cp: Checkpoint): void {
    if (this.abandoned) return;
    const cut = checkpointInByte(cp);
    // Two checkpoints on one byte would make an empty segment: the first one serves both.
    if (cut <= this.pendingStart) return;
    this.hashUpTo(cut);
    this.segments.push(this.hasher.digest());
    this.hasher = createSha256();
    this.checkpoints.push(cp);
  }

  /** The pass ended after `compressedBytes` verified bytes: the index, or undefined when recording gave up. */
  finish(compressedBytes: number): LayerIndex | undefined {
    if (this.abandoned) return undefined;
    this.hashUpTo(compressedBytes);
    if (this.pendingBytes !== 0) return undefined; // more input than the blob's size: not ours to index
    this.segments.push(this.hasher.digest());
    return { checkpoints: this.checkpoints, segments: this.segments, compressedBytes };
  }

  private hashUpTo(end: number): void {
    while (this.pendingStart < end && this.pending.length) {
      const head = this.pending[0];
      const take = Math.min(head.length, end - this.pendingStart);
      this.hasher.update(take === head.length ? head : head.subarray(0, take));
      this.pendingStart += take;
      this.pendingBytes -= take;
      if (take === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(take);
    }
  }

  private abandon(): void {
    this.abandoned = true;
    this.pending = [];
    this.pendingBytes = 0;
  }
}
