// The core's gzip inflater against node:zlib, the oracle throughout: every valid input
// decodes to exactly what zlib.gunzipSync returns, in both core builds and at several push
// sizes. Inputs: the fixtures' gzip layers, a large tar of real files, random and repetitive
// data at every level and strategy (stored, fixed and dynamic blocks each), multi-member
// streams, every header flag, and the refusals (truncation, corruption, trailing garbage,
// output budgets). Checkpoints: resuming at every checkpoint and at the nearest one to random
// offsets gives exactly the bytes of a full decompression.

import { describe, it, expect } from "vitest";
import zlib from "node:zlib";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { release, debug } from "../helpers/core.js";
import {
  CheckpointIndex,
  GzipFormatError,
  GzipInflater,
  gunzipSync,
  inflateStream,
  resumeAt,
  checkpointInByte,
  type Checkpoint,
} from "../../src/fs/inflate.js";
import { CapacityError } from "../../src/errors.js";
import * as abi from "../../src/wasm/abi.js";
import type { Core } from "../../src/wasm/core.js";

const BLOBS = "/work/shared/fixtures/layout/blobs/sha256";
const cores: [string, Core][] = [
  ["release", release],
  ["debug", debug],
];

function decodeIn(core: Core, gz: Uint8Array, step: number): Uint8Array {
  const dec = new GzipInflater(core);
  const pieces: Uint8Array[] = [];
  try {
    for (let i = 0; i < gz.length; i += step) for (const p of dec.push(gz.subarray(i, i + step))) pieces.push(p);
    dec.end();
  } finally {
    dec.free();
  }
  return Buffer.concat(pieces);
}

/** Deterministic pseudo-random bytes (xorshift), optionally limited to a small alphabet. */
function noise(n: number, seed: number, alphabet = 256): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (x >>> 0) % alphabet;
  }
  return out;
}

/** Text-like data with long and short repeats: exercises every match distance class. */
function texty(n: number, seed: number): Uint8Array {
  const words = ["layer", "sha256:", "usr/lib/", "\n", "  ", "tar", "gzip", "0000000", "x", "deflate "];
  const r = noise(n, seed);
  const out = new Uint8Array(n);
  let i = 0;
  let k = 0;
  while (i < n) {
    const w = Buffer.from(words[r[k++ % n] % words.length]);
    if (r[k++ % n] < 40 && i > 300) {
      const dist = 1 + ((r[k++ % n] << 7) % Math.min(i, 32768));
      const len = 3 + (r[k++ % n] % 256);
      for (let j = 0; j < len && i < n; j++, i++) out[i] = out[i - dist];
    } else {
      for (let j = 0; j < w.length && i < n; j++, i++) out[i] = w[j];
    }
  }
  return out;
}

const equal = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

function expectReason(run: () => unknown, reason: string): GzipFormatError {
  try {
    run();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(GzipFormatError);
    expect((e as GzipFormatError).reason).toBe(reason);
    expect((e as GzipFormatError).code).toBe("COMPRESSION");
    return e as GzipFormatError;
  }
  throw new Error(`expected a ${reason} refusal`);
}

/** A member around raw deflate data, with the header fields given. */
function member(
  plain: Uint8Array,
  opts: { extra?: Uint8Array; name?: string; comment?: string; hcrc?: boolean; raw?: Uint8Array },
): Uint8Array {
  const flags = (opts.hcrc ? 2 : 0) | (opts.extra ? 4 : 0) | (opts.name !== undefined ? 8 : 0) | (opts.comment !== undefined ? 16 : 0);
  const parts: Buffer[] = [Buffer.from([0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3])];
  if (opts.extra) parts.push(Buffer.from([opts.extra.length & 0xff, opts.extra.length >> 8]), Buffer.from(opts.extra));
  if (opts.name !== undefined) parts.push(Buffer.from(opts.name + "\0", "latin1"));
  if (opts.comment !== undefined) parts.push(Buffer.from(opts.comment + "\0", "latin1"));
  if (opts.hcrc) {
    const crc = zlib.crc32(Buffer.concat(parts)) & 0xffff;
    parts.push(Buffer.from([crc & 0xff, crc >> 8]));
  }
  parts.push(Buffer.from(opts.raw ?? zlib.deflateRawSync(plain)));
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(zlib.crc32(plain), 0);
  trailer.writeUInt32LE(plain.length >>> 0, 4);
  parts.push(trailer);
  return Buffer.concat(parts);
}

/** The block type (BTYPE) of the first block of a member with a plain 10-byte header. */
const firstBlockType = (gz: Uint8Array) => (gz[10] >> 1) & 3;

