// gzip inflation, to judge the core's inflater by measurement: throughput against fflate
// (pure JS) and node:zlib (C zlib, streaming as the mount path uses it) on the same input,
// and random access: the last 1 MiB of a large gzip stream read by decoding from the start
// versus resuming at the nearest checkpoint (zran's method; the index is built by one pass).
// Inputs: a tar of /usr (real file contents, as a layer holds), gzip -6 for throughput; for
// random access that tar repeated to >= 500 MB, gzip -1. Each contender runs in a fresh
// process per round; rounds are interleaved so machine load hits all alike; a row is the
// median over rounds of each process's median pass, with the load average of each round.
//   BENCH_INFLATE_AB="name=/path/to/dist/node.js;…"   the layerlens rows (Node and Chromium)
//                    of other builds too, interleaved in the same rounds, labelled "· build name"
import path from "node:path";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { runChild } from "../lib/child.mjs";
import { table, median, ratio } from "../lib/format.mjs";

export const title = "gzip inflation and random access into gzip (checkpoints)";

const here = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "inflate");
const worker = path.join(here, "worker.mjs");
const chromiumWorker = path.join(here, "chromium.mjs");
// Contenders: name → [child script, decoder]. The layerlens rows run in Node and in Chromium,
// each with output as pieces (push), as those pieces gathered into one buffer, and as views of
// the core's memory gathered into one buffer (pushViews): the last two are the same work, the
// web inspector's, done the two ways.
const CONTENDERS = {
  layerlens: [worker, "layerlens"],
  "layerlens pieces → one buffer": [worker, "layerlens-gather"],
  "layerlens views → one buffer": [worker, "layerlens-views"],
  "layerlens (Chromium)": [chromiumWorker, "layerlens"],
  "layerlens (Chromium) pieces → one buffer": [chromiumWorker, "layerlens-gather"],
  "layerlens (Chromium) views → one buffer": [chromiumWorker, "layerlens-views"],
  fflate: [worker, "fflate"],
  "fflate-sync": [worker, "fflate-sync"],
  zlib: [worker, "zlib"],
};
const LAYERLENS = Object.keys(CONTENDERS).filter((k) => k.startsWith("layerlens"));

/** Other builds whose layerlens rows run beside this one's: [{ name, distDir }]. */
function abBuilds() {
  return (process.env.BENCH_INFLATE_AB ?? "")
    .split(";")
    .filter(Boolean)
    .map((part) => {
      const [name, dist, only] = part.split("=");
      return { name, distDir: path.dirname(path.resolve(dist)), piecesOnly: only === "pieces" };
    });
}
const TAILS = ["scan-zlib", "scan-layerlens", "index"];
const SPAN = 4 << 20;
const TAIL = 1 << 20;

