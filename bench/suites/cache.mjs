// Cache suite: MetadataCache (string keys, digest handles, batch calls) against the JS LRUs
// people use, on one Zipf(0.99) trace of sha256 digests.
//
// Rows (each in a fresh process, bench/cache/worker.mjs):
//   zipf    2,000,000 get-then-set-on-miss ops over 1,000,000 digests, capacity 10k and 100k,
//           with hot strings (same objects reused) and fresh strings (a new flat string per op)
//   storm   set only, every key new to the cache, so every set past capacity evicts
//   memory  bytes per entry of a full cache that is the only holder of its keys
//   seed    the seed's baselines: a cache of 500 entries, 500 sets then 200 gets (accesses)
//
// The method (bench/lib/rounds.mjs): whole timed passes; interleaved rounds of fresh
// processes (round r runs every row before round r + 1); a row's figure is the median over
// rounds of each process's median pass, the fastest single pass only an extra column; the
// machine's load average recorded per round. Every miss stores a new value object, and the
// trace's keys are in an order unrelated to their rank (bench/cache/trace.mjs). Ratios are
// to the fastest STRICT JS LRU of the same column (quick-lru, which keeps up to twice the
// entries, is shown but never the reference); every strict LRU must report the same hit
// rate, or the suite fails.
//
//   BENCH_ROUNDS=n    rounds (default 3, at least 3 unless quick)
//   BENCH_PASSES=n    whole passes per zipf process (default 1: the rounds give the median;
//                     more passes lengthen the suite, which aims at about 8 minutes)
//   BENCH_CLOCK=wall  time passes by the wall clock (default: process CPU time)
//   BENCH_CACHE_KEYS=n, BENCH_CACHE_OPS=n   a smaller trace (default 1,000,000 / 2,000,000),
//                     for a machine too busy to run the full one in minutes
//   BENCH_CACHE_SCENARIOS=zipf,memory   only these scenarios (default: all four)
//   BENCH_CACHE_AB="name=/path/to/dist/node.js[=lib+lib];…"   extra layerlens rows measured on
//                     other builds (an A/B of one change), labelled with the name; optionally
//                     only the named contenders (e.g. layerlens-string+layerlens-handle)

import path from "node:path";
import { fileURLToPath } from "node:url";
import { runChild } from "../lib/child.mjs";
import { mops, ratio, percent, ns, bytes, table } from "../lib/format.mjs";
import { interleavedRounds, summarisePasses, roundsTable } from "../lib/rounds.mjs";
import { CONTENDERS, JS_LIBS, OURS } from "../cache/contenders.mjs";
import { writeTraceFiles } from "../cache/trace.mjs";

export const title = "MetadataCache vs JavaScript LRUs";

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "cache", "worker.mjs");
const ALL = [...JS_LIBS, ...OURS];
const BATCH = 512; // keys per getMany/setMany call (string batches must fit the 64 KiB IO window)

/** Other builds to measure beside this one: [{ name, distEntry, libs }]. */
function abBuilds() {
  const spec = process.env.BENCH_CACHE_AB ?? "";
  return spec
    .split(";")
    .filter(Boolean)
    .map((part) => {
      const [name, dist, libs] = part.split("=");
      return { name, distEntry: path.resolve(dist), libs: libs ? libs.split("+") : OURS };
    });
}

/** The scenarios to run (BENCH_CACHE_SCENARIOS=zipf,memory for a shorter run): all by default. */
function scenarios() {
  const all = ["zipf", "storm", "memory", "seed"];
  const wanted = (process.env.BENCH_CACHE_SCENARIOS ?? all.join(",")).split(",");
  for (const w of wanted) if (!all.includes(w)) throw new Error(`BENCH_CACHE_SCENARIOS: no scenario "${w}" (have ${all.join(", ")})`);
  return new Set(wanted);
}

