// `--stats` as a user runs it (the built CLI on pipes) and `onStats` as the library hands it
// over. The figures are checked against what the image itself says: the bytes read are the
// blob sizes of inspect's report, the bytes hashed and inflated its compressed and tar sizes,
// the bytes written what reached stdout, the cache lookups one per document on the way to the
// config. Times are only checked for consistency (never against a clock): each phase >= 0 and
// all of them together no more than the wall time.
import { describe, expect, it } from "vitest";
import { LayerFS, LayerPool, openImage, resolveImage, documentCache, type Stats, WORK_PHASES } from "../../src/node.js";
import type { InspectReport } from "../../src/report/inspect.js";
import type { Stat } from "../../src/fs/merge.js";
import { fixture, skipFixtures } from "../helpers/fixtures.js";
import { runOnPipes } from "./helpers.js";
import { writeTar } from "../../src/fs/tar-write.js";
import { startStats } from "../../src/report/stats.js";
import { startPipeline } from "../../src/report/work-clock.js";

const skip = skipFixtures();
const GZIP = `oci:${fixture("layout")}:latest`;
const ZSTD = `oci:${fixture("layout-zstd")}:latest`;
const PLAIN = `oci:${fixture("layout-uncompressed")}:latest`;
const MULTI = `oci:${fixture("layout-multi")}:multi`;

const phase = (s: Stats, name: string) => s.phases.find((p) => p.phase === name)!;