const LARGE = (() => {
  const tar = execFileSync("sh", ["-c", "tar cf - -C /usr lib 2>/dev/null | head -c 24000000"], { maxBuffer: 1 << 30 });
  return new Uint8Array(tar.buffer, tar.byteOffset, tar.length);
})();
const LARGE_GZ = zlib.gzipSync(LARGE, { level: 6 });

describe.each(cores)("inflate (%s core)", (_name, core) => {
  it("decodes every gzip layer of the fixtures as node:zlib does", () => {
    let seen = 0;
    for (const f of readdirSync(BLOBS)) {
      const bytes = readFileSync(path.join(BLOBS, f));
      if (bytes[0] !== 0x1f || bytes[1] !== 0x8b || statSync(path.join(BLOBS, f)).size < 20) continue;
      const expected = zlib.gunzipSync(bytes);
      expect(equal(decodeIn(core, bytes, 65536), expected), f).toBe(true);
      expect(equal(decodeIn(core, bytes, 7), expected), f).toBe(true);
      seen++;
    }
    expect(seen).toBeGreaterThanOrEqual(3);
  });

  it("decodes a 24 MB tar of real files pushed in several chunk sizes", () => {
    for (const step of [1 << 16, 1 << 20, 4093]) expect(equal(decodeIn(core, LARGE_GZ, step), LARGE)).toBe(true);
  });

  it("gives the same bytes and the same refusals through views of the core's memory (pushViews)", () => {
    const viaViews = (gz: Uint8Array, step: number): Uint8Array => {
      const dec = new GzipInflater(core);
      const out = new Uint8Array(LARGE.length);
      let n = 0;
      try {
        for (let i = 0; i < gz.length; i += step) {
          for (const v of dec.pushViews(gz.subarray(i, i + step))) {
            expect(v.buffer).toBe(core.u8.buffer);
            out.set(v, n);
            n += v.length;
          }
        }
        dec.end();
      } finally {
        dec.free();
      }
      return out.subarray(0, n);
    };
    for (const step of [1 << 16, 4093]) expect(equal(viaViews(LARGE_GZ, step), LARGE)).toBe(true);
    const gz = zlib.gzipSync(texty(5000, 11));
    for (const n of [1, 10, 100, gz.length - 1]) expectReason(() => viaViews(gz.subarray(0, n), 7), "truncated");
    const bad = Uint8Array.from(gz);
    bad[bad.length - 8] ^= 1;
    expectReason(() => viaViews(bad, 1 << 16), "crc");
  });

  it("decodes random, repetitive and text-like data at levels 0 to 9", () => {
    const inputs = [
      noise(200_000, 1),
      noise(300_000, 2, 4),
      texty(400_000, 3),
      new Uint8Array(100_000),
      new Uint8Array(0),
      Buffer.from("a"),
    ];
    for (const plain of inputs) {
      for (let level = 0; level <= 9; level++) {
        const gz = zlib.gzipSync(plain, { level });
        expect(equal(decodeIn(core, gz, 1 << 16), plain), `level ${level}, ${plain.length} bytes`).toBe(true);
      }
    }
  });

  it("decodes stored, fixed and dynamic blocks, each checked to be the block type", () => {
    const plain = texty(150_000, 9);
    const stored = zlib.gzipSync(plain, { level: 0 });
    const fixed = zlib.gzipSync(plain, { strategy: zlib.constants.Z_FIXED });
    const dynamic = zlib.gzipSync(plain, { level: 9 });
    const huffmanOnly = zlib.gzipSync(plain, { strategy: zlib.constants.Z_HUFFMAN_ONLY });
    const rle = zlib.gzipSync(plain, { strategy: zlib.constants.Z_RLE });
    expect([firstBlockType(stored), firstBlockType(fixed), firstBlockType(dynamic)]).toEqual([0, 1, 2]);
    for (const gz of [stored, fixed, dynamic, huffmanOnly, rle]) expect(equal(decodeIn(core, gz, 3000), plain)).toBe(true);
    // A tiny input: zlib picks a fixed block on its own.
    const small = zlib.gzipSync(Buffer.from("hello hello hello"));
    expect(firstBlockType(small)).toBe(1);
    expect(Buffer.from(decodeIn(core, small, 1)).toString()).toBe("hello hello hello");
  });

  it("decodes multi-member streams (cat a.gz b.gz) and counts the members", () => {
    const a = texty(70_000, 4);
    const b = noise(50_000, 5);
    const gz = Buffer.concat([zlib.gzipSync(a), zlib.gzipSync(new Uint8Array(0)), zlib.gzipSync(b, { level: 1 })]);
    expect(equal(decodeIn(core, gz, 999), zlib.gunzipSync(gz))).toBe(true);
    const dec = new GzipInflater(core);
    for (const _ of dec.push(gz));
    dec.end();
    expect(dec.members).toBe(3);
    dec.free();
  });

  it("reads the FEXTRA, FNAME, FCOMMENT and FHCRC header fields", () => {
    const plain = texty(20_000, 6);
    const cases = [
      member(plain, { name: "layer.tar" }),
      member(plain, { comment: "a comment" }),
      member(plain, { extra: noise(300, 7) }),
      member(plain, { hcrc: true }),
      member(plain, { extra: noise(5, 8), name: "n".repeat(5000), comment: "c", hcrc: true }),
    ];
    for (const gz of cases) {
      expect(equal(zlib.gunzipSync(gz), plain)).toBe(true); // the oracle agrees the member is valid
      for (const step of [1, 1 << 16]) expect(equal(decodeIn(core, gz, step), plain)).toBe(true);
    }
    const bad = Buffer.from(member(plain, { name: "x", hcrc: true }));
    bad[10] ^= 1; // the name changes, so the header CRC16 no longer matches
    expectReason(() => decodeIn(core, bad, 1 << 16), "header-crc");
  });

  it("treats zero bytes after a member as padding and refuses other trailing bytes", () => {
    const plain = texty(10_000, 10);
    const gz = zlib.gzipSync(plain);
    const padded = Buffer.concat([gz, Buffer.alloc(1000)]);
    expect(equal(decodeIn(core, padded, 100), zlib.gunzipSync(padded))).toBe(true);
    // node:zlib drops these bytes silently; we refuse them (see src/fs/inflate.ts).
    for (const tail of [Buffer.from("garbage"), Buffer.from([0x1f]), Buffer.from([0x1f, 0x00]), Buffer.from([0, 0, 7])]) {
      const withTail = Buffer.concat([gz, tail]);
      const e =
        tail.length === 1
          ? expectReason(() => decodeIn(core, withTail, 64), "truncated")
          : expectReason(() => decodeIn(core, withTail, 64), "trailing-garbage");
      expect(e.offset).toBeGreaterThanOrEqual(gz.length);
    }
  });

  it("refuses every truncation with a typed error", () => {
    const gz = zlib.gzipSync(texty(5000, 11));
    for (let n = 0; n < gz.length; n++) expectReason(() => decodeIn(core, gz.subarray(0, n), 1 + (n % 5)), n === 0 ? "empty" : "truncated");
  });

  it("refuses bad magic, method, flags, block type, CRC-32 and ISIZE", () => {
    const plain = texty(3000, 12);
    const gz = zlib.gzipSync(plain);
    const flip = (i: number, v: number) => {
      const b = Buffer.from(gz);
      b[i] = v;
      return b;
    };
    expectReason(() => decodeIn(core, flip(0, 0x1e), 64), "magic");
    expectReason(() => decodeIn(core, flip(2, 7), 64), "method");
    expectReason(() => decodeIn(core, flip(3, 0x20), 64), "flags");
    expectReason(() => decodeIn(core, flip(10, gz[10] | 6), 64), "block-type");
    expectReason(() => decodeIn(core, flip(gz.length - 8, gz[gz.length - 8] ^ 1), 64), "crc");
    expectReason(() => decodeIn(core, flip(gz.length - 1, gz[gz.length - 1] ^ 1), 64), "size");
    const stored = Buffer.from(zlib.gzipSync(plain, { level: 0 }));
    stored[13] ^= 1; // NLEN
    expectReason(() => decodeIn(core, stored, 64), "stored-length");
    // A distance before the start of the member: data deflated against a preset dictionary.
    const dictionary = texty(4000, 13);
    const far = member(dictionary.subarray(0, 2000), { raw: zlib.deflateRawSync(dictionary.subarray(0, 2000), { dictionary }) });
    expect(() => zlib.gunzipSync(far)).toThrow();
    expectReason(() => decodeIn(core, far, 64), "distance");
  });

  it("keeps every output piece within the step bound and stops a bomb at the budget", () => {
    const bomb = zlib.gzipSync(new Uint8Array(50 << 20), { level: 9 });
    expect(bomb.length).toBeLessThan(100_000);
    const dec = new GzipInflater(core);
    let total = 0;
    let pieces = 0;
    for (const p of dec.push(bomb)) {
      expect(p.length).toBeLessThanOrEqual(abi.INFLATE_STEP_BYTES);
      total += p.length;
      pieces++;
    }
    dec.end();
    dec.free();
    expect(total).toBe(50 << 20);
    expect(pieces).toBeGreaterThan(300);
    expect(() => gunzipSync(bomb, { core, maxBytes: 1 << 20 })).toThrow(CapacityError);
  });

  it("resumes at every checkpoint with exactly the bytes of the full decompression", async () => {
    const index = new CheckpointIndex();
    const full = gunzipSync(LARGE_GZ, { core, index, checkpointSpan: 1 << 20 });
    expect(equal(full, LARGE)).toBe(true);
    expect(index.checkpoints.length).toBeGreaterThanOrEqual(20);
    for (const cp of index.checkpoints) {
      expect(cp.window.length).toBe(32768);
      const from = checkpointInByte(cp);
      const got: Uint8Array[] = [];
      for await (const p of resumeAt(cp, LARGE_GZ.subarray(from), { core })) got.push(p);
      expect(equal(Buffer.concat(got), LARGE.subarray(cp.outOffset)), `checkpoint at ${cp.outOffset}`).toBe(true);
    }
  });

  it("reads random ranges from the nearest checkpoint, across member boundaries too", async () => {
    const a = LARGE.subarray(0, 5_000_000);
    const b = LARGE.subarray(5_000_000, 9_000_000);
    const gz = Buffer.concat([zlib.gzipSync(a), zlib.gzipSync(b, { level: 1 })]);
    const plain = LARGE.subarray(0, 9_000_000);
    const index = new CheckpointIndex();
    const chunks: Uint8Array[] = [];
    for await (const p of inflateStream(gz, { core, index, checkpointSpan: 512 * 1024 })) chunks.push(p);
    expect(equal(Buffer.concat(chunks), plain)).toBe(true);
    const rnd = noise(400, 77);
    for (let i = 0; i < 40; i++) {
      const offset = ((rnd[i * 4] << 16) | (rnd[i * 4 + 1] << 8) | rnd[i * 4 + 2]) % plain.length;
      const length = 1 + rnd[i * 4 + 3] * 300;
      expect(equal(await readRange(gz, index, offset, length, core), plain.subarray(offset, offset + length)), `offset ${offset}`).toBe(
        true,
      );
    }
  });

  it("refuses a checkpoint whose window does not fit its member offset", () => {
    const dec = new GzipInflater(core);
    const cp: Checkpoint = { inBit: 80, outOffset: 10, memberOut: 10, crc: 0, window: new Uint8Array(9) };
    expect(() => dec.resume(cp)).toThrow(RangeError);
    dec.free();
  });
});