export async function run(ctx) {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  if (!ctx.quick && rounds < 3) throw new Error(`BENCH_ROUNDS=${rounds}: the method needs at least 3 rounds`);
  const size = ctx.quick
    ? { keys: 100_000, ops: 200_000, stormOps: 100_000, caps: [1_000, 10_000], passes: 2, rounds, seedRounds: 200, warmOps: 1 << 14 }
    : {
        keys: Number(process.env.BENCH_CACHE_KEYS ?? 1_000_000),
        ops: Number(process.env.BENCH_CACHE_OPS ?? 2_000_000),
        stormOps: 1_000_000,
        caps: [10_000, 100_000],
        passes: Number(process.env.BENCH_PASSES ?? 1),
        rounds,
        seedRounds: 2_000,
        warmOps: 1 << 16,
      };
  ctx.log(`writing a Zipf(0.99) trace of ${size.ops} ops over ${size.keys} digests (keys shuffled)`);
  const { distinctInTrace } = await writeTraceFiles(ctx.tmpDir, { keys: size.keys, ops: size.ops });
  const builds = abBuilds();

  const failures = [];
  const runRow = async ([lib, scenario, strings, cap, extra = {}]) => {
    const args = {
      lib,
      scenario,
      strings,
      cap,
      dataDir: ctx.tmpDir,
      passes: scenario === "zipf" ? size.passes : 1,
      warmOps: size.warmOps,
      stormOps: size.stormOps,
      rounds: size.seedRounds,
      batchSize: BATCH,
      distEntry: ctx.distEntry,
      ...extra,
    };
    const label = `${lib}${extra.build ? ` [${extra.build}]` : ""} ${scenario} ${strings} ${cap}`;
    const r = await runChild(worker, args, { nodeFlags: ["--expose-gc"], label });
    const fig = r.passMs ? ` ${mops((r.ops / Math.min(...r.passMs)) * 1e3)} Mops/s best of ${r.passMs.length}` : "";
    ctx.log(
      `${label}:${fig}${r.hitRate != null ? ` hit ${percent(r.hitRate)}` : ""}${r.bytesPerEntry != null ? ` ${bytes(r.bytesPerEntry)} B/entry` : ""}`,
    );
    return { ...r, build: extra.build };
  };

  // Timed rows, run in interleaved rounds.
  const want = scenarios();
  const timed = [];
  if (want.has("zipf"))
    for (const strings of ["hot", "fresh"]) {
      for (const cap of size.caps) {
        for (const lib of ALL) {
          if (strings === "fresh" && CONTENDERS[lib].keys === "handle") continue; // handles have no string
          timed.push([lib, "zipf", strings, cap]);
          for (const b of builds)
            if (b.libs.includes(lib)) timed.push([lib, "zipf", strings, cap, { build: b.name, distEntry: b.distEntry }]);
        }
      }
    }
  if (want.has("seed")) for (const lib of ALL) timed.push([lib, "seed", "hot", 500]);
  if (want.has("storm")) for (const cap of size.caps) for (const lib of ALL) timed.push([lib, "storm", "hot", cap]);

  // Untimed rows, one process each: the batch-order hit-rate references and the memory rows.
  const rows = [];
  if (want.has("zipf"))
    for (const cap of size.caps) rows.push(await runRow(["lru-cache", "zipf", "hot", cap, { order: "batch", passes: 1 }]));
  if (want.has("memory"))
    for (const cap of size.caps)
      for (const lib of ALL) {
        // getOrSet fills the same structure as get + set: its memory row would repeat theirs.
        if (CONTENDERS[lib].getOrSet) continue;
        rows.push(await runRow([lib, "memory", "fresh", cap]));
        for (const b of builds)
          if (b.libs.includes(lib)) rows.push(await runRow([lib, "memory", "fresh", cap, { build: b.name, distEntry: b.distEntry }]));
      }

  const measured = await interleavedRounds(timed, size.rounds, runRow, ctx.log);
  failures.push(...measured.failures);
  for (const [spec, perRound] of measured.results) {
    if (!perRound.length) continue;
    const counts = new Set(perRound.map((r) => r.count));
    if (counts.size !== 1) throw new Error(`${JSON.stringify(spec)}: rounds disagree (${[...counts]})`);
    const sum = summarisePasses(perRound);
    const row = { ...perRound[0], ...sum, rounds: perRound.length, loads: perRound.map((r) => r.loadAtStart) };
    row.passMs = perRound.map((r) => r.passMs);
    row.opsPerSec = (row.ops / sum.medianMs) * 1e3;
    row.bestOpsPerSec = (row.ops / sum.bestMs) * 1e3;
    if (row.scenario === "seed") row.usPerRound = (sum.medianMs * 1e3) / size.seedRounds;
    rows.push(row);
  }

  // The load per round, kept with the rows (results.json keeps a suite's rows and markdown).
  rows.push({ scenario: "rounds", rounds: measured.rounds });
  checkHitRates(rows, size.caps, failures);
  const markdown = render(rows, size, distinctInTrace, failures, measured.rounds, builds);
  return { rows, rounds: measured.rounds, markdown, failures };
}

// ---- checks ----

