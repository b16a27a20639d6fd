// The core's zstd decoder against the zstd CLI, which is the oracle throughout: every
// input either decodes to exactly what `zstd -d` writes, or throws our ZstdFormatError
// exactly when `zstd -d` fails. Inputs: CLI output at several levels and flags, frames
// built by hand (skippable, RLE bombs, the frames that stall fzstd), every single-byte
// corruption and every truncation of small frames, random garbage, and fast-check bytes.

import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { release, debug } from "../helpers/core.js";
import { ZstdDecoder, ZstdFormatError, zstdDecompress } from "../../src/fs/zstd.js";
import { CompressionError } from "../../src/fs/errors.js";
import type { Core } from "../../src/wasm/core.js";
import { ZSTD_SAMPLE_BASE64, zstdSampleExpected } from "../runtimes/cases/zstd-data.js";

/** Run the zstd CLI on `input` with `args`; null when it exits non-zero. */
function zstdCli(args: string[], input: Uint8Array): Uint8Array | null {
  const r = spawnSync("zstd", ["-q", ...args], { input, maxBuffer: 1 << 30 });
  return r.status === 0 ? new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.length) : null;
}
const compress = (data: Uint8Array, ...flags: string[]) => zstdCli(["-c", ...flags], data)!;
const CONTROL_FRAME = compress(new TextEncoder().encode("hi\n"), "-3");
const cliDecode = (input: Uint8Array) => zstdCli(["-d", "-c"], input);

/**
 * `zstd -d` on many inputs with one process: each input is a file, each output lands in
 * out/ and zstd removes the output of a file it fails on.
 */
