// Cache suite: MetadataCache (string keys, digest handles, batch calls) against the JS LRUs
// people use, on one Zipf(0.99) trace of sha256 digests.
//
// Rows (each in a fresh process, bench/cache/worker.mjs):
//   zipf    2,000,000 get-then-set-on-miss ops over 1,000,000 digests, capacity 10k and 100k,
//           with hot strings (same objects reused) and fresh strings (a new flat string per op)
//   storm   set only, every key new to the cache, so every set past capacity evicts
//   memory  bytes per entry of a full cache that is the only holder of its keys
//   seed    the seed's baselines: a cache of 500 entries, 500 sets then 200 gets (accesses)
// Ratios are to the fastest plain-JS LRU of the same scenario whose hit rate is the strict
// LRU's; every strict LRU must report the same hit rate, or the suite fails.

import path from "node:path";
import { fileURLToPath } from "node:url";
import { runChild } from "../lib/child.mjs";
import { mops, ratio, percent, ns, bytes, table, median } from "../lib/format.mjs";
import { CONTENDERS, JS_LIBS, OURS } from "../cache/contenders.mjs";
import { writeTraceFiles } from "../cache/trace.mjs";

export const title = "MetadataCache vs JavaScript LRUs";

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "cache", "worker.mjs");
const ALL = [...JS_LIBS, ...OURS];
const BATCH = 512; // keys per getMany/setMany call (string batches must fit the 64 KiB IO window)

export async function run(ctx) {
  const size = ctx.quick
    ? { keys: 100_000, ops: 200_000, caps: [1_000, 10_000], passes: 1, rounds: 2, seedRounds: 200 }
    : {
        keys: 1_000_000,
        ops: 2_000_000,
        caps: [10_000, 100_000],
        passes: 1,
        rounds: Number(process.env.BENCH_ROUNDS ?? 3),
        seedRounds: 2_000,
      };
  ctx.log(`writing a Zipf(0.99) trace of ${size.ops} ops over ${size.keys} digests`);
  const { distinctInTrace } = await writeTraceFiles(ctx.tmpDir, { keys: size.keys, ops: size.ops });

  const rows = [];
  const failures = [];
  const row = async (lib, scenario, strings, cap, extra = {}) => {
    const args = {
      lib,
      scenario,
      strings,
      cap,
      dataDir: ctx.tmpDir,
      passes: size.passes,
      rounds: size.seedRounds,
      batchSize: BATCH,
      distEntry: ctx.distEntry,
      ...extra,
    };
    const flags = ["--expose-gc"];
    const r = await runChild(worker, args, { nodeFlags: flags, label: `${lib} ${scenario} ${strings} ${cap}` });
    ctx.log(
      `${scenario} ${strings} cap ${cap} ${lib}: ${mops(r.opsPerSec)} Mops/s${r.hitRate != null ? ` hit ${percent(r.hitRate)}` : ""}${r.bytesPerEntry != null ? ` ${bytes(r.bytesPerEntry)} B/entry` : ""}`,
    );
    rows.push(r);
    return r;
  };

  // Timed rows run in rounds: each round starts every row once more, in a fresh process, and
  // a row's figure takes each chunk's best time over all its rounds. Load from other work on
  // the machine then lands on every contender alike instead of on whichever ran during it.
  const timed = [];
  for (const strings of ["hot", "fresh"]) {
    for (const cap of size.caps) {
      for (const lib of ALL) {
        if (strings === "fresh" && CONTENDERS[lib].keys === "handle") continue; // handles have no string
        timed.push([lib, "zipf", strings, cap]);
      }
      // The hit-rate reference for the batch rows: lru-cache replaying the batch order.
      if (strings === "hot") timed.push(["lru-cache", "zipf", strings, cap, { order: "batch" }]);
    }
  }
  for (const lib of ALL) timed.push([lib, "seed", "hot", 500]);
  for (const cap of size.caps) for (const lib of ALL) timed.push([lib, "storm", "hot", cap]);
  for (const cap of size.caps) for (const lib of ALL) await row(lib, "memory", "fresh", cap);

  const merged = new Map();
  for (let round = 0; round < size.rounds; round++) {
    ctx.log(`timing round ${round + 1} of ${size.rounds}`);
    for (const spec of timed) {
      let r;
      try {
        r = await row(...spec);
      } catch (err) {
        // One broken row (a crash, a module gone) is reported, not the end of the suite.
        failures.push(`${spec.slice(0, 4).join(" ")}: ${String(err?.message ?? err).split("\n")[0]}`);
        continue;
      }
      rows.pop();
      const id = JSON.stringify(spec);
      const m = merged.get(id);
      if (!m) {
        merged.set(id, r);
        continue;
      }
      if (r.count !== m.count) throw new Error(`${id}: rounds disagree (${r.count} vs ${m.count})`);
      m.passChunks.push(...r.passChunks);
    }
  }
  for (const m of merged.values()) {
    m.ms = bestPerChunk(m.passChunks);
    m.opsPerSec = (m.ops / m.ms) * 1e3;
    if (m.scenario === "seed") m.usPerRound = (m.ms * 1e3) / m.rounds;
    m.passes = m.passChunks.length;
    m.medianOpsPerSec = (m.ops / median(m.passChunks.map((c) => c.reduce((a, b) => a + b, 0)))) * 1e3;
    delete m.passChunks;
    rows.push(m);
  }

  checkHitRates(rows, size.caps, failures);
  const markdown = render(rows, size, distinctInTrace, failures);
  return { rows, markdown, failures };
}