function checkHitRates(rows, caps, failures) {
  for (const cap of caps) {
    const zipf = rows.filter((r) => r.scenario === "zipf" && r.cap === cap);
    // getOrSetMany keeps the order of single calls (each key looked up after the ones before
    // it were stored), so it hits exactly as the sequential LRUs do.
    const sequential = (lib) => !CONTENDERS[lib].batch || CONTENDERS[lib].getOrSet;
    const strict = zipf.filter((r) => CONTENDERS[r.lib].exact && sequential(r.lib) && r.order !== "batch");
    const expected = strict.find((r) => r.lib === "lru-cache")?.misses;
    for (const r of strict) {
      if (r.misses !== expected) {
        r.failed = `misses ${r.misses} ≠ lru-cache's ${expected}`;
        failures.push(`zipf cap ${cap} ${r.strings} ${r.label}: ${r.failed}`);
      }
    }
    const batchRef = zipf.find((r) => r.order === "batch")?.misses;
    for (const r of zipf.filter((x) => !sequential(x.lib))) {
      if (r.misses !== batchRef) {
        r.failed = `misses ${r.misses} ≠ lru-cache's ${batchRef} in the same batch order`;
        failures.push(`zipf cap ${cap} ${r.strings} ${r.label}: ${r.failed}`);
      }
    }
    // quick-lru is not a strict LRU: it may hit more, and is then not a fair reference.
    for (const r of zipf.filter((x) => !CONTENDERS[x.lib].exact)) r.approx = r.misses !== expected;
  }
}

/** The fastest strict plain-JS LRU among `rows` (by median): the reference of a column. */
function fastestJs(rows) {
  let best = null;
  for (const r of rows) {
    const c = CONTENDERS[r.lib];
    if (!c.js || !c.exact || r.failed || r.order === "batch" || r.opsPerSec == null) continue;
    if (!best || r.opsPerSec > best.opsPerSec) best = r;
  }
  return best;
}

// ---- rendering ----

const fmtCount = (n) => n.toLocaleString("en-US");

/** The rows of the tables: every contender, then each A/B build's layerlens rows. */
function rowKeys(builds) {
  const keys = ALL.map((lib) => ({ lib, build: undefined, label: CONTENDERS[lib].label }));
  for (const b of builds) for (const lib of b.libs) keys.push({ lib, build: b.name, label: `${CONTENDERS[lib].label} · build ${b.name}` });
  return keys;
}