function cliDecodeMany(inputs: Uint8Array[]): (Uint8Array | null)[] {
  const dir = mkdtempSync(path.join(tmpdir(), "zstd-oracle-"));
  try {
    // A known-good control input last: its output proves the batch ran to the end.
    const all = [...inputs, CONTROL_FRAME];
    const files = all.map((input, i) => {
      const f = path.join(dir, `${i}.zst`);
      writeFileSync(f, input);
      return f;
    });
    const out = path.join(dir, "out");
    mkdirSync(out);
    const r = spawnSync("zstd", ["-d", "-q", "-f", "--output-dir-flat", out, ...files], { stdio: "ignore" });
    if (r.error || (r.status !== 0 && r.status !== 1)) throw new Error(`zstd batch failed: ${r.error ?? r.status}`);
    const control = path.join(out, String(inputs.length));
    if (!existsSync(control) || readFileSync(control).toString() !== "hi\n") throw new Error("zstd batch: control output missing");
    return inputs.map((_, i) => {
      const f = path.join(out, String(i));
      return existsSync(f) ? new Uint8Array(readFileSync(f)) : null;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Our verdict: the bytes, or the error (which must be ours). */
function ours(input: Uint8Array, core: Core = release, chunk = input.length || 1): Uint8Array | ZstdFormatError {
  const dec = new ZstdDecoder(core);
  const pieces: Uint8Array[] = [];
  try {
    for (let i = 0; i < input.length; i += chunk) {
      for (const p of dec.push(input.subarray(i, i + chunk))) pieces.push(p);
    }
    dec.end();
  } catch (e) {
    expect(e).toBeInstanceOf(ZstdFormatError);
    expect(e).toBeInstanceOf(CompressionError);
    expect((e as ZstdFormatError).code).toBe("COMPRESSION");
    return e as ZstdFormatError;
  } finally {
    dec.free();
  }
  return Buffer.concat(pieces);
}

/** Assert that we agree with the CLI on `input`; returns whether it decoded. */
function agree(input: Uint8Array, label: string, core: Core = release, expected = cliDecode(input)): boolean {
  const got = ours(input, core);
  if (expected === null) {
    expect(got instanceof ZstdFormatError, `${label}: zstd -d fails, we decoded`).toBe(true);
    return false;
  }
  expect(got instanceof ZstdFormatError ? `error: ${got.message}` : "decoded", `${label}: zstd -d succeeds`).toBe("decoded");
  expect(Buffer.compare(got as Uint8Array, expected), `${label}: same bytes as zstd -d`).toBe(0);
  return true;
}

/** agree() on many inputs, with one CLI process for all of them. */
function agreeAll(cases: [label: string, input: Uint8Array][]): void {
  const expected = cliDecodeMany(cases.map(([, input]) => input));
  cases.forEach(([label, input], i) => agree(input, label, release, expected[i]));
}

/** Deterministic compressible data: words, runs and noise (a 32-bit LCG, so runs repeat). */
function sampleData(size: number, seed = 1): Uint8Array {
  const words = ["layer", "sha256:", "usr/lib/", "0000644", "\0\0\0\0", "ustar  ", "tar", "blob", "\n"];
  const out = new Uint8Array(size);
  let x = seed >>> 0;
  const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
  let i = 0;
  while (i < size) {
    const r = next() % 10;
    if (r < 6) {
      const w = words[next() % words.length];
      for (let k = 0; k < w.length && i < size; k++) out[i++] = w.charCodeAt(k);
    } else if (r < 8) {
      const n = next() % 40,
        b = next() & 0xff;
      for (let k = 0; k < n && i < size; k++) out[i++] = b;
    } else {
      const n = next() % 24;
      for (let k = 0; k < n && i < size; k++) out[i++] = next() >>> 24;
    }
  }
  return out;
}

const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const skippable = (n: number, payload = 0x5a) => {
  const f = new Uint8Array(8 + payload);
  new DataView(f.buffer).setUint32(0, 0x184d2a50 + n, true);
  new DataView(f.buffer).setUint32(4, payload, true);
  return f;
};

/** A frame header (magic, descriptor, window descriptor) with no content size. */
const frameHead = (windowDescriptor: number) => [0x28, 0xb5, 0x2f, 0xfd, 0x00, windowDescriptor];

/** 98,303 sequences of Match_Length 65539 in an 18-byte frame: fzstd spins for minutes. */
const SEQUENCE_BOMB = Uint8Array.from([
  ...frameHead(0x38),
  (9 << 3) | (2 << 1) | 1,
  0,
  0, // last compressed block of 9 bytes
  0x00, // raw literals, size 0
  0xff,
  0xff,
  0xff, // Number_of_Sequences = 0xffff + 0x7f00
  0x54,
  0x00,
  0x01,
  52, // LL, OF, ML in RLE mode: codes 0, 1, 52
  0x80, // a bitstream of 7 bits
]);
/** 122 frames each declaring a ~1.9 GB window: fzstd allocates each (the CLI refuses). */
const WINDOW_BOMB = Uint8Array.from(Array.from({ length: 122 }, () => [...frameHead(0xa7), 0x01, 0x00, 0x00]).flat());

describe("zstd decoder: round trips against the zstd CLI", () => {
  const data = sampleData(600_000);
  for (const [name, flags] of [
    ["level 1", ["-1"]],
    ["level 3", ["-3"]],
    ["level 19", ["-19"]],
    ["--long=27", ["--long=27", "-3"]],
    ["--no-check", ["-3", "--no-check"]],
    ["no content size", ["-3", "--no-content-size"]],
    ["level 19, no check, no content size", ["-19", "--no-check", "--no-content-size"]],
  ] as const) {
    it(name, () => {
      const frame = compress(data, ...flags);
      expect(agree(frame, name)).toBe(true);
      expect(agree(frame, `${name} (debug core)`, debug)).toBe(true);
    });
  }

  it("tiny and empty inputs", () => {
    for (const size of [0, 1, 2, 3, 7, 100, 1000]) {
      const d = sampleData(size, size + 7);
      for (const flags of [["-3"], ["-19", "--no-check"], ["-1", "--no-content-size"]]) {
        expect(agree(compress(d, ...flags), `${size} bytes ${flags.join(" ")}`)).toBe(true);
      }
    }
    expect(agree(new Uint8Array(0), "no bytes at all")).toBe(false);
  });

  it("incompressible data (raw blocks) and runs (RLE blocks)", () => {
    const noise = new Uint8Array(300_000);
    for (let i = 0; i < noise.length; i++) noise[i] = (Math.imul(i, 2654435761) >>> 13) & 0xff;
    expect(agree(compress(noise, "-3"), "noise")).toBe(true);
    expect(agree(compress(new Uint8Array(1_000_000).fill(7), "-3"), "one byte repeated")).toBe(true);
  });

  it("multiple frames and skippable frames", () => {
    const a = compress(sampleData(50_000, 2), "-3");
    const b = compress(sampleData(70_000, 3), "-19", "--no-check");
    expect(agree(concat(a, b), "two frames")).toBe(true);
    expect(agree(concat(skippable(0), a, skippable(15, 0), b, skippable(3, 1000)), "skippable frames around")).toBe(true);
    expect(agree(skippable(5), "only a skippable frame")).toBe(true);
  });

  it("the five-runtime known answer is what zstd -d makes of its frames", () => {
    const frames = new Uint8Array(Buffer.from(ZSTD_SAMPLE_BASE64, "base64"));
    expect(Buffer.compare(cliDecode(frames)!, zstdSampleExpected())).toBe(0);
    expect(agree(frames, "known-answer frames")).toBe(true);
  });

  it("1-byte pushes give the same bytes as one push", () => {
    const frame = concat(skippable(1, 3), compress(sampleData(40_000, 4), "-19"), compress(sampleData(3000, 5), "-1"));
    const whole = ours(frame);
    const bytewise = ours(frame, release, 1);
    expect(whole).toBeInstanceOf(Uint8Array);
    expect(Buffer.compare(bytewise as Uint8Array, whole as Uint8Array)).toBe(0);
    expect(Buffer.compare(whole as Uint8Array, cliDecode(frame)!)).toBe(0);
  });

  it("every piece is at most one block, even when one push holds a bomb", () => {
    // 32 KiB of RLE blocks: each 4-byte block regenerates 128 KiB (~1 GiB in all).
    const blocks = 8000;
    const bomb = new Uint8Array(6 + 4 * blocks);
    bomb.set(frameHead(0x38));
    for (let i = 0; i < blocks; i++) {
      const h = ((128 * 1024) << 3) | (1 << 1) | (i === blocks - 1 ? 1 : 0);
      bomb.set([h & 0xff, (h >> 8) & 0xff, h >> 16, 0x41], 6 + 4 * i);
    }
    const before = release.exports.memory.buffer.byteLength;
    const dec = new ZstdDecoder(release);
    let total = 0,
      largest = 0;
    for (const piece of dec.push(bomb)) {
      largest = Math.max(largest, piece.length);
      total += piece.length;
      if (total > 64 * 1024 * 1024) break; // the caller's budget, checked per piece
    }
    dec.free();
    expect(largest).toBeLessThanOrEqual(128 * 1024);
    expect(total).toBeLessThanOrEqual(64 * 1024 * 1024 + 128 * 1024);
    expect(release.exports.memory.buffer.byteLength - before).toBeLessThan(16 * 1024 * 1024);
  });
});

describe("zstd decoder: corrupt input gets the CLI's verdict", () => {
  const text = sampleData(2500, 11);
  const frames: [string, Uint8Array][] = [
    ["level 19 with checksum", compress(text, "-19")],
    ["level 3, no checksum", compress(text, "-3", "--no-check")],
    ["level 19, no checksum, no content size", compress(text, "-19", "--no-check", "--no-content-size")],
  ];

  // Every corruption agrees, including the ones that run a sequences bitstream out before its
  // last sequence (e.g. byte 905 ^ 16 of the third frame). RFC 8878 only calls such a stream
  // corrupt; zstd 1.5.4 decodes on past the start and reads the state bits there with
  // BIT_readBits' shift-and-mask, whose values differ from a double shift's, so its later
  // sequences overrun the literals and it refuses the frame. The core reads them the same way.
  for (const [name, frame] of frames) {
    it(`every byte of a ${frame.length}-byte frame (${name}) flipped`, () => {
      const cases: [string, Uint8Array][] = [];
      for (let i = 0; i < frame.length; i++) {
        for (const mask of [0xff, 0x01, 0x10]) {
          const bad = frame.slice();
          bad[i] ^= mask;
          cases.push([`${name}: byte ${i} ^ ${mask}`, bad]);
        }
      }
      const expected = cliDecodeMany(cases.map(([, input]) => input));
      cases.forEach(([label, input], i) => agree(input, label, release, expected[i]));
    });

    it(`truncated at every offset (${name})`, () => {
      const cut = Array.from({ length: frame.length }, (_, n) => frame.subarray(0, n));
      const cli = cliDecodeMany(cut);
      cut.forEach((input, n) => {
        expect(ours(input), `${name}: truncated to ${n}`).toBeInstanceOf(ZstdFormatError);
        expect(cli[n], `zstd -d on ${n} bytes`).toBeNull();
      });
    });
  }

  it("trailing garbage after a good frame", () => {
    const good = frames[0][1];
    for (const tail of [[0], [0x28], [0x28, 0xb5, 0x2f, 0xfd], [1, 2, 3, 4, 5, 6, 7, 8]]) {
      agree(concat(good, Uint8Array.from(tail)), `trailing ${tail.join(",")}`);
    }
  });

  it("random garbage, with and without a frame magic in front", () => {
    let x = 12345;
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 16;
    const cases: [string, Uint8Array][] = [];
    for (let k = 0; k < 1000; k++) {
      const body = Uint8Array.from({ length: 1 + (next() % 200) }, () => next() & 0xff);
      const input = k % 3 === 0 ? body : concat(Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd]), body);
      cases.push([`garbage ${k}`, input]);
    }
    agreeAll(cases);
  });

  it("the frames that stall fzstd are refused at once, as the CLI refuses them", () => {
    for (const [name, input] of [
      ["sequence bomb", SEQUENCE_BOMB],
      ["window bomb", WINDOW_BOMB],
    ] as const) {
      expect(cliDecode(input), `zstd -d on the ${name}`).toBeNull();
      const t = performance.now();
      const got = ours(input);
      expect(got, name).toBeInstanceOf(ZstdFormatError);
      // A bound on work, not a benchmark: both frames are refused in their first block.
      expect(performance.now() - t).toBeLessThan(2000);
    }
  });

  it("a dictionary frame and a too-large window are typed refusals", () => {
    const dictFrame = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x01, 0x38, 0x07, 0x01, 0x00, 0x00]);
    expect(cliDecode(dictFrame)).toBeNull();
    expect((ours(dictFrame) as ZstdFormatError).reason).toBe("dictionary");
    const big = Uint8Array.from([...frameHead(0x89), 0x01, 0x00, 0x00]); // 2^27 + 2^24 bytes
    expect(cliDecode(big)).toBeNull();
    expect((ours(big) as ZstdFormatError).reason).toBe("window-too-large");
    // The host may raise the cap, as zstd --memory does.
    const dec = new ZstdDecoder(release, { maxWindowLog: 28 });
    expect([...dec.push(big)].length).toBe(0);
    dec.end();
    dec.free();
  });

  it("errors carry the offset of the failing frame part and stay sticky", () => {
    const good = frames[1][1];
    const bad = concat(good, Uint8Array.from([1, 2, 3, 4, 5, 6]));
    const dec = new ZstdDecoder(release, { what: "layer 1 sha256:ab12" });
    let err: unknown;
    try {
      for (const _ of dec.push(bad));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ZstdFormatError);
    expect((err as ZstdFormatError).offset).toBe(good.length);
    expect((err as ZstdFormatError).reason).toBe("magic");
    expect((err as ZstdFormatError).message).toMatch(/^layer 1 sha256:ab12: corrupt zstd stream: .* \(at byte \d+\)$/);
    expect(() => [...dec.push(Uint8Array.of(1))]).toThrow(ZstdFormatError);
    dec.free();
    expect(() => [...dec.push(Uint8Array.of(1))]).toThrow(/after free/);
  });
});

