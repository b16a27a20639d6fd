// Pool suite: LayerPool (records in the core's linear memory) against allocating a plain
// object per layer and against a JavaScript object pool.
//
// Rows (each in a fresh process, bench/suites/pool/worker.mjs):
//   cycle  per round: acquire 1,000 records, fill seven fields, read two, release all
//   seed   the seed's "1000 pool operations" baseline: 500 × (acquire, fill, read, release)
//   memory bytes per record holding 10^6 layers (bench/suites/pool/memory.mjs)
// "minor GCs" counts scavenges during the timed loop: 0 means the steady state allocates
// nothing in JavaScript. Timed rows run in interleaved rounds (bench/lib/rounds.mjs).
//
//   BENCH_POOL_AB="name=/path/to/dist/node.js;..."   the memory rows measured again on other
//                  builds (an A/B of one change), each labelled with its name

import path from "node:path";
import { fileURLToPath } from "node:url";
import { runChild } from "../lib/child.mjs";
import { ratio, ns, mops, table, bytes } from "../lib/format.mjs";
import { interleavedRounds, summarisePasses, roundsTable } from "../lib/rounds.mjs";

export const title = "LayerPool vs object allocation and a JS object pool";

const here = path.dirname(fileURLToPath(import.meta.url));
const worker = path.join(here, "pool", "worker.mjs");
const memoryWorker = path.join(here, "pool", "memory.mjs");

/** Other builds whose memory rows are measured beside this one's: [{ name, distEntry }]. */
function abBuilds() {
  return (process.env.BENCH_POOL_AB ?? "")
    .split(";")
    .filter(Boolean)
    .map((part) => {
      const [name, dist] = part.split("=");
      return { name, distEntry: path.resolve(dist) };
    });
}
const LIBS = [
  "layerpool",
  "layerpool-cursor",
  "layerpool-batch",
  "layerpool-fill",
  "layerpool-view",
  "layerpool-view-row",
  "js-pool",
  "objects",
];
/** Batch-only contenders: the seed scenario is single operations. */
const BATCH_ONLY = new Set(["layerpool-fill", "layerpool-view", "layerpool-view-row"]);

export async function run(ctx) {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const size = ctx.quick
    ? { rounds: 200, passes: 3, timingRounds: rounds, records: 100_000 }
    : { rounds: 5_000, passes: 3, timingRounds: rounds, records: 1_000_000 };
  const rows = [];
  const memoryRuns = [["objects"], ["layerpool"], ["layerpool-sized"]];
  for (const b of abBuilds()) memoryRuns.push(["layerpool", b], ["layerpool-sized", b]);
  for (const [lib, build] of memoryRuns) {
    const label = build ? `${lib} [${build.name}]` : lib;
    const r = await runChild(
      memoryWorker,
      { lib, records: size.records, distEntry: build?.distEntry ?? ctx.distEntry },
      { nodeFlags: ["--expose-gc"], label: `${label} memory` },
    );
    ctx.log(`memory ${label}: ${bytes(r.bytesPerRecord)} B/record`);
    rows.push({ ...r, build: build?.name });
  }
  const specs = [];
  for (const scenario of ["cycle", "seed"])
    for (const lib of LIBS) if (scenario === "cycle" || !BATCH_ONLY.has(lib)) specs.push({ lib, scenario });
  const measured = await interleavedRounds(
    specs,
    size.timingRounds,
    async ({ lib, scenario }) => {
      const args = { lib, scenario, batch: 1000, rounds: size.rounds, passes: size.passes, distEntry: ctx.distEntry };
      // --expose-gc: the worker clears the warm-up's garbage before timing (every row alike),
      // so "minor GCs" counts what the steady state allocates, not what warm-up left behind.
      const r = await runChild(worker, args, { nodeFlags: ["--expose-gc"], label: `${lib} ${scenario}` });
      ctx.log(`${scenario} ${lib}: ${ns(r.nsPerOp)} ns/op (this process's median), ${r.minorGcs} minor GCs`);
      return r;
    },
    ctx.log,
  );
  for (const perRound of measured.results.values()) {
    if (!perRound.length) continue;
    const sum = summarisePasses(perRound);
    const r = { ...perRound[0], ...sum, passMs: perRound.map((x) => x.passMs) };
    r.ms = sum.medianMs;
    r.opsPerSec = (r.ops / sum.medianMs) * 1e3;
    r.nsPerOp = (sum.medianMs * 1e6) / r.ops;
    r.bestNsPerOp = (sum.bestMs * 1e6) / r.ops;
    r.usPerRound = (sum.medianMs * 1e3) / size.rounds;
    // Any GC in any round's timed loop counts: "zero" must hold in every process.
    r.minorGcs = Math.max(...perRound.map((x) => x.minorGcs));
    rows.push(r);
  }
  // The load per round, kept with the rows (results.json keeps a suite's rows and markdown).
  rows.push({ scenario: "rounds", rounds: measured.rounds });
  const checks = new Set(rows.filter((r) => r.scenario === "cycle").map((r) => r.check));
  const failures = [...measured.failures];
  if (checks.size !== 1) failures.push(`cycle rows disagree on the values read back: ${[...checks].join(", ")}`);
  return { rows, rounds: measured.rounds, markdown: render(rows, size, measured.rounds), failures };
}