export function render(rows, size, distinctInTrace, failures, roundFacts, builds) {
  const out = [];
  const clock = rows.find((r) => r.clock)?.clock;
  const clockName =
    clock === "wall"
      ? "the wall clock"
      : "process CPU time (user + system, GC threads included: on a shared machine wall time counts whatever else ran)";
  const pick = (f) => rows.filter(f);
  const find = (f) => rows.find(f);
  const refs = {};
  const keys = rowKeys(builds);
  const same = (r, k) => r.lib === k.lib && r.build === k.build && r.order !== "batch";
  const mark = (r) => (r.failed ? " ✗" : CONTENDERS[r.lib].exact ? "" : " ≈");
  const cell = (r, ref) => (r ? `${mops(r.opsPerSec)} (${ref ? ratio(r.opsPerSec / ref.opsPerSec) : "–"})${mark(r)}` : "–");
  const bestCell = (r, ref) => (r ? `${mops(r.bestOpsPerSec)} (${ref ? ratio(r.bestOpsPerSec / ref.bestOpsPerSec) : "–"})` : "–");

  if (failures.length) out.push("**Checks FAILED:**", "", ...failures.map((f) => `- ${f}`), "");

  out.push(
    `Method: every timed row ran in ${size.rounds} interleaved rounds (round r runs every row, each in a fresh Node ` +
      `process, before round r + 1 starts). A process times whole passes (${size.passes} per zipf process, 1 per storm ` +
      `and seed process) by ${clockName} after a warm-up of ${fmtCount(size.warmOps)} ops on a throwaway cache; a row's figure is the ` +
      `**median over rounds of each process's median pass**. "best pass" (the fastest single pass of any round) is an ` +
      `extra column only. Every miss stores a new small value object; keys are a seeded permutation of the Zipf ranks, ` +
      `so hot keys are not neighbours in memory. Ratios are to the fastest **strict** JS LRU of the column ` +
      `(quick-lru, ≈, keeps up to 2 × max entries and so hits more: shown, never the reference). ` +
      `The machine was shared with other work; its load average per round:`,
    "",
    roundsTable(roundFacts, table),
    "",
  );

  // Zipf table.
  const cols = [];
  for (const strings of ["hot", "fresh"])
    for (const cap of size.caps) {
      const group = pick((r) => r.scenario === "zipf" && r.strings === strings && r.cap === cap);
      refs[`${strings}/${cap}`] = fastestJs(group);
      cols.push({ strings, cap, group });
    }
  out.push(`### Zipf(0.99) get, then set on a miss: ${fmtCount(size.ops)} ops over ${fmtCount(size.keys)} sha256 digests`, "");
  out.push(
    `Mops/s, median of rounds (ratio to the column's fastest strict JS LRU). ${fmtCount(distinctInTrace)} distinct digests ` +
      "occur in the trace. Hot: one string object per digest, reused (V8 caches its hash). Fresh: a new flat string per " +
      "operation, cut from a Buffer as JSON.parse would hand it over (built before the pass, untimed). Batch rows: getMany of " +
      `${BATCH} keys, then setMany of the misses. Reference of each column: ` +
      cols.map((c) => `${c.strings} ${fmtCount(c.cap)} ${refs[`${c.strings}/${c.cap}`]?.label ?? "–"}`).join(", ") +
      ".",
    "",
  );
  const header = ["contender", ...cols.flatMap((c) => [`${c.strings} ${fmtCount(c.cap)}`, "best pass"])];
  const body = keys.map((k) => [
    k.label,
    ...cols.flatMap((c) => {
      const r = c.group.find((x) => same(x, k));
      const ref = refs[`${c.strings}/${c.cap}`];
      return [cell(r, ref), bestCell(r, ref)];
    }),
  ]);
  out.push(table(header, body), "");
  const hitLine = size.caps
    .map((cap) => {
      const seq = find((r) => r.scenario === "zipf" && r.cap === cap && r.lib === "lru-cache" && !r.order);
      const batch = find((r) => r.scenario === "zipf" && r.cap === cap && r.order === "batch");
      const quick = pick((r) => r.scenario === "zipf" && r.cap === cap && r.lib === "quick-lru");
      return `cap ${fmtCount(cap)}: ${percent(seq?.hitRate)} (batch order ${percent(batch?.hitRate)}; quick-lru ${quick.map((q) => percent(q.hitRate)).join(" / ")})`;
    })
    .join("; ");
  out.push(`Hit rates, equal for every strict LRU row (checked): ${hitLine}. ✗ marks a failed check.`, "");
  const handleRow = find((r) => r.handleCost && r.scenario === "zipf");
  if (handleRow) {
    const h = handleRow.handleCost;
    out.push(
      `One-time cost of the handles: parseDigest() of all ${fmtCount(h.count)} digests took ${h.ms.toFixed(0)} ms ` +
        `(${ns(h.nsPerDigest)} ns per digest), paid once by whoever reads the manifest; the handle rows above exclude it.`,
      "",
    );
  }

  // Storm (a section only when its scenario ran).
  if (pick((r) => r.scenario === "storm").length) out.push(...stormSection(rows, size, keys, cell, bestCell));
  else out.push("### Eviction storm", "", "Not run this time (BENCH_CACHE_SCENARIOS).", "");

  // Memory.
  out.push("### Bytes per entry: a full cache, the only holder of its keys (71-byte digest strings)", "");
  out.push(
    "JS heap growth + ArrayBuffer growth (typed arrays) + wasm memory growth, after gc(), divided by the entries " +
      "(one process per row; values are one shared object, so the figure is the structure and its keys). " +
      "Digest-handle rows count the core's digest table that interns the keys.",
    "",
  );
  const memCols = size.caps.map((cap) => {
    const group = pick((r) => r.scenario === "memory" && r.cap === cap);
    return { cap, group, lru: group.find((r) => r.lib === "lru-cache") };
  });
  refs.memory = memCols;
  out.push(
    table(
      ["contender", ...size.caps.flatMap((c) => [`${fmtCount(c)}: B/entry (heap + typed + wasm)`, "vs lru-cache"])],
      keys.map((k) => [
        k.label,
        ...memCols.flatMap((c) => {
          const r = c.group.find((x) => x.lib === k.lib && x.build === k.build);
          if (!r) return ["–", "–"];
          const parts = `${bytes(r.heapPerEntry)} + ${bytes(r.abPerEntry)} + ${bytes(r.wasmPerEntry)}`;
          return [`**${bytes(r.bytesPerEntry)}** (${parts})`, ratio(r.bytesPerEntry / c.lru.bytesPerEntry)];
        }),
      ]),
    ),
    "",
  );

  // Seed baselines.
  out.push("### The seed's baselines: a cache of 500 entries, 500 sets then 200 accesses", "");
  const seedRows = pick((r) => r.scenario === "seed");
  if (!seedRows.length) out.push("Not run this time (BENCH_CACHE_SCENARIOS).", "");
  const seedRef = fastestJs(seedRows);
  if (seedRows.length)
    out.push(
      table(
        ["contender", "µs per round (new cache, 500 sets, 200 gets)", "Mops/s", "vs fastest strict JS", "best pass"],
        ALL.map((lib) => {
          const r = seedRows.find((x) => x.lib === lib);
          return r
            ? [
                CONTENDERS[lib].label,
                r.usPerRound.toFixed(1),
                mops(r.opsPerSec),
                seedRef ? ratio(r.opsPerSec / seedRef.opsPerSec) : "–",
                bestCell(r, seedRef),
              ]
            : [CONTENDERS[lib].label, "–", "–", "–", "–"];
        }),
      ),
      "",
    );

  out.push(...targets(rows, size, refs));
  return out.join("\n");
}