describe("zstd decoder: arbitrary bytes", () => {
  const sample = compress(sampleData(4000, 21), "-19");
  const canary = compress(sampleData(20_000, 22), "-3");
  const canaryBytes = cliDecode(canary)!;

  it("decode or throw our error, never trap, and the core stays usable", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.uint8Array({ maxLength: 300 }).map((b) => concat(Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd]), b)),
          fc.tuple(fc.nat(sample.length - 1), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, junk]) => {
            const s = sample.slice();
            s.set(junk.subarray(0, s.length - at), at);
            return s;
          }),
        ),
        fc.integer({ min: 1, max: 64 }),
        (input, chunk) => {
          ours(input, release, chunk);
          ours(input, debug, chunk);
        },
      ),
      { numRuns: process.env.CI ? 3000 : 600 },
    );
    expect(Buffer.compare(zstdDecompress(canary, { core: release }), canaryBytes)).toBe(0);
    expect(Buffer.compare(zstdDecompress(canary, { core: debug }), canaryBytes)).toBe(0);
  });

  it("agree with the CLI on mutated frames", () => {
    // Two to four random byte changes per frame, judged in one CLI batch.
    const mutations = fc.sample(
      fc.array(fc.tuple(fc.nat(sample.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 2, maxLength: 4 }),
      { numRuns: 1500, seed: 8878 },
    );
    agreeAll(
      mutations.map((changes) => {
        const bad = sample.slice();
        for (const [at, mask] of changes) bad[at] ^= mask;
        return [`changes ${JSON.stringify(changes)}`, bad];
      }),
    );
  });
});