async function report(spec: string): Promise<InspectReport> {
  const r = await runOnPipes(["inspect", spec, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as InspectReport;
}

/** The stats of `args --json --stats`: from the "stats" key of an object, else from stderr. */
async function jsonStats(args: string[]): Promise<{ stats: Stats; stdout: string; stderr: string }> {
  const r = await runOnPipes([...args, "--json", "--stats"]);
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout) as unknown;
  if (Array.isArray(out)) return { stats: (JSON.parse(r.stderr) as { stats: Stats }).stats, stdout: r.stdout, stderr: r.stderr };
  return { stats: (out as { stats: Stats }).stats, stdout: r.stdout, stderr: r.stderr };
}

/** What holds for every stats object, whatever the command. */
function checkConsistent(s: Stats, { core = true } = {}): void {
  expect(s.wallMs).toBeGreaterThan(0);
  expect(s.phases.map((p) => p.phase)).toEqual(WORK_PHASES);
  let sum = 0;
  for (const p of s.phases) {
    expect(p.ms, p.phase).toBeGreaterThanOrEqual(0);
    expect(p.bytes, p.phase).toBeGreaterThanOrEqual(0);
    expect(p.share, p.phase).toBeCloseTo(p.ms / s.wallMs, 9);
    if (p.ms > 0) expect(p.bytesPerSecond, p.phase).toBeCloseTo((p.bytes * 1000) / p.ms, 3);
    else expect(p.bytesPerSecond, p.phase).toBeNull();
    sum += p.ms;
  }
  expect(sum).toBeLessThanOrEqual(s.wallMs + 1e-6);
  expect(s.otherMs).toBeCloseTo(s.wallMs - sum, 6);
  if (core) {
    expect(s.cache).not.toBeNull();
    expect(s.cache!.lookups).toBe(s.cache!.hits + s.cache!.misses);
    expect(s.cache!.evictions).toBeGreaterThanOrEqual(0);
    expect(s.wasm!.memoryBytes % 65536).toBe(0); // whole wasm pages
    expect(s.wasm!.memoryBytes).toBeGreaterThan(0);
  }
  // the names the bottleneck line gives
  expect(WORK_PHASES).toContain(s.bottleneck.phase);
  const top = Math.max(...s.phases.map((p) => p.ms));
  expect(phase(s, s.bottleneck.phase!).ms).toBe(top);
  expect(s.bottleneck.line).toMatch(
    new RegExp(`^bound by ${s.bottleneck.phase}: .*\\b${Math.round(s.bottleneck.share * 100)} % of wall time$`),
  );
}

/** The CLI's own process: its peak RSS and CPU time are there and plausible. */
function checkProcess(s: Stats): void {
  const p = s.process!;
  expect(p.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
  expect(p.peakRssBytes).toBeLessThan(8 * 1024 ** 3);
  expect(p.cpuMs).toBeCloseTo(p.cpuUserMs + p.cpuSystemMs, 6);
  expect(p.cpuUserMs).toBeGreaterThan(0);
}

describe.skipIf(skip)("--stats", () => {
  it("inspect: the bytes read, hashed and inflated are the image's blob and tar sizes; one cache lookup per document", async () => {
    for (const [spec, compression] of [
      [GZIP, "gzip"],
      [ZSTD, "zstd"],
      [PLAIN, "none"],
      [MULTI, "gzip"],
    ] as const) {
      const r = await report(spec);
      const { stats } = await jsonStats(["inspect", spec]);
      checkConsistent(stats);
      checkProcess(stats);
      expect(r.layers.every((l) => l.compression === compression)).toBe(true);
      const { size, uncompressedSize } = r.totals;
      expect(phase(stats, "reading").bytes, spec).toBe(size);
      // blobs and tars are both hashed, except an uncompressed layer's, whose tar is its blob
      expect(phase(stats, "verifying").bytes, spec).toBe(compression === "none" ? size : size + uncompressedSize!);
      expect(phase(stats, "gunzip").bytes, spec).toBe(compression === "gzip" ? uncompressedSize : 0);
      expect(phase(stats, "zstd").bytes, spec).toBe(compression === "zstd" ? uncompressedSize : 0);
      expect(phase(stats, "tar").bytes, spec).toBe(uncompressedSize);
      expect(phase(stats, "merging").bytes, spec).toBe(0); // inspect mounts nothing
      // every document on the way: the indexes, the manifest, the config, each once, a fresh process
      expect(stats.cache!.lookups, spec).toBe(r.indexes.length + 2);
      expect(stats.cache!.misses, spec).toBe(r.indexes.length + 2);
      expect(stats.pool, spec).toBeNull(); // the CLI's LayerFS keeps no LayerPool
    }
  });

  it("ls: every layer read once and merged; the bytes written are stdout's (text and --json)", async () => {
    const r = await report(GZIP);
    const text = await runOnPipes(["ls", "-R", GZIP, "--stats"]);
    expect(text.code, text.stderr).toBe(0);
    // the table comes on stderr, after nothing else: stdout is the listing alone
    const plain = await runOnPipes(["ls", "-R", GZIP]);
    expect(text.stdout).toBe(plain.stdout);
    expect(text.stderr).toMatch(/^\nstats: \d+\.\d+ s wall, /);
    for (const p of WORK_PHASES) expect(text.stderr).toMatch(new RegExp(`^  ${p} +\\d+\\.\\d+ s +\\d+\\.\\d %`, "m"));
    expect(text.stderr).toMatch(/^ {2}document cache {2}2 lookups: 0 hits, 2 misses, 0 evictions/m);
    expect(text.stderr).toMatch(/^ {2}bound by (reading|verifying|gunzip|zstd|tar|merging|writing): /m);

    // ls --json prints an array: stdout stays exactly the array, the stats come as one JSON line on stderr
    const { stats, stdout, stderr } = await jsonStats(["ls", "-R", GZIP]);
    expect(stdout).toBe((await runOnPipes(["ls", "-R", GZIP, "--json"])).stdout);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    checkConsistent(stats);
    checkProcess(stats);
    expect(phase(stats, "reading").bytes).toBe(r.totals.size);
    expect(phase(stats, "merging").bytes).toBe(r.totals.uncompressedSize);
    expect(phase(stats, "writing").bytes).toBe(Buffer.byteLength(stdout));
  });

  it("layers: --json gains a stats key and keeps every other key as it was", async () => {
    const r = await report(ZSTD);
    const plain = JSON.parse((await runOnPipes(["layers", ZSTD, "--json"])).stdout) as Record<string, unknown>;
    const { stats, stdout } = await jsonStats(["layers", ZSTD]);
    const both = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(both)).toEqual([...Object.keys(plain), "stats"]);
    expect({ ...both, stats: undefined }).toEqual({ ...plain, stats: undefined });
    checkConsistent(stats);
    expect(phase(stats, "reading").bytes).toBe(r.totals.size);
    expect(phase(stats, "zstd").bytes).toBe(r.totals.uncompressedSize);
    expect(phase(stats, "merging").bytes).toBe(r.totals.uncompressedSize);
  });

  it("cat: the file's bytes are what was written; its layer is read again for them", async () => {
    const r = await report(GZIP);
    const listing = await runOnPipes(["ls", GZIP, "etc", "--json"]);
    const file = (JSON.parse(listing.stdout) as Stat[]).find((s) => s.path === "etc/os-release")!;
    const cat = await runOnPipes(["cat", GZIP, "etc/os-release", "--stats=json"]);
    expect(cat.code, cat.stderr).toBe(0);
    expect(Buffer.byteLength(cat.stdout)).toBe(file.size);
    // cat has no --json: --stats=json gives the stats as one JSON line on stderr
    const stats = (JSON.parse(cat.stderr) as { stats: Stats }).stats;
    checkConsistent(stats);
    expect(phase(stats, "writing").bytes).toBe(file.size);
    const layer = r.layers[file.layer].size;
    // mounting reads every blob once and records the gzip layer's checkpoints; the file is then
    // read again from the nearest checkpoint before it, segment by verified segment, never
    // more than its whole layer
    expect(phase(stats, "reading").bytes).toBeGreaterThan(r.totals.size);
    expect(phase(stats, "reading").bytes).toBeLessThanOrEqual(r.totals.size + layer);
  });

  it("help and the overview name --stats; text --stats on a failure still reports", async () => {
    const overview = await runOnPipes(["help"]);
    expect(overview.stdout).toContain("[--stats[=json]]");
    expect((await runOnPipes(["ls", GZIP, "--stats=yaml"])).stderr).toBe('layerlens: USAGE: --stats takes text or json, not "yaml"\n');
    expect((await runOnPipes(["ls", "--help"])).stdout).toContain("--stats");
    const failed = await runOnPipes(["ls", `oci:${fixture("layout")}:no-such-tag`, "--stats"]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe("");
    expect(failed.stderr).toMatch(/^\nstats: /);
    expect(failed.stderr).toMatch(/layerlens: NOT_FOUND: /);
  });
});

describe.skipIf(skip)("onStats", () => {
  it("openImage and mountBatch hand over the object --stats prints, with the same bytes", async () => {
    const { stats: cli } = await jsonStats(["layers", GZIP]);
    let whole: Stats | undefined;
    let mount: Stats | undefined;
    const source = await openImage(GZIP, { onStats: (s) => (whole = s) });
    const resolved = await resolveImage(source, { cache: documentCache() });
    const pool = new LayerPool();
    const fs = new LayerFS({ pool });
    try {
      await fs.image("x").mountBatch(resolved.layers, { onStats: (s) => (mount = s) });
      expect(whole).toBeUndefined(); // delivered on close, not before
    } finally {
      await source.close?.();
    }
    for (const s of [whole!, mount!]) {
      checkConsistent(s);
      // the same object, key for key, phase for phase
      expect(Object.keys(s).sort()).toEqual(Object.keys(cli).sort());
      expect(Object.keys(s.phases[0]).sort()).toEqual(Object.keys(cli.phases[0]).sort());
      expect(s.process).not.toBeNull();
      for (const p of ["reading", "verifying", "gunzip", "tar", "merging"]) expect(phase(s, p).bytes, p).toBe(phase(cli, p).bytes);
    }
    // the whole window holds the mount's: never less time
    expect(whole!.wallMs).toBeGreaterThanOrEqual(mount!.wallMs);
    // the mount's LayerFS kept a pool: one record per layer
    expect(mount!.pool).toEqual(expect.objectContaining({ pools: 1, inUse: resolved.layers.length, acquires: resolved.layers.length }));
    expect(mount!.pool!.capacity).toBeGreaterThanOrEqual(resolved.layers.length);
    expect(mount!.pool!.utilisation).toBeCloseTo(mount!.pool!.highWater / mount!.pool!.capacity, 9);
    fs.free();
    pool.free();
  });

  it("the document cache's hits are counted: a second resolve of the same image reads nothing again", async () => {
    let stats: Stats | undefined;
    const first = await openImage(MULTI);
    await resolveImage(first, { cache: documentCache() });
    await first.close?.();
    const again = await openImage(MULTI, { onStats: (s) => (stats = s) });
    await resolveImage(again, { cache: documentCache() });
    await again.close?.();
    expect(stats!.cache!.misses).toBe(0);
    expect(stats!.cache!.hits).toBe(3); // index, manifest, config
    expect(stats!.cache!.lookups).toBe(3);
    expect(stats!.bottleneck.phase).toBeNull(); // no layer was read
  });
});

describe("the clock", () => {
  /** A layer whose source hands over `chunks` pieces, each after a timer: a slow disk or network. */
  function slowLayer(chunks: number, delayMs: number) {
    const tar = writeTar(Array.from({ length: 8 }, (_, i) => ({ name: `f${i}`, data: new Uint8Array(4096).fill(i) })));
    const step = Math.ceil(tar.length / chunks);
    return {
      tar,
      open: () =>
        (async function* () {
          for (let at = 0; at < tar.length; at += step) {
            await new Promise((r) => setTimeout(r, delayMs));
            yield tar.subarray(at, at + step);
          }
        })(),
    };
  }

  it("off, the readers' hooks make nothing; on, a read waiting on its source is reading's time", async () => {
    expect(startPipeline()).toBeNull();
    const fs = new LayerFS();
    let stats: Stats | undefined;
    const layers = [slowLayer(6, 25), slowLayer(6, 25)];
    await fs.image("slow").mountBatch(layers, { onStats: (s) => (stats = s) });
    fs.free();
    expect(startPipeline()).toBeNull(); // the window is closed again
    // plain tar in memory needs no core: no document cache, no wasm memory to report
    checkConsistent(stats!, { core: false });
    const reading = phase(stats!, "reading");
    expect(reading.bytes).toBe(layers[0].tar.length + layers[1].tar.length);
    // both reads wait at once: their waits share the wall time instead of adding up past it
    expect(stats!.bottleneck.phase).toBe("reading");
    expect(reading.ms).toBeGreaterThan(stats!.phases.filter((p) => p.phase !== "reading").reduce((n, p) => n + p.ms, 0));
    expect(stats!.bottleneck.line).toMatch(/^bound by reading: waiting on the source \(disk or network\) \d+ % of wall time$/);
  });

  it("overlapping windows each see the work done during them", async () => {
    const outer = startStats();
    const fs = new LayerFS();
    const layer = slowLayer(2, 5);
    await fs.image("a").mountBatch([layer]);
    const inner = startStats();
    await fs.image("b").mountBatch([layer]);
    const i = inner.finish();
    const o = outer.finish();
    fs.free();
    expect(phase(i, "reading").bytes).toBe(layer.tar.length);
    expect(phase(o, "reading").bytes).toBe(2 * layer.tar.length);
    expect(phase(o, "merging").bytes).toBe(2 * layer.tar.length);
    expect(outer.finish()).toBe(o); // finished once
    expect(startPipeline()).toBeNull();
  });
});