export async function run(ctx) {
  const mib = ctx.quick ? 24 : 120;
  const bigMib = ctx.quick ? 96 : 520;
  const rounds = 3;
  const passes = ctx.quick ? 1 : 2;
  const distDir = path.dirname(ctx.distEntry);
  // Every contender as { key, script, lib, distDir }: the base ones, then each A/B build's
  // layerlens rows (an older build may lack pushViews: BENCH_INFLATE_AB="name=dist=pieces").
  const contenders = Object.entries(CONTENDERS).map(([key, [script, lib]]) => ({ key, script, lib, distDir }));
  for (const b of abBuilds()) {
    for (const key of LAYERLENS.filter((k) => !b.piecesOnly || !k.includes("views"))) {
      const [script, lib] = CONTENDERS[key];
      contenders.push({ key: `${key} · build ${b.name}`, script, lib, distDir: b.distDir });
    }
  }
  const LIBS = contenders.map((c) => c.key);
  const tarFile = path.join(ctx.tmpDir, "usr.tar");
  const gzFile = `${tarFile}.gz`;
  execFileSync("sh", ["-c", `tar cf - -C / usr 2>/dev/null | head -c ${mib * 1024 * 1024} > '${tarFile}'`]);
  execFileSync("sh", ["-c", `gzip -6 -c '${tarFile}' > '${gzFile}'`]);
  const plain = readFileSync(tarFile);
  const expectedSize = plain.length;
  const expectedSha256 = createHash("sha256").update(plain).digest("hex");
  const compressed = statSync(gzFile).size;

  const bigFile = path.join(ctx.tmpDir, "big.tar.gz");
  const copies = Math.ceil(bigMib / mib);
  execFileSync("sh", ["-c", `for i in $(seq ${copies}); do cat '${tarFile}'; done | gzip -1 -c > '${bigFile}'`]);
  const bigSize = expectedSize * copies;
  const tailSha256 = createHash("sha256")
    .update(plain.subarray(plain.length - TAIL))
    .digest("hex");
  const bigCompressed = statSync(bigFile).size;
  const indexFile = path.join(ctx.tmpDir, "big.index.json");
  const built = await runChild(worker, { task: "index", file: bigFile, span: SPAN, indexFile, distDir }, { label: "inflate index" });
  if (built.size !== bigSize) throw new Error(`index pass decoded ${built.size} bytes, expected ${bigSize}`);

  const through = new Map(LIBS.map((l) => [l, []]));
  const throughCpu = new Map(LIBS.map((l) => [l, []]));
  const tails = new Map(TAILS.map((t) => [t, []]));
  const tailsCpu = new Map(TAILS.map((t) => [t, []]));
  const loads = [];
  let chromiumVersion = "unknown";
  for (let r = 0; r < rounds; r++) {
    loads.push(+os.loadavg()[0].toFixed(2));
    for (const { key: lib, script, lib: decoder, distDir: dir } of contenders) {
      const res = await runChild(
        script,
        { task: "throughput", lib: decoder, file: gzFile, passes, distDir: dir, expectedSize, expectedSha256 },
        { label: `inflate ${lib}` },
      );
      if (res.chromium) chromiumVersion = res.chromium;
      through.get(lib).push(res.medianMs);
      throughCpu.get(lib).push(res.medianCpuMs);
      ctx.log(
        `inflate ${lib} round ${r + 1}: ${(expectedSize / 1e3 / res.medianMs).toFixed(0)} MB/s, ${(expectedSize / 1e3 / res.medianCpuMs).toFixed(0)} MB per CPU s`,
      );
    }
    for (const how of TAILS) {
      const res = await runChild(
        worker,
        {
          task: "tail",
          how,
          file: bigFile,
          size: bigSize,
          tailBytes: TAIL,
          tailSha256,
          indexFile,
          passes: how === "index" ? 5 : 1,
          distDir,
        },
        { label: `inflate tail ${how}` },
      );
      tails.get(how).push(res.medianMs);
      tailsCpu.get(how).push(res.medianCpuMs);
      ctx.log(`inflate tail ${how} round ${r + 1}: ${res.medianMs.toFixed(1)} ms`);
    }
  }
  const rows = LIBS.map((lib) => ({
    lib,
    mib,
    compressedBytes: compressed,
    rounds,
    passes,
    medianMs: median(through.get(lib)),
    roundsMs: through.get(lib),
    loads,
  }));
  for (const r of rows) {
    r.mbPerSec = expectedSize / 1e3 / r.medianMs;
    r.medianCpuMs = median(throughCpu.get(r.lib));
    r.mbPerCpuSec = expectedSize / 1e3 / r.medianCpuMs;
  }
  const tailRows = TAILS.map((how) => ({
    how,
    medianMs: median(tails.get(how)),
    medianCpuMs: median(tailsCpu.get(how)),
    roundsMs: tails.get(how),
    bigSize,
    bigCompressed,
  }));
  const by = (lib) => rows.find((r) => r.lib === lib);
  const scanMs = tailRows.find((t) => t.how === "scan-layerlens").medianMs;
  const zlibScanMs = tailRows.find((t) => t.how === "scan-zlib").medianMs;
  const markdown = [
    `Throughput: ${(expectedSize / 1e6).toFixed(0)} MB tar of /usr, gzip -6 (${(compressed / 1e6).toFixed(1)} MB), 64 KiB pushes; ` +
      `${rounds} interleaved rounds × ${passes} passes, fresh process per contender and round, Node ${process.version}; ` +
      `load average per round: ${loads.join(", ")}. "(Chromium)": the same decoder and pushes in a module worker of headless ` +
      `Chromium ${chromiumVersion}, CPU time of all its processes from /proc (10 ms ticks). "→ one buffer": the output copied ` +
      `into one buffer of the whole size (allocated per pass), as the web inspector gathers a layer, from pieces (push: each a fresh copy) ` +
      `or from views of the core's memory (pushViews: no piece allocated). The machine is shared, so the headline is output per CPU second of the process ` +
      `(all its threads); wall figures beside it.`,
    "",
    table(
      [
        "decoder",
        "MB per CPU second (median of rounds)",
        "vs fflate (CPU)",
        "vs node:zlib (CPU)",
        "MB/s wall",
        "vs node:zlib (wall)",
        "checkpoints / resume",
        "streams in bounded pieces",
      ],
      rows.map((r) => [
        r.lib,
        r.mbPerCpuSec.toFixed(0),
        ratio(r.mbPerCpuSec / by("fflate").mbPerCpuSec),
        ratio(r.mbPerCpuSec / by("zlib").mbPerCpuSec),
        r.mbPerSec.toFixed(0),
        ratio(r.mbPerSec / by("zlib").mbPerSec),
        r.lib.startsWith("layerlens") ? "yes" : "no (state hidden)",
        r.lib === "fflate-sync" ? "no (one shot)" : "yes",
      ]),
    ),
    "",
    `Random access: the last 1 MiB of a ${(bigSize / 1e6).toFixed(0)} MB tar stream (gzip -1, ${(bigCompressed / 1e6).toFixed(0)} MB), read from a local file. ` +
      `The index (a checkpoint every 4 MiB of output: ${built.checkpoints} checkpoints, ${(built.indexBytes / 1e6).toFixed(1)} MB as JSON) took one pass of ${(built.ms / 1e3).toFixed(1)} s to build; ` +
      `the "index" row includes loading it from disk.`,
    "",
    table(
      ["read the last 1 MiB", "ms wall (median of rounds)", "CPU ms", "speed-up vs scan (layerlens)", "vs scan (node:zlib)"],
      tailRows.map((t) => [
        t.how,
        t.medianMs.toFixed(1),
        t.medianCpuMs.toFixed(1),
        ratio(scanMs / t.medianMs),
        ratio(zlibScanMs / t.medianMs),
      ]),
    ),
  ].join("\n");
  return { rows: [...rows, ...tailRows.map((t) => ({ lib: `tail-${t.how}`, ...t }))], markdown };
}