/** Σ over chunks of the fastest time any pass took for that chunk. */
function bestPerChunk(passChunks) {
  let total = 0;
  for (let j = 0; j < passChunks[0].length; j++) total += Math.min(...passChunks.map((c) => c[j]));
  return total;
}

// ---- checks ----

function checkHitRates(rows, caps, failures) {
  for (const cap of caps) {
    const zipf = rows.filter((r) => r.scenario === "zipf" && r.cap === cap);
    const strict = zipf.filter((r) => CONTENDERS[r.lib].exact && !CONTENDERS[r.lib].batch && r.order !== "batch");
    const expected = strict.find((r) => r.lib === "lru-cache")?.misses;
    for (const r of strict) {
      if (r.misses !== expected) {
        r.failed = `misses ${r.misses} ≠ lru-cache's ${expected}`;
        failures.push(`zipf cap ${cap} ${r.strings} ${r.label}: ${r.failed}`);
      }
    }
    const batchRef = zipf.find((r) => r.order === "batch")?.misses;
    for (const r of zipf.filter((x) => CONTENDERS[x.lib].batch)) {
      if (r.misses !== batchRef) {
        r.failed = `misses ${r.misses} ≠ lru-cache's ${batchRef} in the same batch order`;
        failures.push(`zipf cap ${cap} ${r.strings} ${r.label}: ${r.failed}`);
      }
    }
    // quick-lru is not a strict LRU: it may hit more, and is then not a fair reference.
    for (const r of zipf.filter((x) => !CONTENDERS[x.lib].exact)) r.approx = r.misses !== expected;
  }
}

/** The fastest plain-JS row among `rows` that did the same work as a strict LRU. */
function fastestJs(rows) {
  let best = null;
  for (const r of rows) {
    if (!CONTENDERS[r.lib].js || r.failed || r.approx || r.order === "batch") continue;
    if (!best || r.opsPerSec > best.opsPerSec) best = r;
  }
  return best;
}

// ---- rendering ----

const fmtCount = (n) => n.toLocaleString("en-US");

