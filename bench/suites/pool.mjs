// Pool suite: LayerPool (records in the core's linear memory) against allocating a plain
// object per layer and against a JavaScript object pool.
//
// Rows (each in a fresh process, bench/suites/pool/worker.mjs):
//   cycle  per round: acquire 1,000 records, fill seven fields, read two, release all
//   seed   the seed's "1000 pool operations" baseline: 500 × (acquire, fill, read, release)
// "minor GCs" counts scavenges during the timed loop: 0 means the steady state allocates
// nothing in JavaScript.

import path from "node:path";
import { fileURLToPath } from "node:url";
import { runChild } from "../lib/child.mjs";
import { ratio, ns, mops, table } from "../lib/format.mjs";

export const title = "LayerPool vs object allocation and a JS object pool";

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), "pool", "worker.mjs");
const LIBS = ["layerpool", "layerpool-cursor", "layerpool-batch", "js-pool", "objects"];

export async function run(ctx) {
  const size = ctx.quick ? { rounds: 200, passes: 3 } : { rounds: 5_000, passes: 7 };
  const rows = [];
  for (const scenario of ["cycle", "seed"]) {
    for (const lib of LIBS) {
      const args = { lib, scenario, batch: 1000, rounds: size.rounds, passes: size.passes, distEntry: ctx.distEntry };
      const r = await runChild(worker, args, { label: `${lib} ${scenario}` });
      ctx.log(`${scenario} ${lib}: ${ns(r.nsPerOp)} ns/op, ${r.minorGcs} minor GCs`);
      rows.push(r);
    }
  }
  const checks = new Set(rows.filter((r) => r.scenario === "cycle").map((r) => r.check));
  const failures = checks.size === 1 ? [] : [`cycle rows disagree on the values read back: ${[...checks].join(", ")}`];
  return { rows, markdown: render(rows, size), failures };
}

function render(rows, size) {
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
      ]);
    }
  }
  const best = rows.find((r) => r.lib === "layerpool-batch" && r.scenario === "cycle");
  const obj = rows.find((r) => r.lib === "objects" && r.scenario === "cycle");
  return [
    `An operation is one acquire or one release (fills and reads included in the time); ${size.rounds.toLocaleString("en")} rounds per pass, ` +
      `median of ${size.passes} passes, CPU time.`,
    "",
    table(["scenario", "library", "ns/op", "Mops/s", "µs/round", "minor GCs", "vs objects"], body),
    "",
    `Target: pool ≥ 5× object allocation with no JS allocation in steady state → ` +
      `${ratio(obj.nsPerOp / best.nsPerOp)} (batch + cursor), ${best.minorGcs} minor GCs in the timed loop.`,
    "",
  ].join("\n");
}
