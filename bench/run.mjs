#!/usr/bin/env node
// Benchmark orchestrator: `npm run bench` (= build, then `node bench/run.mjs`).
//
//   node bench/run.mjs                 every suite in bench/suites/, writes results
//   node bench/run.mjs cache pool      only the named suites (others keep their last results)
//   node bench/run.mjs --quick cache   smoke run: small sizes, results go to a temp dir, not bench/
//   BENCH_DIST=/tmp/x/dist/node.js node bench/run.mjs cache   measure another build of layerlens
//
// Writes bench/results.json (machine facts + every suite's raw rows) and bench/RESULTS.md
// (machine facts + one section per suite). A suite that throws is reported and makes the
// exit code 1, but the other suites still run and are still written.
//
// ## The suite contract
// A suite is one file bench/suites/<name>.mjs (the file name is the suite's name) exporting
//
//   export const title = "Human title of the section";
//   export async function run(ctx) { ...; return { rows, markdown }; }
//
// ctx = { quick, distEntry, repoRoot, tmpDir, log }
//   quick      true for a smoke run: use small sizes, the numbers are not meant to be read
//   distEntry  absolute path of dist/node.js: suites and their workers import layerlens
//              from the BUILT code (never src/), as a user would
//   repoRoot   absolute path of the repository
//   tmpDir     a scratch directory for this run (trace files etc.), deleted afterwards
//   log(msg)   progress to stderr
// rows       plain JSON-able objects, one per measurement (kept in results.json as they are)
// markdown   the suite's section body for RESULTS.md (tables, ratios, notes; no top heading)
// failures   optional list of failed checks (strings): printed, and the run exits 1
//
// Each measured library/row runs in a FRESH child process (bench/lib/child.mjs runChild:
// the child gets its arguments as JSON and answers with reportResult()), so no row warms
// the JIT, heap or inline caches for another. Suites own their child scripts, kept next to
// the suite (bench/<name>/...). Correctness checks (e.g. equal hit rates) throw: a wrong
// row must fail loudly, not be published.

import { readdir, readFile, writeFile, mkdtemp, rm, mkdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import os from "node:os";
import path from "node:path";
import { recordRun } from "./lib/history.mjs";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.dirname(benchDir);
// BENCH_DIST=/path/to/dist/node.js measures another build (an A/B of a change, or a snapshot
// taken so that a rebuild during a long run cannot change the code under test).
const distEntry = process.env.BENCH_DIST ? path.resolve(process.env.BENCH_DIST) : path.join(repoRoot, "dist", "node.js");

function machineFacts() {
  let commit = null;
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim();
  } catch {
    /* not a git checkout */
  }
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    // Other work on the machine slows rows unevenly; the load says how quiet it was.
    loadavg: os.loadavg().map((x) => +x.toFixed(2)),
    commit,
  };
}

function machineLine(m) {
  return (
    `Node ${m.node} (V8 ${m.v8}) · ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB · ` +
    `${m.platform} · ${m.date.slice(0, 16).replace("T", " ")} UTC` +
    (m.commit ? ` · commit ${m.commit}` : "") +
    ` · load average ${m.loadavg.join(" / ")} at start` +
    (m.loadavgEnd ? `, ${m.loadavgEnd.join(" / ")} at end` : "")
  );
}

function renderMarkdown(results) {
  const parts = [
    "# layerlens benchmarks",
    "",
    "Written by `npm run bench` (bench/run.mjs); raw rows in bench/results.json. Every library",
    "runs in its own fresh Node process; the figures are from one machine and one run.",
    "",
  ];
  for (const [name, s] of Object.entries(results.suites)) {
    parts.push(`## ${s.title}`, "", `Suite \`${name}\` · ${machineLine(s.machine)}${s.quick ? " · **quick smoke run**" : ""}`, "");
    parts.push(s.error ? `**Failed:** \`${s.error}\`` : s.markdown.trim(), "");
  }
  return parts.join("\n");
}

async function main() {
  const argv = process.argv.slice(2);
  const quick = argv.includes("--quick");
  const wanted = argv.filter((a) => !a.startsWith("--"));
  const available = (await readdir(path.join(benchDir, "suites")))
    .filter((f) => f.endsWith(".mjs"))
    .map((f) => f.slice(0, -4))
    .sort();
  for (const w of wanted) {
    if (!available.includes(w)) throw new Error(`no suite "${w}" (have: ${available.join(", ")})`);
  }
  if (!existsSync(distEntry)) throw new Error(`${distEntry} is missing: run \`npm run build\` first (npm run bench does)`);
  const suites = wanted.length ? wanted : available;

  const outDir = quick ? await mkdtemp(path.join(os.tmpdir(), "layerlens-bench-quick-")) : benchDir;
  const jsonPath = path.join(outDir, "results.json");
  const mdPath = path.join(outDir, "RESULTS.md");
  // A partial run keeps the other suites' last results.
  let results = { suites: {} };
  if (!quick && existsSync(jsonPath)) results = JSON.parse(await readFile(jsonPath, "utf8"));
  results.machine = machineFacts();

  let failed = false;
  for (const name of suites) {
    const mod = await import(pathToFileURL(path.join(benchDir, "suites", `${name}.mjs`)).href);
    const tmpDir = await mkdtemp(path.join(os.tmpdir(), `layerlens-bench-${name}-`));
    const log = (msg) => process.stderr.write(`[${name}] ${msg}\n`);
    const started = Date.now();
    log(`starting${quick ? " (quick)" : ""}`);
    const entry = { title: mod.title ?? name, quick, machine: machineFacts() };
    try {
      const { rows, markdown, failures = [] } = await mod.run({ quick, distEntry, repoRoot, tmpDir, log });
      Object.assign(entry, { rows, markdown, failures });
      if (failures.length) {
        failed = true;
        log(`CHECKS FAILED:\n  ${failures.join("\n  ")}`);
      }
    } catch (err) {
      failed = true;
      entry.error = String(err?.stack ?? err);
      log(`FAILED: ${entry.error}`);
    } finally {
      await rm(tmpDir, { recursive: true, force: true });
    }
    entry.seconds = Math.round((Date.now() - started) / 1000);
    entry.machine.loadavgEnd = os.loadavg().map((x) => +x.toFixed(2));
    results.suites[name] = entry;
    log(`done in ${entry.seconds} s`);
    // Written after every suite, so a long run that dies later keeps what it measured.
    // Re-read first: another `node bench/run.mjs <suite>` may have written its suite since.
    await mkdir(outDir, { recursive: true });
    if (!quick && existsSync(jsonPath)) {
      const latest = JSON.parse(await readFile(jsonPath, "utf8"));
      results.suites = { ...latest.suites, [name]: entry };
    }
    await writeFile(jsonPath, JSON.stringify(results, null, 2) + "\n");
    await writeFile(mdPath, renderMarkdown(results));
  }
  await recordRun(results, { suites, quick, repoRoot, mdPath }); // bench/history.jsonl, bench/trend.svg, RESULTS.md's link to it
  process.stderr.write(`wrote ${mdPath} and ${jsonPath}\n`);
  if (quick) process.stdout.write(renderMarkdown(results));
  if (failed) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
