// fast-check: corrupt gzip into the core's inflater either decodes or raises GzipFormatError,
// never a trap, a RangeError or a hang; and whenever it decodes, node:zlib decodes the same
// input to the same bytes (so a corruption we accept is one the oracle accepts too).

import fc from "fast-check";
import zlib from "node:zlib";
import { describe, expect, test } from "vitest";
import { release, debug } from "../helpers/core.js";
import { GzipFormatError, GzipInflater } from "../../src/fs/inflate.js";
import type { Core } from "../../src/wasm/core.js";

const RUNS = process.env.CI === "true" ? 3000 : 400;
const enc = new TextEncoder();
const PLAIN = enc.encode("layer sha256:ab12 usr/lib/x86_64-linux-gnu ".repeat(300) + "0123456789".repeat(50));
const SEEDS = [
  zlib.gzipSync(PLAIN, { level: 0 }),
  zlib.gzipSync(PLAIN, { strategy: zlib.constants.Z_FIXED }),
  zlib.gzipSync(PLAIN, { level: 9 }),
  Buffer.concat([zlib.gzipSync(PLAIN.subarray(0, 500)), zlib.gzipSync(PLAIN.subarray(500), { level: 1 })]),
];

function decode(core: Core, bytes: Uint8Array, step: number): Uint8Array | GzipFormatError {
  const dec = new GzipInflater(core);
  const out: Uint8Array[] = [];
  try {
    for (let i = 0; i < bytes.length; i += step) for (const p of dec.push(bytes.subarray(i, i + step))) out.push(p);
    dec.end();
    return Buffer.concat(out);
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(GzipFormatError);
    return e as GzipFormatError;
  } finally {
    dec.free();
  }
}

function oracle(bytes: Uint8Array): Buffer | null {
  try {
    return zlib.gunzipSync(bytes);
  } catch {
    return null;
  }
}

describe.each([
  ["release", release],
  ["debug", debug],
])("inflate fuzz (%s core)", (_n, core) => {
  test("flipped bytes: our error, or the oracle's bytes", () => {
    const flips = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(fc.constantFrom(...SEEDS), flips, fc.integer({ min: 1, max: 4096 }), (seed, changes, step) => {
        const bytes = Buffer.from(seed);
        for (const [at, x] of changes) bytes[at % bytes.length] ^= x;
        const ours = decode(core, bytes, step);
        if (ours instanceof GzipFormatError) return;
        const theirs = oracle(bytes);
        expect(theirs, "we decoded what node:zlib refuses").not.toBeNull();
        expect(Buffer.compare(Buffer.from(ours), theirs!)).toBe(0);
      }),
      { numRuns: RUNS },
    );
  });

  test("arbitrary bytes after a gzip header: our error or a decode, never anything else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (body) => {
        const bytes = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), body]);
        decode(core, bytes, 1 + (body.length % 977));
      }),
      { numRuns: RUNS },
    );
  });
});
