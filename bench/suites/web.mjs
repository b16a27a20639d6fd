// Web suite: the inspector in headless Chromium against `layerlens layers`, on one archive in
// the same run. The image is the layerfs suite's (bench/layerfs/image.mjs: 4 gzip layers built
// from this machine's /usr) with one more layer of /usr/lib/x86_64-linux-gnu and /usr/bin on
// top (bench/web/image.mjs), so the archive passes 1 GB; it is packed once as an oci-archive
// next to the layout in the OS temp dir, so both read the same single file, and kept there.
//
// Rows, in interleaved rounds (bench/lib/rounds.mjs), each pass a fresh process:
//   page   a fresh Chromium and profile; the built site (vite build of web/) is served on
//          127.0.0.1; the archive is handed to #archive-input; the time is the page's own,
//          from <body data-state> "loading" to "ready" (every layer read, verified, merged
//          and the views drawn), so the browser's start-up is not counted (bench/web/page-pass.mjs)
//   cli    `node dist/cli/main.js layers oci-archive:FILE:TAG` as a user runs it, wall time of
//          the whole process (Node's start-up included, so the comparison leans to the page)
// A row's figure is the median over rounds (one whole pass per round); the load average is
// recorded per round, and so are the CPU seconds of each pass (all of Chromium's processes for
// the page, the process and its threads for the CLI: bench/web/cpu.mjs), which a shared
// machine's load stretches less than wall time. Target: page <= 1.2x the CLI.
//
//   BENCH_ROUNDS=n   rounds (default 3, at least 3 unless quick)

import { spawn, spawnSync } from "node:child_process";
import { existsSync, renameSync, statSync } from "node:fs";
import path from "node:path";
import { build } from "vite";
import { table, ratio, median } from "../lib/format.mjs";
import { interleavedRounds, roundsTable, summarisePasses } from "../lib/rounds.mjs";
import { reapedChildrenCpuSeconds } from "../web/cpu.mjs";
import { webImage } from "../web/image.mjs";
import { CHROMIUM, pagePass } from "../web/page-pass.mjs";
import { serveSite } from "../web/serve.mjs";

export const title = "The inspector in Chromium vs `layerlens layers` on one archive";

const TARGET = 1.2;

/** The layout packed as an oci-archive (GNU tar), built once beside the layout. */
function archiveOf(img) {
  const file = `${img.layout}.oci.tar`;
  if (existsSync(file)) return file;
  const tmp = `${file}.tmp-${process.pid}`;
  const r = spawnSync("tar", ["-C", img.layout, "--numeric-owner", "--sort=name", "-cf", tmp, "oci-layout", "index.json", "blobs"], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`tar of ${img.layout} failed: ${r.stderr}`);
  renameSync(tmp, file);
  return file;
}

/** One `layerlens layers` process, timed from spawn to exit; cpuSeconds: its CPU time, once reaped. */
function cliPass(distEntry, ref) {
  const cli = path.join(path.dirname(distEntry), "cli", "main.js");
  return new Promise((resolve, reject) => {
    const cpu0 = reapedChildrenCpuSeconds();
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, "layers", "--progress=none", "--json", ref], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - t0;
      const cpu1 = reapedChildrenCpuSeconds();
      if (code !== 0) return reject(new Error(`layerlens layers exited ${code}: ${err.slice(-500)}`));
      resolve({ ms, cpuSeconds: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0, report: JSON.parse(out) });
    });
  });
}

