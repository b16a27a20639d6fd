// Graph suite: the core's cycle detector (IdGraph) against graphology + graphology-dag and
// a plain JavaScript iterative DFS over Int32Array CSR, on the same seeded graphs; and
// interning digest strings through the core's digest table against a JS Map.
//
// Rows (each in a fresh process, bench/suites/graph/worker.mjs):
//   dag    1,000,000 nodes / 4,000,000 edges, random, acyclic: build, cycle check, topo order
//   chain  1,000,000 nodes in one path (recursive DFS dies near depth 10,000)
//   back   the dag plus one back edge: build and cycle check (no order exists)
//   intern 1,000,000 distinct sha256 digest strings to dense ids
// Every contender must give the same verdict (worker checks it) or the row fails.
// Quick mode: 100,000 nodes / 400,000 edges.
//
//   BENCH_GRAPH_SCENARIOS=intern   only these scenarios (default: dag,chain,back,intern)
//   BENCH_GRAPH_AB="name=/path/to/dist/node.js"   an extra interning row measured on another
//                  build (an A/B of one change to the digest table), labelled with the name

import path from "node:path";
import { interleavedRounds, summarisePasses, roundsTable } from "../lib/rounds.mjs";
import { fileURLToPath } from "node:url";
import { runChild } from "../lib/child.mjs";
import { ratio, table } from "../lib/format.mjs";

export const title = "Cycle detection and interning vs graphology and plain JS";

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), "graph", "worker.mjs");
const LIBS = ["layerlens", "js-csr", "graphology"];
const SCENARIOS = ["dag", "chain", "back"];

/** The scenarios to run (BENCH_GRAPH_SCENARIOS): all by default. */
function scenarios() {
  const all = [...SCENARIOS, "intern"];
  const wanted = (process.env.BENCH_GRAPH_SCENARIOS ?? all.join(",")).split(",");
  for (const w of wanted) if (!all.includes(w)) throw new Error(`BENCH_GRAPH_SCENARIOS: no scenario "${w}" (have ${all.join(", ")})`);
  return new Set(wanted);
}

/** Other builds whose interning is measured beside this one's: [{ name, distEntry }]. */
function abBuilds() {
  return (process.env.BENCH_GRAPH_AB ?? "")
    .split(";")
    .filter(Boolean)
    .map((part) => {
      const [name, dist] = part.split("=");
      return { name, distEntry: path.resolve(dist) };
    });
}

export async function run(ctx) {
  const size = ctx.quick ? { nodes: 100_000, edges: 400_000, passes: 1 } : { nodes: 1_000_000, edges: 4_000_000, passes: 5 };
  const rows = [];
  const failures = [];
  const want = scenarios();
  for (const scenario of SCENARIOS.filter((s) => want.has(s))) {
    for (const lib of LIBS) {
      // graphology takes tens of seconds per build at full size: one pass is plenty.
      const passes = lib === "graphology" ? 1 : size.passes;
      const args = { lib, scenario, nodes: size.nodes, edges: size.edges, passes, distEntry: ctx.distEntry };
      try {
        const r = await runChild(worker, args, {
          nodeFlags: ["--expose-gc", "--max-old-space-size=6144", "--stack-size=984"],
          label: `${lib} ${scenario}`,
        });
        ctx.log(`${scenario} ${lib}: build ${fmt(r.buildMs)} ms, check ${fmt(r.checkMs)} ms, topo ${fmt(r.topoMs)} ms, ${mb(r.bytes)} MB`);
        rows.push(r);
      } catch (e) {
        failures.push(`${scenario} ${lib}: ${e.message.split("\n")[0]}`);
        rows.push({ ...args, distEntry: undefined, failed: e.message.split("\n")[0] });
      }
    }
  }
  // Interning takes seconds, so it follows the method of bench/lib/rounds.mjs: interleaved
  // rounds of fresh processes, the median of rounds as the figure, the load per round.
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const internRows = want.has("intern") ? [["intern-map"], ["intern-layerlens"]] : [];
  if (internRows.length) for (const b of abBuilds()) internRows.push(["intern-layerlens", b]);
  const measured = await interleavedRounds(
    internRows,
    rounds,
    async ([lib, build]) => {
      const args = { lib, scenario: "intern", nodes: size.nodes, distEntry: build?.distEntry ?? ctx.distEntry };
      const label = build ? `${lib} [${build.name}]` : lib;
      const r = await runChild(worker, args, { nodeFlags: ["--expose-gc", "--max-old-space-size=6144"], label });
      ctx.log(`intern ${label}: ${fmt(r.internMs)} ms`);
      return { ...r, build: build?.name, passMs: [r.internMs] };
    },
    ctx.log,
  );
  failures.push(...measured.failures);
  for (const perRound of measured.results.values()) {
    if (!perRound.length) continue;
    const sum = summarisePasses(perRound);
    rows.push({ ...perRound[0], internMs: sum.medianMs, bestMs: sum.bestMs, roundMs: sum.roundMs, rounds: perRound.length });
  }
  rows.push({ scenario: "rounds", rounds: measured.rounds });
  return { rows, rounds: measured.rounds, markdown: render(rows, size, measured.rounds), failures };
}

