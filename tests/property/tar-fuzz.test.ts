// fast-check: arbitrary bytes into the tar reader (and through a whole layer mount) either
// parse or raise one of our typed errors, never anything else (no RangeError, no TypeError,
// no hang). Inputs: pure noise, valid archives with bytes flipped, archives cut anywhere.

import fc from "fast-check";
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { LayerlensError } from "../../src/errors.js";
import { LayerFS } from "../../src/fs/merge.js";
import { TarReader } from "../../src/fs/tar.js";
import { layerOf, tarOf } from "../fs/helpers/layers.js";

const enc = new TextEncoder();
const VALID = tarOf([
  { name: "dir", type: "dir" },
  { name: "dir/file", data: enc.encode("hello world") },
  { name: "x".repeat(150), data: new Uint8Array(700), pax: { "SCHILY.xattr.user.a": "b" } },
  { name: "dir/link", type: "symlink", linkname: "file" },
  { name: "dir/.wh.gone" },
  { name: "hard", type: "hardlink", linkname: "dir/file" },
]);

function parseAll(bytes: Uint8Array, step: number): void {
  const r = new TarReader({ entry: () => {}, data: () => {} });
  for (let i = 0; i < bytes.length; i += step) r.push(bytes.subarray(i, i + step));
  r.end();
}

function ourErrorOrNothing(run: () => void): void {
  try {
    run();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(LayerlensError);
  }
}

const mutated = fc.tuple(fc.array(fc.tuple(fc.nat(VALID.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }), fc.nat(VALID.length))
  .map(([flips, cut]) => {
    const b = new Uint8Array(VALID);
    for (const [at, v] of flips) b[at] = v;
    return b.subarray(0, Math.max(cut, 1));
  });
const noise = fc.uint8Array({ minLength: 0, maxLength: 4096 });
const headerish = fc.uint8Array({ minLength: 512, maxLength: 512 }).map((b) => {
  // A random header with a valid checksum, so parsing reaches the fields.
  b.fill(0x20, 148, 156);
  let s = 0;
  for (let i = 0; i < 512; i++) s += b[i];
  b.set(enc.encode(s.toString(8).padStart(6, "0") + "\0"), 148);
  return b;
});

describe("tar reader on arbitrary bytes", () => {
  test("noise, mutated archives and random checksummed headers parse or raise our error", () => {
    fc.assert(
      fc.property(fc.oneof(noise, mutated, headerish), fc.integer({ min: 1, max: 700 }), (bytes, step) => {
        ourErrorOrNothing(() => parseAll(bytes, step));
      }),
      { numRuns: 3000 },
    );
  });

  test("whole layers (plain or gzip, possibly corrupt) mount or raise our error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(noise, mutated), fc.boolean(), fc.nat(40), async (bytes, gzip, corrupt) => {
        let blob: Uint8Array = gzip ? gzipSync(bytes) : bytes;
        if (gzip && corrupt < blob.length) {
          blob = new Uint8Array(blob);
          blob[corrupt] ^= 0x5a;
        }
        const fs = new LayerFS({ onBadEntry: "skip" });
        try {
          await fs.mount(layerOf(blob));
        } catch (e) {
          expect(e, String(e)).toBeInstanceOf(LayerlensError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
