// Layers staged by worker threads (src/parallel, src/node/staging-workers.ts) against the
// sequential path: random layer stacks give the same merged view (every Stat, every layer
// record), the fixtures give their ground-truth listings, a corrupt layer fails with the same
// typed error (class, code, message), and a closed pool refuses cleanly.

import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, test } from "vitest";
import "../../src/node.js";
import { FreedError, LayerlensError } from "../../src/errors.js";
import { LayerFS, type LayerFSOptions, type MergedImage } from "../../src/fs/merge.js";
import type { TarWriteEntry } from "../../src/fs/tar-write.js";
import { nodeStagingPool } from "../../src/node/staging-workers.js";
import type { LayerLike } from "../../src/oci/layer.js";
import type { StagingPool } from "../../src/parallel/staging-pool.js";
import { expectedRootfs, fixtureImage, SKIP_FIXTURES } from "./helpers/fixtures.js";
import { layerOf, tarOf } from "./helpers/layers.js";

const pool: StagingPool = nodeStagingPool(2)!;
afterAll(() => pool.close());

const sha = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");

/** Everything a view answers: every Stat in walk order, every layer record but the layer itself. */
function viewOf(image: MergedImage) {
  const layers = image.layers.map(({ layer: _layer, spans, handle: _h, ...rec }) => ({
    ...rec,
    diveLeaves: [...rec.diveLeaves],
    spans: spans instanceof Promise ? "pending" : spans?.spans,
  }));
  return { stats: [...image.walk()], layers };
}

async function mountBoth(make: () => LayerLike[], options: LayerFSOptions = {}) {
  const seq = new LayerFS(options);
  const par = new LayerFS(options);
  const [a, b] = await Promise.allSettled([seq.mountBatch(make()), par.mountBatch(make(), { stager: pool })]);
  return { seq, par, a, b };
}

// Names from a small alphabet so that entries collide: replacements, type changes, whiteouts
// of what a lower layer wrote, hard links to files that exist (or not).
const comp = fc.constantFrom("a", "b", "c", "dé", "long-" + "x".repeat(120));
const path = fc.array(comp, { minLength: 1, maxLength: 3 }).map((p) => p.join("/"));
const meta = { mode: fc.constantFrom(0o644, 0o755, 0o4755, 0o1777), uid: fc.nat(70000), mtime: fc.integer({ min: -5, max: 2e9 }) };
const entry: fc.Arbitrary<TarWriteEntry> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ name: path, data: fc.uint8Array({ maxLength: 700 }), ...meta, mtimeNsec: fc.nat(999999999) }) },
  { weight: 3, arbitrary: fc.record({ name: path, type: fc.constant("dir" as const), ...meta }) },
  {
    weight: 1,
    arbitrary: fc.record({ name: path, type: fc.constant("symlink" as const), linkname: fc.constantFrom("a", "/b/c", "../../x") }),
  },
  { weight: 2, arbitrary: fc.record({ name: path, type: fc.constant("hardlink" as const), linkname: path }) },
  { weight: 1, arbitrary: fc.record({ name: path, type: fc.constantFrom("fifo" as const, "char" as const), devmajor: fc.nat(255) }) },
  {
    weight: 1,
    arbitrary: fc.record({ name: path, data: fc.constant(new Uint8Array([1])), pax: fc.constant({ "SCHILY.xattr.user.k": "v" }) }),
  },
  { weight: 2, arbitrary: path.map((p) => ({ name: p.replace(/[^/]+$/, (b) => ".wh." + b) })) },
  { weight: 1, arbitrary: fc.oneof(fc.constant(""), path).map((d) => ({ name: (d ? d + "/" : "") + ".wh..wh..opq" })) },
);
const stack = fc.array(fc.tuple(fc.array(entry, { maxLength: 10 }), fc.boolean()), { minLength: 1, maxLength: 6 });

describe("a layer stack staged by 2 workers merges as the sequential path merges it", () => {
  test.each([["throw"], ["skip"]] as const)("random stacks, onBadEntry %s", async (onBadEntry) => {
    await fc.assert(
      fc.asyncProperty(stack, async (layers) => {
        const blobs = layers.map(([entries, gzip]) => {
          const tar = tarOf(entries);
          const blob = gzip ? gzipSync(tar) : tar;
          return { blob, digest: sha(blob), diffId: sha(tar) };
        });
        const make = () => blobs.map((b) => layerOf(b.blob, { digest: b.digest, diffId: b.diffId, chunk: 333 }));
        const { seq, par, a, b } = await mountBoth(make, { hashFiles: true, onBadEntry });
        expect(b.status).toBe(a.status);
        if (a.status === "rejected" && b.status === "rejected") {
          expect(b.reason).toBeInstanceOf((a.reason as Error).constructor);
          expect((b.reason as LayerlensError).code).toBe((a.reason as LayerlensError).code);
          expect((b.reason as Error).message).toBe((a.reason as Error).message);
        }
        if (a.status === "rejected") return;
        expect(viewOf(par.image())).toEqual(viewOf(seq.image()));
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 150) },
    );
  });

  test("span digests recorded by a worker check a later read as the sequential ones do", async () => {
    const tar = tarOf([
      { name: "big", data: new Uint8Array(3 << 20).fill(7) },
      { name: "small", data: new Uint8Array([1, 2]) },
    ]);
    const make = () => [layerOf(gzipSync(tar))]; // no digests: spans are recorded at mount
    const { seq, par } = await mountBoth(make);
    expect(viewOf(par.image())).toEqual(viewOf(seq.image()));
    expect(sha(await par.image().readFileBytes("big"))).toBe(sha(await seq.image().readFileBytes("big")));
  });
});