describe("the inflater's core memory in the streaming generators", () => {
  const core = release;
  const index = new CheckpointIndex();
  gunzipSync(LARGE_GZ, { core, index, checkpointSpan: 1 << 20 });
  const cp = index.checkpoints[1];

  it("is not taken by a generator returned or dropped before its first next()", async () => {
    const before = core.exports.coreReserved();
    const unstarted = [inflateStream(LARGE_GZ, { core }), resumeAt(cp, LARGE_GZ.subarray(checkpointInByte(cp)), { core })];
    expect(core.exports.coreReserved()).toBe(before);
    for (const g of unstarted) await g.return(undefined);
    expect(core.exports.coreReserved()).toBe(before);
  });

  it("comes back when the consumer stops after the first piece", async () => {
    const before = core.exports.coreReserved();
    for (const gen of [inflateStream(LARGE_GZ, { core }), resumeAt(cp, LARGE_GZ.subarray(checkpointInByte(cp)), { core })]) {
      const first = await gen.next();
      expect(first.done).toBe(false);
      await gen.return(undefined);
    }
    expect(core.exports.coreReserved()).toBe(before);
  });
});

/** Bytes [offset, offset + length) of the stream, decoded from the nearest checkpoint. */
async function readRange(gz: Uint8Array, index: CheckpointIndex, offset: number, length: number, core: Core): Promise<Uint8Array> {
  const cp = index.nearest(offset);
  const src = cp ? gz.subarray(checkpointInByte(cp)) : gz;
  const gen = cp ? resumeAt(cp, src, { core }) : inflateStream(src, { core });
  let at = cp ? cp.outOffset : 0;
  const out: Uint8Array[] = [];
  for await (const p of gen) {
    const lo = Math.max(offset, at);
    const hi = Math.min(offset + length, at + p.length);
    if (hi > lo) out.push(p.subarray(lo - at, hi - at));
    at += p.length;
    if (at >= offset + length) {
      await gen.return(undefined);
      break;
    }
  }
  return Buffer.concat(out);
}