function render(rows, size, distinctInTrace, failures) {
  const out = [];
  const pick = (f) => rows.filter(f);
  const find = (f) => rows.find(f);
  const refs = {};
  const cell = (r, ref) =>
    r ? `${mops(r.opsPerSec)} (${ref ? ratio(r.opsPerSec / ref.opsPerSec) : "–"})${r.failed ? " ✗" : r.approx ? " ≈" : ""}` : "–";

  if (failures.length) out.push("**Hit-rate check FAILED:**", "", ...failures.map((f) => `- ${f}`), "");

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
    `Mops/s, best per chunk: each row ran in ${size.rounds} round${size.rounds === 1 ? "" : "s"} (a fresh process each, all rows of a round ` +
      `before the next round) and every 16,384-op chunk of the trace counts its fastest round, so time slices lost to other ` +
      `work on the machine drop out. Ratio to the fastest JS LRU of the column; whole-pass medians in results.json. ` +
      `${fmtCount(distinctInTrace)} distinct digests occur in the trace. ` +
      "Hot: one string object per digest, reused (V8 caches its hash). Fresh: a new flat string per operation, " +
      "cut from a Buffer as JSON.parse would hand it over. Batch rows: getMany of " +
      BATCH +
      " keys, then setMany of the misses.",
    "",
  );
  const header = ["contender", ...cols.map((c) => `${c.strings} ${fmtCount(c.cap)}`)];
  const body = ALL.map((lib) => [
    CONTENDERS[lib].label,
    ...cols.map((c) =>
      cell(
        c.group.find((r) => r.lib === lib && r.order !== "batch"),
        refs[`${c.strings}/${c.cap}`],
      ),
    ),
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
  out.push(
    `Hit rates, equal for every strict LRU row (checked): ${hitLine}. ` +
      "≈ marks quick-lru, which keeps up to 2 × max entries in two generations and so hits more: it is shown but never the reference. ✗ marks a failed check.",
    "",
  );
  const handleRow = find((r) => r.handleCost && r.scenario === "zipf");
  if (handleRow) {
    const h = handleRow.handleCost;
    out.push(
      `One-time cost of the handles: parseDigest() of all ${fmtCount(h.count)} digests took ${h.ms.toFixed(0)} ms ` +
        `(${ns(h.nsPerDigest)} ns per digest), paid once by whoever reads the manifest; the handle rows above exclude it.`,
      "",
    );
  }

  // Storm.
  out.push("### Eviction storm: set only, every key new (every set past capacity evicts)", "");
  const stormCols = size.caps.map((cap) => {
    const group = pick((r) => r.scenario === "storm" && r.cap === cap);
    return { cap, group, ref: fastestJs(group) };
  });
  refs.storm = stormCols;
  out.push(
    table(
      ["contender", ...size.caps.map((c) => `${fmtCount(c)} entries`)],
      ALL.map((lib) => [
        CONTENDERS[lib].label,
        ...stormCols.map((c) =>
          cell(
            c.group.find((r) => r.lib === lib),
            c.ref,
          ),
        ),
      ]),
    ),
    "",
  );

  // Memory.
  out.push("### Bytes per entry: a full cache, the only holder of its keys (71-byte digest strings)", "");
  out.push(
    "JS heap growth + ArrayBuffer growth (typed arrays) + wasm memory growth, after gc(), divided by the entries. " +
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
      ALL.map((lib) => [
        CONTENDERS[lib].label,
        ...memCols.flatMap((c) => {
          const r = c.group.find((x) => x.lib === lib);
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
  const seedRef = fastestJs(seedRows);
  out.push(
    table(
      ["contender", "µs per round (new cache, 500 sets, 200 gets)", "Mops/s", "vs fastest JS"],
      ALL.map((lib) => {
        const r = seedRows.find((x) => x.lib === lib);
        return r
          ? [CONTENDERS[lib].label, r.usPerRound.toFixed(1), mops(r.opsPerSec), seedRef ? ratio(r.opsPerSec / seedRef.opsPerSec) : "–"]
          : [CONTENDERS[lib].label, "–", "–", "–"];
      }),
    ),
    "",
  );

  out.push(...targets(rows, size, refs));
  return out.join("\n");
}

function targets(rows, size, refs) {
  const lines = ["### Targets", ""];
  const checks = [];
  const zipfRatio = (lib, strings, cap) => {
    const r = rows.find((x) => x.scenario === "zipf" && x.lib === lib && x.strings === strings && x.cap === cap && !x.order);
    const ref = refs[`${strings}/${cap}`];
    return r && ref ? r.opsPerSec / ref.opsPerSec : null;
  };
  for (const cap of size.caps) {
    checks.push([`digest handles ≥ 3× fastest JS, hot, ${fmtCount(cap)}`, zipfRatio("layerlens-handle", "hot", cap), 3]);
    checks.push([`string keys ≥ 1.0×, hot, ${fmtCount(cap)}`, zipfRatio("layerlens-string", "hot", cap), 1.0]);
    checks.push([`string keys ≥ 1.5×, fresh, ${fmtCount(cap)}`, zipfRatio("layerlens-string", "fresh", cap), 1.5]);
    for (const strings of ["hot", "fresh"]) {
      checks.push([`batch, string keys ≥ 1.2×, ${strings}, ${fmtCount(cap)}`, zipfRatio("layerlens-batch-string", strings, cap), 1.2]);
    }
    const mem = refs.memory.find((m) => m.cap === cap);
    const ours = mem.group.find((r) => r.lib === "layerlens-string");
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
