// The big buffers of a stage worker's last layer (its whole blob, its whole tar), kept for the
// next layer it is given instead of freed: in Chromium a fresh buffer's every page is faulted in
// on first write (about 3 µs a page on the bench's machine: a second per 1.2 GB), while a reused
// one is already mapped. The next layer handed to the worker takes them; once the pool has no
// more layers for it (dropBuffers) they are let go, so an idle worker holds no layer-sized memory.

/** Buffers kept at most: a layer's blob and its tar. */
const KEPT = 2;

let kept: Uint8Array<ArrayBuffer>[] = [];

/** `size` bytes, from a kept buffer when one is big enough (the smallest such), else fresh. Not zeroed. */
export function takeBuffer(size: number): Uint8Array<ArrayBuffer> {
  let best = -1;
  for (let i = 0; i < kept.length; i++) if (kept[i].length >= size && (best < 0 || kept[i].length < kept[best].length)) best = i;
  if (best < 0) return new Uint8Array(size);
  const [buffer] = kept.splice(best, 1);
  return buffer.subarray(0, size);
}

/** Keep the buffers behind `views` for the next layer; nothing may read or write them after this. */
export function keepBuffers(...views: (Uint8Array | null | undefined)[]): void {
  for (const v of views) {
    if (!v || !(v.buffer instanceof ArrayBuffer) || kept.some((k) => k.buffer === v.buffer)) continue;
    kept.push(new Uint8Array(v.buffer));
  }
  kept.sort((a, b) => b.length - a.length);
  kept = kept.slice(0, KEPT);
}

/** Let the kept buffers go (no next layer is coming). */
export function dropBuffers(): void {
  kept = [];
}

/** Buffers kept right now (for tests). */
export function keptBuffers(): number {
  return kept.length;
}