function stormSection(rows, size, keys, cell, bestCell) {
  const out = [];
  const pick = (f) => rows.filter(f);
  out.push(`### Eviction storm: ${fmtCount(size.stormOps)} sets, every key new (every set past capacity evicts)`, "");
  const stormCols = size.caps.map((cap) => {
    const group = pick((r) => r.scenario === "storm" && r.cap === cap);
    return { cap, group, ref: fastestJs(group) };
  });
  out.push(
    table(
      ["contender", ...size.caps.flatMap((c) => [`${fmtCount(c)} entries`, "best pass"])],
      ALL.map((lib) => [
        CONTENDERS[lib].label,
        ...stormCols.flatMap((c) => {
          const r = c.group.find((x) => x.lib === lib);
          return [cell(r, c.ref), bestCell(r, c.ref)];
        }),
      ]),
    ),
    "",
  );

  return out;
}

function targets(rows, size, refs) {
  const lines = ["### Targets (medians)", ""];
  const checks = [];
  const zipfRatio = (lib, strings, cap) => {
    const r = rows.find((x) => x.scenario === "zipf" && x.lib === lib && x.strings === strings && x.cap === cap && !x.order && !x.build);
    const ref = refs[`${strings}/${cap}`];
    return r && ref ? r.opsPerSec / ref.opsPerSec : null;
  };
  for (const cap of size.caps) {
    checks.push([`digest handles ≥ 3× fastest JS, hot, ${fmtCount(cap)}`, zipfRatio("layerlens-handle", "hot", cap), 3]);
    checks.push([`digest handles, getOrSet ≥ 3× fastest JS, hot, ${fmtCount(cap)}`, zipfRatio("layerlens-getorset-handle", "hot", cap), 3]);
    checks.push([`string keys ≥ 1.0×, hot, ${fmtCount(cap)}`, zipfRatio("layerlens-string", "hot", cap), 1.0]);
    checks.push([`string keys ≥ 1.5×, fresh, ${fmtCount(cap)}`, zipfRatio("layerlens-string", "fresh", cap), 1.5]);
    checks.push([`string keys, getOrSet ≥ 1.0×, hot, ${fmtCount(cap)}`, zipfRatio("layerlens-getorset-string", "hot", cap), 1.0]);
    checks.push([`string keys, getOrSet ≥ 1.5×, fresh, ${fmtCount(cap)}`, zipfRatio("layerlens-getorset-string", "fresh", cap), 1.5]);
    for (const strings of ["hot", "fresh"]) {
      checks.push([`batch, string keys ≥ 1.2×, ${strings}, ${fmtCount(cap)}`, zipfRatio("layerlens-batch-string", strings, cap), 1.2]);
      checks.push([
        `batch getOrSetMany, string keys ≥ 1.2×, ${strings}, ${fmtCount(cap)}`,
        zipfRatio("layerlens-getorset-batch-string", strings, cap),
        1.2,
      ]);
    }
    const mem = refs.memory.find((m) => m.cap === cap);
    const ours = mem.group.find((r) => r.lib === "layerlens-string" && !r.build);
    checks.push([
      `bytes/entry ≤ 0.5× lru-cache, string keys, ${fmtCount(cap)}`,
      ours && mem.lru ? ours.bytesPerEntry / mem.lru.bytesPerEntry : null,
      0.5,
      true,
    ]);
  }
  lines.push(
    table(
      ["target", "measured", "met"],
      checks.map(([name, x, goal, lower]) => [name, ratio(x), x == null ? "–" : (lower ? x <= goal : x >= goal) ? "yes" : "**no**"]),
    ),
    "",
  );
  return lines;
}