describe.skipIf(SKIP_FIXTURES)("the fixtures staged by workers", () => {
  test.each([["gnutar"], ["v6"], ["latest"]])("%s: the ground-truth listing, and the sequential view", async (tag) => {
    const { seq, par } = await mountBoth(() => fixtureImage("layout", tag).layers, { hashFiles: true });
    expect(viewOf(par.image())).toEqual(viewOf(seq.image()));
    const rows = expectedRootfs(tag);
    const got = new Map([...par.walk()].map((s) => [s.path, s]));
    for (const row of rows) {
      const s = got.get(row.path);
      expect(s, row.path).toBeDefined();
      if (row.type === "f") expect(s!.digest, row.path).toBe("sha256:" + row.sha256);
    }
    expect(got.size).toBe(rows.length);
  });
});

describe("a failing layer fails in a worker as it fails in this thread", () => {
  const tar = tarOf([{ name: "etc/hosts", data: new TextEncoder().encode("127.0.0.1 localhost\n") }]);
  const gz = gzipSync(tar);
  const corruptGz = gz.slice();
  corruptGz[gz.length >> 1] ^= 0xff;
  const zst = new Uint8Array(spawnSync("zstd", ["-c", "-q"], { input: tar }).stdout);
  const corruptZst = zst.slice();
  corruptZst[zst.length >> 1] ^= 0xff;
  const badChecksum = tar.slice();
  badChecksum[150] ^= 1;
  const cases: [string, () => LayerLike, LayerFSOptions?][] = [
    ["wrong blob digest", () => layerOf(gz, { digest: sha(tar) })],
    ["wrong diff_id", () => layerOf(gz, { diffId: sha(gz) })],
    ["corrupt gzip", () => layerOf(corruptGz)],
    ["truncated gzip", () => layerOf(gz.subarray(0, gz.length - 9))],
    ["corrupt zstd (the worker's own core decodes it)", () => layerOf(corruptZst)],
    ["zstd, intact", () => layerOf(zst, { digest: sha(tar) })],
    ["bad tar checksum", () => layerOf(badChecksum)],
    ["size shorter than the blob", () => ({ ...layerOf(gz), size: gz.length - 1 })],
    ["too many entries", () => layerOf(tarOf([{ name: "a" }, { name: "b" }])), { maxEntries: 1 }],
    ["an unverifiable digest", () => layerOf(gz, { digest: "md5:abc" })],
    [
      "the source fails mid-stream",
      () => ({
        open: async function* () {
          yield gz.subarray(0, 10);
          throw new RangeError("disk went away");
        },
      }),
    ],
  ];
  test.each(cases)("%s", async (_name, make, options) => {
    const { a, b } = await mountBoth(() => [make()], options);
    expect(a.status).toBe("rejected");
    expect(b.status).toBe("rejected");
    const [want, got] = [(a as PromiseRejectedResult).reason as Error, (b as PromiseRejectedResult).reason as Error];
    expect(got).toBeInstanceOf(want.constructor);
    expect((got as LayerlensError).code).toBe((want as LayerlensError).code);
    expect(got.message).toBe(want.message);
    expect({ ...got }).toEqual({ ...want });
  });

  test("the pool still works after the failures", async () => {
    const { seq, par } = await mountBoth(() => [layerOf(gz)]);
    expect(viewOf(par.image())).toEqual(viewOf(seq.image()));
  });
});

describe("closing a pool", () => {
  test("refuses the layer it was staging and every later one with FreedError", async () => {
    const own = nodeStagingPool(2)!;
    const stalled: LayerLike = { open: () => new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) }) };
    const fs = new LayerFS();
    const refused = expect(fs.mountBatch([stalled], { stager: own })).rejects.toBeInstanceOf(FreedError);
    await new Promise((r) => setTimeout(r, 200));
    await own.close();
    await refused;
    await expect(new LayerFS().mountBatch([layerOf(tarOf([]))], { stager: own })).rejects.toBeInstanceOf(FreedError);
    expect(fs.image().layers).toHaveLength(0);
  });

  test("a layer still opening when the pool closes is let go once open, not read", async () => {
    const own = nodeStagingPool(2)!;
    let openNow: () => void = () => {};
    const opening = new Promise<void>((r) => (openNow = r));
    let asked = false;
    let pulls = 0;
    let cancelled = false;
    const slow: LayerLike = {
      open: async () => {
        asked = true;
        await opening;
        return new ReadableStream<Uint8Array>(
          {
            pull: (c) => {
              pulls++;
              c.enqueue(new Uint8Array(1024));
            },
            cancel: () => void (cancelled = true),
          },
          { highWaterMark: 0 },
        );
      },
    };
    const refused = expect(new LayerFS().mountBatch([slow], { stager: own })).rejects.toBeInstanceOf(FreedError);
    for (let i = 0; i < 200 && !asked; i++) await new Promise((r) => setTimeout(r, 10));
    expect(asked).toBe(true);
    await own.close();
    await refused;
    openNow();
    for (let i = 0; i < 50 && !cancelled; i++) await new Promise((r) => setTimeout(r, 10));
    expect(cancelled).toBe(true);
    expect(pulls).toBe(0);
  });

  test("one worker is no pool: the sequential path", () => {
    expect(nodeStagingPool(1)).toBeUndefined();
  });
});