export async function run(ctx) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: the web suite needs Debian's chromium`);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  if (!ctx.quick && rounds < 3) throw new Error(`BENCH_ROUNDS=${rounds}: the method needs at least 3 rounds`);
  const img = await webImage({ quick: ctx.quick, log: ctx.log });
  ctx.log("web: packing the layout as an oci-archive (once)");
  const archive = archiveOf(img);
  const archiveBytes = statSync(archive).size;
  const ref = `oci-archive:${archive}:${img.tag}`;
  const compressed = img.layers.reduce((n, l) => n + l.size, 0);

  ctx.log("web: building the inspector (vite build web)");
  const site = path.join(ctx.tmpDir, "site");
  await build({ configFile: path.join(ctx.repoRoot, "web/vite.config.ts"), logLevel: "error", build: { outDir: site, emptyOutDir: true } });
  const served = await serveSite(site, ctx.distEntry);

  const failures = [];
  let cliReport;
  let pagePhases = [];
  try {
    const runOne = async (row) => {
      if (row === "cli") {
        const r = await cliPass(ctx.distEntry, ref);
        cliReport = r.report;
        ctx.log(`web: cli ${(r.ms / 1000).toFixed(2)} s, ${r.cpuSeconds?.toFixed(2)} CPU s`);
        return { passMs: [r.ms], cpuSeconds: r.cpuSeconds };
      }
      const r = await pagePass({ origin: served.origin, archive, layers: img.layers.length });
      pagePhases.push({ phases: r.phases, bottleneck: r.bottleneck });
      ctx.log(`web: page ${(r.ms / 1000).toFixed(2)} s, ${r.cpuSeconds?.toFixed(2)} CPU s (${r.bottleneck})`);
      return { passMs: [r.ms], cpuSeconds: r.cpuSeconds };
    };
    const measured = await interleavedRounds(["page", "cli"], ctx.quick ? 1 : rounds, runOne, ctx.log);
    failures.push(...measured.failures);
    const rows = [];
    for (const [name, perRound] of measured.results) {
      if (!perRound.length) continue;
      const cpu = perRound.map((r) => r.cpuSeconds).filter((c) => typeof c === "number");
      rows.push({
        row: name,
        ...summarisePasses(perRound),
        cpuSeconds: cpu.map((c) => +c.toFixed(2)),
        medianCpuSeconds: cpu.length ? median(cpu) : null,
        loads: perRound.map((r) => +r.loadAtStart.toFixed(2)),
      });
    }
    const page = rows.find((r) => r.row === "page");
    const cli = rows.find((r) => r.row === "cli");
    const x = page && cli ? page.medianMs / cli.medianMs : null;
    if (cliReport && cliReport.layers?.length !== img.layers.length)
      failures.push(`cli listed ${cliReport.layers?.length} layers, want ${img.layers.length}`);
    const tarBytes = cliReport?.layers?.reduce((n, l) => n + l.uncompressedSize, 0);
    const cpuX = page?.medianCpuSeconds && cli?.medianCpuSeconds ? page.medianCpuSeconds / cli.medianCpuSeconds : null;
    rows.push({ row: "ratio", pageOverCli: x, cpuPageOverCli: cpuX, target: TARGET, archiveBytes, compressed, tarBytes });
    rows.push({ row: "page phases", passes: pagePhases });
    rows.push({ scenario: "rounds", rounds: measured.rounds });
    const mib = (n) => `${(n / 2 ** 20).toFixed(0)} MiB`;
    const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
    const tar = tarBytes ? `${(tarBytes / 2 ** 30).toFixed(2)} GiB of tar` : "tar size not reported";
    let md = `Input: one oci-archive of ${mib(archiveBytes)} (${img.layers.length} gzip layers, ${mib(compressed)} of blobs, ${tar}), read whole by both: every blob digest and diff_id verified, every layer decompressed, parsed and merged.\n\n`;
    md += table(
      ["row", "median of rounds", "rounds", "fastest pass", "CPU seconds (median; each round)", "load at start of each"],
      rows
        .filter((r) => r.medianMs !== undefined)
        .map((r) => [
          r.row === "page" ? "page (Chromium, loading → ready)" : "`layerlens layers` (whole process)",
          s(r.medianMs),
          r.roundMs.map((m) => s(m)).join(", "),
          s(r.bestMs),
          r.medianCpuSeconds === null ? "n/a" : `${r.medianCpuSeconds.toFixed(2)} (${r.cpuSeconds.join(", ")})`,
          r.loads.join(", "),
        ]),
    );
    md += `\n\nPage / CLI: **${ratio(x)}** (target ≤ ${TARGET}×: ${x !== null && x <= TARGET ? "met" : "not met"}); CPU seconds, page / CLI: ${ratio(cpuX)}.\n\n`;
    const last = pagePhases.at(-1);
    if (last) {
      md += `The page's own metrics panel, last pass: ${Object.entries(last.phases)
        .filter(([, ms]) => ms > 0)
        .map(([p, ms]) => `${p} ${s(ms)}`)
        .join(", ")}; ${last.bottleneck}.\n\n`;
    }
    md += roundsTable(measured.rounds, table) + "\n";
    return { rows, markdown: md, failures };
  } finally {
    await served.close();
  }
}