const fmt = (x) => (x == null ? "–" : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const mb = (b) => (b == null ? "–" : (b / 2 ** 20).toFixed(1));

function render(rows, size, roundFacts) {
  const get = (lib, scenario) => rows.find((r) => r.lib === lib && r.scenario === scenario && !r.failed && !r.build);
  const body = [];
  for (const scenario of SCENARIOS.filter((s) => rows.some((r) => r.scenario === s))) {
    const ours = get("layerlens", scenario);
    for (const lib of LIBS) {
      const r = get(lib, scenario);
      if (!r) {
        body.push([scenario, lib, "failed", "", "", "", "", "", ""]);
        continue;
      }
      const total = r.buildMs + r.checkMs;
      const ourTotal = ours ? ours.buildMs + ours.checkMs : null;
      body.push([
        scenario,
        lib,
        fmt(r.buildMs),
        fmt(r.checkMs),
        fmt(r.topoMs),
        mb(r.bytes),
        r.hasCycle ? (r.cycleLength ? `${r.cycleLength} nodes` : "yes (no path given)") : "none",
        ours && lib !== "layerlens" ? ratio(r.checkMs / ours.checkMs) : "",
        ours && lib !== "layerlens" ? ratio(total / ourTotal) : "",
      ]);
    }
  }
  const im = get("intern-map", "intern"),
    il = get("intern-layerlens", "intern");
  const lines = [
    `${size.nodes.toLocaleString("en")} nodes, ${size.edges.toLocaleString("en")} random edges (chain: ${(size.nodes - 1).toLocaleString("en")}); ` +
      `times are the median of ${size.passes} passes (graphology: 1), CPU ms of the row's process. ` +
      '"check" is the cycle search; for layerlens "topo" reads back the order that search already produced ' +
      "(one DFS answers both), for the others it is a second traversal. Memory is the growth of JS heap + " +
      "ArrayBuffers + wasm memory over the build.",
    "",
    table(["graph", "library", "build ms", "check ms", "topo ms", "MB", "cycle found", "check: ours is ×", "build+check: ours is ×"], body),
    "",
  ];
  if (im && il) {
    const ok = im.internMs >= 2 * il.internMs;
    lines.push(
      `Interning ${size.nodes.toLocaleString("en")} distinct digest strings (flat, in a packed array) to dense ids: ` +
        `${il.rounds} interleaved rounds of fresh processes, CPU ms, the median of rounds ("best": the fastest round, an extra column only). ` +
        "Load average per round:",
      "",
      roundsTable(roundFacts, table),
      "",
      table(
        ["interning", "ms (median)", "rounds", "best", "MB"],
        [
          [
            `JS Map (${size.nodes.toLocaleString("en")} digests)`,
            fmt(im.internMs),
            im.roundMs.map(fmt).join(" / "),
            fmt(im.bestMs),
            mb(im.bytes),
          ],
          ["layerlens internDigests (core digest table)", fmt(il.internMs), il.roundMs.map(fmt).join(" / "), fmt(il.bestMs), mb(il.bytes)],
          ...rows
            .filter((r) => r.scenario === "intern" && r.build && !r.failed)
            .map((r) => [
              `layerlens internDigests · build ${r.build} (${ratio(im.internMs / r.internMs)} the JS Map)`,
              fmt(r.internMs),
              r.roundMs.map(fmt).join(" / "),
              fmt(r.bestMs),
              mb(r.bytes),
            ]),
        ],
      ),
      "",
      `Target: interning ≥ 2× a JS Map → ${ratio(im.internMs / il.internMs)} (${ok ? "met" : "**not met**"}).`,
      "",
    );
  }
  const gd = get("graphology", "dag"),
    od = get("layerlens", "dag"),
    jd = get("js-csr", "dag");
  if (gd && od && jd) {
    lines.push(
      `Targets: cycle check ≥ 40× graphology-dag hasCycle → ${ratio(gd.checkMs / od.checkMs)}; ` +
        `≥ 100× with build → ${ratio((gd.buildMs + gd.checkMs) / (od.buildMs + od.checkMs))}; ` +
        `no slower than the typed-array JS DFS → ${ratio(jd.checkMs / od.checkMs)} (check), ` +
        `${ratio((jd.buildMs + jd.checkMs + jd.topoMs) / (od.buildMs + od.checkMs + od.topoMs))} (build + check + order).`,
      "",
    );
  }
  return lines.join("\n");
}
