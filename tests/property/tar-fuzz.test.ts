// fast-check: arbitrary bytes into the tar reader (and through a whole layer mount) either
// parse or raise one of our typed errors, never anything else (no RangeError, no TypeError,
// no hang). Inputs: pure noise, valid archives with bytes flipped, archives cut anywhere.

import fc from "fast-check";
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { LayerlensError } from "../../src/errors.js";
import { LayerFS } from "../../src/fs/merge.js";
import { TarReader } from "../../src/fs/tar.js";
import { layerOf, rawEntry, tarOf } from "../fs/helpers/layers.js";

// Header sequences with sparse maps carry kilobytes of body each: 10^4 cases (TAR_FUZZ_RUNS
// raises it). Raw bytes into the reader are cheap: 10^5 under CI. Whole mounts: fewer.
const CI = process.env.CI === "true";
const RUNS = Number(process.env.TAR_FUZZ_RUNS ?? 10_000);
const PARSER_RUNS = Number(process.env.TAR_FUZZ_RUNS ?? (CI ? 100_000 : 3_000));
const MOUNT_RUNS = CI ? 3_000 : 300;

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

const mutated = fc
  .tuple(
    fc.array(fc.tuple(fc.nat(VALID.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
    fc.nat(VALID.length),
  )
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

function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  const n = enc.encode(rest).length;
  let len = n + 1;
  while (String(len).length + n !== len) len = String(len).length + n;
  return len + rest;
}
const paxBlock = (flag: "x" | "g", records: [string, string][]) =>
  rawEntry("PaxHeader", flag, enc.encode(records.map(([k, v]) => paxRecord(k, v)).join("")));

// Sparse maps, well formed or not: segments (maybe overlapping, out of order, past the end),
// a real size, a stored body that may or may not add up, in each of the four encodings.
const segment = fc.record({ offset: fc.nat(5000), length: fc.nat(1200) });
const sparseEntry = fc
  .record({
    format: fc.constantFrom("0.0", "0.1", "1.0", "gnu"),
    segments: fc.array(segment, { maxLength: 30 }),
    realSize: fc.nat(8000),
    storedDelta: fc.integer({ min: -3, max: 3 }),
    numblocksDelta: fc.integer({ min: -1, max: 1 }),
  })
  .map(({ format, segments, realSize, storedDelta, numblocksDelta }) => {
    const stored = Math.max(0, segments.reduce((n, s) => n + s.length, 0) + storedDelta);
    const data = new Uint8Array(stored).map((_, i) => i & 0xff);
    const count = String(segments.length + numblocksDelta);
    const flat = segments.flatMap((s) => [String(s.offset), String(s.length)]);
    if (format === "gnu") return gnuSparse(segments, realSize, data);
    if (format === "1.0") {
      const map = enc.encode([count, ...flat].join("\n") + "\n");
      const body = new Uint8Array(Math.ceil(map.length / 512) * 512 + data.length);
      body.set(map);
      body.set(data, Math.ceil(map.length / 512) * 512);
      const x = paxBlock("x", [
        ["GNU.sparse.major", "1"],
        ["GNU.sparse.minor", "0"],
        ["GNU.sparse.name", "real"],
        ["GNU.sparse.realsize", String(realSize)],
      ]);
      return Buffer.concat([x, rawEntry("GNUSparseFile.0/real", "0", body)]);
    }
    const records: [string, string][] = [
      ["GNU.sparse.size", String(realSize)],
      ["GNU.sparse.numblocks", count],
    ];
    if (format === "0.0")
      for (let i = 0; i < flat.length; i += 2) records.push(["GNU.sparse.offset", flat[i]], ["GNU.sparse.numbytes", flat[i + 1]]);
    else records.push(["GNU.sparse.name", "real"], ["GNU.sparse.map", flat.join(",")]);
    return Buffer.concat([paxBlock("x", records), rawEntry("GNUSparseFile.0/real", "0", data)]);
  });

/** An old GNU 'S' entry: four map entries in the header, 21 per extension block. */
function gnuSparse(segments: { offset: number; length: number }[], realSize: number, data: Uint8Array): Uint8Array {
  const entry = rawEntry("sparse", "S", data);
  const h = entry.subarray(0, 512);
  const octal = (b: Uint8Array, at: number, v: number) => b.set(enc.encode(v.toString(8).padStart(11, "0") + "\0"), at);
  const ext: Uint8Array[] = [];
  segments.forEach((s, i) => {
    if (i < 4) return void (octal(h, 386 + 24 * i, s.offset), octal(h, 398 + 24 * i, s.length));
    const k = i - 4;
    if (k % 21 === 0) ext.push(new Uint8Array(512));
    const b = ext[ext.length - 1];
    octal(b, 24 * (k % 21), s.offset);
    octal(b, 24 * (k % 21) + 12, s.length);
  });
  if (ext.length) h[482] = 1;
  ext.forEach((b, i) => {
    if (i < ext.length - 1) b[504] = 1;
  });
  octal(h, 483, realSize);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i];
  h.set(enc.encode(sum.toString(8).padStart(6, "0") + "\0"), 148);
  return Buffer.concat([h, ...ext, entry.subarray(512)]);
}

// Sequences of PAX, global and GNU long-name headers before entries, records drawn from the
// keys that matter (with NULs, empty and bad values among them).
const value = fc.oneof(fc.constantFrom("", "0", "12", "1700000000.5", "-1", "abc", "a\0b", "x".repeat(200)), fc.string({ maxLength: 12 }));
const key = fc.constantFrom(
  "path",
  "linkpath",
  "mtime",
  "uid",
  "gid",
  "size",
  "uname",
  "SCHILY.xattr.user.k",
  "SCHILY.xattr.a\0b",
  "GNU.sparse.map",
  "GNU.sparse.major",
  "atime",
);
const metaHeader = fc.oneof(
  fc.tuple(fc.constantFrom("x" as const, "g" as const), fc.array(fc.tuple(key, value), { maxLength: 5 })).map(([f, r]) => paxBlock(f, r)),
  fc.tuple(fc.constantFrom("L", "K"), fc.string({ maxLength: 300 })).map(([f, s]) => rawEntry("././@LongLink", f, enc.encode(s + "\0"))),
);
const sequence = fc
  .array(
    fc.tuple(
      fc.array(metaHeader, { maxLength: 4 }),
      fc.oneof(sparseEntry, fc.constant(tarOf([{ name: "f", data: enc.encode("body") }], false))),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((parts) => Buffer.concat([...parts.flatMap(([metas, e]) => [...metas, e]), new Uint8Array(1024)]));

/** Parse with both a data() and a hole() consumer; the content must have the header's size. */
function parseChecked(bytes: Uint8Array, step: number, holes: boolean): void {
  let got = 0;
  let want = 0;
  const r = new TarReader({
    entry: (h) => {
      got = 0;
      want = h.type === "file" ? h.size : -1;
    },
    data: (c) => {
      got += c.length;
    },
    hole: holes
      ? (n) => {
          got += n;
        }
      : undefined,
    entryEnd: () => {
      if (want >= 0) expect(got).toBe(want);
    },
  });
  for (let i = 0; i < bytes.length; i += step) r.push(bytes.subarray(i, i + step));
  r.end();
}

// Names at and past the limits: deep, long, multi-byte, with "..", "." and whiteout-looking
// components anywhere, as PAX paths (up to 40 KB, 8000 deep), link targets and ustar fields.
const component = fc.constantFrom("a", "..", ".", "", ".wh.x", ".wh..", ".wh..wh.plnk", ".wh..wh..opq", "é", "x".repeat(255), "\u{1F600}");
const longName = fc
  .tuple(fc.array(component, { maxLength: 40 }), fc.nat(8000), fc.constantFrom("a/", "é/", "../", "./"))
  .map(([parts, repeat, unit]) => unit.repeat(repeat) + parts.join("/"));
const limitEntry = fc
  .tuple(longName, fc.constantFrom("file", "dir", "symlink", "hardlink"), longName)
  .map(([name, type, link]) =>
    type === "symlink" || type === "hardlink"
      ? tarOf([{ name: "p", type: type, linkname: link, pax: { path: name, linkpath: link } }], false)
      : tarOf([{ name: "p", type: type, data: type === "file" ? enc.encode("x") : undefined, pax: { path: name } }], false),
  );
const limitLayer = fc
  .array(limitEntry, { minLength: 1, maxLength: 5 })
  .map((entries) => Buffer.concat([tarOf([{ name: "a", type: "dir" }], false), ...entries, new Uint8Array(1024)]));

describe("tar reader on arbitrary bytes", () => {
  test("sparse maps and header sequences parse (content of the real size) or raise TAR_FORMAT", () => {
    fc.assert(
      fc.property(sequence, fc.integer({ min: 1, max: 1100 }), fc.boolean(), (bytes, step, holes) => {
        try {
          parseChecked(bytes, step, holes);
        } catch (e) {
          expect(e, String(e)).toBeInstanceOf(LayerlensError);
          expect((e as LayerlensError).code, String(e)).toMatch(/^(TAR_FORMAT|CAPACITY)$/);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test("noise, mutated archives and random checksummed headers parse or raise our error", () => {
    fc.assert(
      fc.property(fc.oneof(noise, mutated, headerish), fc.integer({ min: 1, max: 700 }), (bytes, step) => {
        ourErrorOrNothing(() => parseAll(bytes, step));
      }),
      { numRuns: PARSER_RUNS },
    );
  });

  test("deep and long names (PAX paths, link targets) mount and walk, or raise CAPACITY / UNSAFE_PATH / LAYER_ENTRY", async () => {
    await fc.assert(
      fc.asyncProperty(limitLayer, fc.constantFrom("throw" as const, "skip" as const), async (bytes, onBadEntry) => {
        const fs = new LayerFS({ onBadEntry });
        try {
          await fs.mount(layerOf(bytes));
        } catch (e) {
          expect(e, String(e)).toBeInstanceOf(LayerlensError);
          expect((e as LayerlensError).code, String(e)).toMatch(/^(CAPACITY|UNSAFE_PATH|LAYER_ENTRY)$/);
        }
        // Whatever was applied stays inside the limits and reads back as no whiteout.
        for (const s of fs.walk()) {
          expect(new TextEncoder().encode(s.path).length).toBeLessThanOrEqual(4096);
          expect(s.path.split("/").length).toBeLessThanOrEqual(1024);
          expect(s.path).not.toMatch(/(^|\/)\.wh\./);
        }
      }),
      { numRuns: MOUNT_RUNS },
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