function render(rows, size, roundFacts) {
  const body = [];
  for (const scenario of ["cycle", "seed"]) {
    const objects = rows.find((r) => r.lib === "objects" && r.scenario === scenario);
    for (const r of rows.filter((x) => x.scenario === scenario)) {
      body.push([
        scenario,
        r.lib,
        ns(r.nsPerOp),
        mops(r.opsPerSec),
        r.usPerRound.toFixed(2),
        String(r.minorGcs),
        r.lib === "objects" ? "" : ratio(objects.nsPerOp / r.nsPerOp),
        ns(r.bestNsPerOp),
      ]);
    }
  }
  const batch = rows.find((r) => r.lib === "layerpool-batch" && r.scenario === "cycle");
  const fill = rows.find((r) => r.lib === "layerpool-fill" && r.scenario === "cycle");
  const view = rows.find((r) => r.lib === "layerpool-view" && r.scenario === "cycle");
  const viewRow = rows.find((r) => r.lib === "layerpool-view-row" && r.scenario === "cycle");
  const obj = rows.find((r) => r.lib === "objects" && r.scenario === "cycle");
  const memObj = rows.find((r) => r.scenario === "memory" && r.lib === "objects");
  const memPool = rows.find((r) => r.scenario === "memory" && r.lib === "layerpool" && !r.build);
  const memSized = rows.find((r) => r.scenario === "memory" && r.lib === "layerpool-sized" && !r.build);
  const vs = (m) => (memObj && m ? ratio(m.bytesPerRecord / memObj.bytesPerRecord) : "–");
  const memBuilds = rows
    .filter((r) => r.scenario === "memory" && r.build)
    .map((r) => [`${r.lib === "layerpool" ? "grown on demand" : "sized up front"} · build ${r.build}`, bytes(r.bytesPerRecord), vs(r)]);
  const met = (ok) => (ok ? "yes" : "**no**");
  return [
    `Method: ${size.timingRounds} interleaved rounds of fresh processes (round r runs every row before round r + 1); ` +
      `a process times ${size.passes} whole passes of ${size.rounds.toLocaleString("en")} rounds by CPU time; a row's ` +
      `figure is the median over rounds of each process's median pass ("best pass": the fastest single pass, an extra ` +
      `column only). An operation is one acquire or one release (fills and reads included in the time). "minor GCs" ` +
      `is the most scavenges any round's timed loop saw (after one minor GC at the end of warm-up, in every row): 0 ` +
      `means the steady state allocates nothing in JavaScript. Every row writes the same seven number fields per record ` +
      `and reads two back; none sets a digest (objects keep digest: null, pool records keep no digest handle). ` +
      `layerpool-view: acquireBatch hands out the round's records and their word addresses in one crossing, each field ` +
      `is a setter by batch index straight into the core's memory, releaseBatch gives the round back in one crossing; ` +
      `layerpool-view-row: the same, the seven fields written by one setFields call per record.`,
    "",
    roundsTable(roundFacts, table),
    "",
    table(["scenario", "library", "ns/op", "Mops/s", "µs/round", "minor GCs", "vs objects", "best pass ns/op"], body),
    "",
    `Holding ${size.records.toLocaleString("en")} layer records (digest and diffID distinct 71-character strings each; ` +
      "JS heap + ArrayBuffers + wasm memory growth after gc()):",
    "",
    table(
      ["records as", "B/record", "vs JS objects"],
      [
        ["JS objects with their digest strings", bytes(memObj?.bytesPerRecord), ""],
        [
          "LayerPool records grown on demand (`initial: 0`; digests interned in the core's table)",
          bytes(memPool?.bytesPerRecord),
          vs(memPool),
        ],
        [
          "LayerPool sized up front (`initial: n, digests: 2n`: the digest table reserved once)",
          bytes(memSized?.bytesPerRecord),
          vs(memSized),
        ],
        ...memBuilds,
      ],
    ),
    "",
    "### Targets (medians)",
    "",
    table(
      ["target", "row", "measured", "met"],
      [
        [
          "bytes per record ≤ 0.4× the JS objects",
          "grown on demand",
          vs(memPool),
          met(memPool && memPool.bytesPerRecord <= 0.4 * memObj.bytesPerRecord),
        ],
        [
          "bytes per record ≤ 0.4× the JS objects",
          "sized up front",
          vs(memSized),
          met(memSized && memSized.bytesPerRecord <= 0.4 * memObj.bytesPerRecord),
        ],
        [
          "zero GC in steady state",
          "layerpool-batch / layerpool-fill / layerpool-view / layerpool-view-row",
          `${batch?.minorGcs} / ${fill?.minorGcs} / ${view?.minorGcs} / ${viewRow?.minorGcs} minor GCs`,
          met(batch?.minorGcs === 0 && fill?.minorGcs === 0 && view?.minorGcs === 0 && viewRow?.minorGcs === 0),
        ],
        [
          "acquire + fill + release of a batch ≥ 1.0× allocating the objects",
          "layerpool-batch",
          ratio(obj.nsPerOp / batch.nsPerOp),
          met(obj.nsPerOp >= batch.nsPerOp),
        ],
        [
          "acquire + fill + release of a batch ≥ 1.0× allocating the objects",
          "layerpool-fill",
          fill ? ratio(obj.nsPerOp / fill.nsPerOp) : "–",
          met(fill && obj.nsPerOp >= fill.nsPerOp),
        ],
        [
          "acquire + fill + release of a batch ≥ 1.0× allocating the objects",
          "layerpool-view",
          view ? ratio(obj.nsPerOp / view.nsPerOp) : "–",
          met(view && obj.nsPerOp >= view.nsPerOp),
        ],
        [
          "acquire + fill + release of a batch ≥ 1.0× allocating the objects",
          "layerpool-view-row",
          viewRow ? ratio(obj.nsPerOp / viewRow.nsPerOp) : "–",
          met(viewRow && obj.nsPerOp >= viewRow.nsPerOp),
        ],
      ],
    ),
    "",
  ].join("\n");
}
