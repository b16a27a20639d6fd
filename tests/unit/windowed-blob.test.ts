// The stage workers' windowed Blob (web/src/windowed-blob.ts) under the sources' own reader:
// streams of it read in whole windows and get every byte in order; ranged and small reads,
// reads across windows and reads at the end give exactly the Blob's bytes.

import { describe, expect, it } from "vitest";
import { blobReader, streamRange } from "../../src/sources/byte-reader.js";
import { windowedBlob } from "../../web/src/windowed-blob.js";

const SIZE = (40 << 20) + 123;

function noise(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const bytes = noise(SIZE);
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
});
