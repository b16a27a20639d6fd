// A gzip blob inflated into one buffer as its pieces arrive, by the core's inflater (in
// Chromium it does more per CPU second than DecompressionStream, and it runs synchronously
// here, with no stream between). The stage worker pushes each piece of the blob as it is
// read, so inflating starts with the first piece instead of after the whole blob is in memory;
// nothing comes out before finish(), which the caller calls only once the blob's digest
// matched. A corrupt stream is held, not thrown, until finish(): the caller reads and checks
// the whole blob first, so a blob that is not what the manifest names is reported as that.

import { GzipInflater, getDefaultCore } from "../../src/browser.js";
import { takeBuffer } from "./layer-buffers.js";

/** Compressed bytes per push into the inflater. */
const SLICE = 1 << 20;

export class GunzipInto {
  private readonly dec: GzipInflater;
  private out: Uint8Array;
  private n = 0;
  /** What the inflater threw, held for finish(). */
  private failure: { error: unknown } | null = null;
  private overCap = false;
  /** Time spent inflating so far (the "gunzip" phase). */
  ms = 0;

  /** `sizeHint`: the expected output size (the trailer's ISIZE), where the buffer starts. */
  constructor(
    what: string,
    private readonly cap: number,
    sizeHint: number,
  ) {
    this.dec = new GzipInflater(getDefaultCore(), { what });
    this.out = takeBuffer(Math.min(cap, Math.max(1 << 20, sizeHint)));
  }

  /** Inflate the next compressed bytes (a no-op once the stream failed or passed the cap). */
  push(gz: Uint8Array): void {
    if (this.failure || this.overCap) return;
    const t0 = performance.now();
    try {
      for (let at = 0; at < gz.length; at += SLICE) {
        for (const piece of this.dec.pushViews(gz.subarray(at, Math.min(gz.length, at + SLICE)))) {
          if (!this.append(piece)) return;
        }
      }
    } catch (error) {
      this.failure = { error };
    } finally {
      this.ms += performance.now() - t0;
    }
  }

  /** The whole output; null when it would pass the cap; throws what the inflater found wrong. */
  finish(): Uint8Array | null {
    try {
      if (this.failure) throw this.failure.error;
      if (this.overCap) return null;
      const t0 = performance.now();
      this.dec.end();
      this.ms += performance.now() - t0;
      return this.out.subarray(0, this.n);
    } finally {
      this.free();
    }
  }

  free(): void {
    this.dec.free();
  }

  private append(piece: Uint8Array): boolean {
    const need = this.n + piece.length;
    if (need > this.out.length) {
      if (need > this.cap) {
        this.overCap = true;
        this.out = new Uint8Array(0);
        return false;
      }
      const bigger = new Uint8Array(Math.min(this.cap, Math.max(need, Math.floor(this.out.length * 1.5))));
      bigger.set(this.out.subarray(0, this.n));
      this.out = bigger;
    }
    this.out.set(piece, this.n);
    this.n = need;
    return true;
  }
}
