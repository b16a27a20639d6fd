// The stage workers' windowed Blob (web/src/windowed-blob.ts) under the sources' own reader:
// streams of it read in whole windows and get every byte in order; ranged and small reads,
// reads across windows and reads at the end give exactly the Blob's bytes. Where the blob can be
// read into a buffer of the caller's (the page's stand-ins can, through blob-fill.ts), windows
// handed back are read into again, and every byte still comes out right.

import { describe, expect, it } from "vitest";
import { blobReader, streamRange } from "../../src/sources/byte-reader.js";
import { fillFrom } from "../../web/src/blob-fill.js";
import { giveBackWindow, windowedBlob } from "../../web/src/windowed-blob.js";
import { noise } from "../helpers/noise.js";

const SIZE = (40 << 20) + 123;

const bytes = noise(SIZE, 0x9e3779b9);
const blob = new Blob([bytes]);

async function streamed(start: number, end: number): Promise<Uint8Array[]> {
  const pieces: Uint8Array[] = [];
  for await (const p of streamRange(blobReader(windowedBlob(blob, "noise")), start, end) as unknown as AsyncIterable<Uint8Array>)
    pieces.push(p);
  return pieces;
}

const joined = (pieces: Uint8Array[]) => {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

describe("windowed blob", () => {
  it("streams in whole 16 MiB windows, every byte in order", async () => {
    const pieces = await streamed(0, SIZE);
    expect(pieces.map((p) => p.length)).toEqual([16 << 20, 16 << 20, SIZE - (32 << 20)]);
    expect(Buffer.from(joined(pieces)).equals(Buffer.from(bytes))).toBe(true);
  });

  it("streams a range that starts inside the blob", async () => {
    const start = 5_000_001;
    const pieces = await streamed(start, SIZE - 7);
    expect(Buffer.from(joined(pieces)).equals(Buffer.from(bytes.subarray(start, SIZE - 7)))).toBe(true);
  });

  it("answers small, large, crossing and end reads with the Blob's bytes", async () => {
    const w = windowedBlob(blob, "noise");
    const ranges: [number, number][] = [
      [0, 512],
      [100, 300_000],
      [(16 << 20) - 1000, (16 << 20) + (1 << 20)],
      [(1 << 20) * 3, (1 << 20) * 4],
      [(1 << 20) * 3 + 10, (1 << 20) * 3 + 20],
      [SIZE - 300_000, SIZE],
      [SIZE - 10, SIZE + 50],
    ];
    for (const [a, b] of ranges) {
      const got = new Uint8Array(await w.slice(a, b).arrayBuffer());
      expect(Buffer.from(got).equals(Buffer.from(bytes.subarray(a, Math.min(b, SIZE)))), `${a}..${b}`).toBe(true);
    }
  });

  it("reads whole windows into the buffers handed back, and the bytes stay right", async () => {
    const size = (100 << 20) + 5;
    const big = noise(size, 0x9e3779b9);
    const real = new Blob([big]);
    const handedOut = new WeakSet<ArrayBuffer>();
    let fills = 0;
    let reused = 0;
    // A stand-in of the kind page-blob.ts makes: slices that can also be read into a given buffer.
    const fillable = (start: number, end: number): Blob =>
      ({
        size: end - start,
        slice: (a = 0, b = end - start) => fillable(start + a, Math.min(end, start + b)),
        arrayBuffer: () => real.slice(start, end).arrayBuffer(),
        fillInto: async (into: ArrayBuffer) => {
          fills++;
          if (handedOut.has(into)) reused++;
          const f = await fillFrom(real.slice(start, end), into);
          return new Uint8Array(f.buffer, 0, f.length);
        },
      }) as unknown as Blob;
    const out = new Uint8Array(size);
    let at = 0;
    const stream = streamRange(blobReader(windowedBlob(fillable(0, size), "noise")), 0, size) as unknown as AsyncIterable<Uint8Array>;
    for await (const piece of stream) {
      out.set(piece, at);
      at += piece.length;
      handedOut.add(piece.buffer as ArrayBuffer);
      giveBackWindow(piece.buffer);
    }
    expect(at).toBe(size);
    expect(Buffer.from(out).equals(Buffer.from(big))).toBe(true);
    expect(fills).toBe(6); // the whole windows; the last 5 bytes are read the ordinary way
    expect(reused).toBeGreaterThanOrEqual(3);
  });

  it("refuses to read a blob into a buffer smaller than it", async () => {
    await expect(fillFrom(new Blob([new Uint8Array(10)]), new ArrayBuffer(4))).rejects.toThrow(RangeError);
  });
});
