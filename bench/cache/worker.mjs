// One row of the cache suite, in its own process: node worker.mjs '<json args>'.
//
// args: { lib, scenario, strings, cap, dataDir, passes, warmOps, stormOps, rounds, batchSize,
//         distEntry, variant, order }
//   scenario  "zipf"    get, then set on a miss, over the Zipf trace
//             "storm"   set only, every key new to the cache (all evictions once full)
//             "seed"    the seed's baseline: a cache of 500, 500 sets then 200 gets, repeated
//             "memory"  bytes per entry with the cache the only holder of its keys
//   strings   "hot": one string object per key, reused (V8 caches its hash after first use)
//             "fresh": a new flat string per operation, cut from a Buffer (no cached hash)
//   variant   an option of the layerlens contender under test (an A/B of one lever)
//   order     "batch" makes a JS library replay the trace in the batch contenders' order
//             (getMany of a window, then setMany of its misses), to check their hit rate
//
// Every pass is timed whole: its keys are built first (untimed; for fresh strings a new
// string object per operation, as JSON.parse would hand them over), garbage is collected,
// then one clock reading brackets the entire trace. Each pass starts from an empty cache,
// so the passes of a process do the same work; the process reports every pass's time and
// the parent takes medians over passes and rounds. Every miss (and every storm set) stores
// a NEW small value object, so the allocation and GC pressure an application has is in
// the time of every contender alike.

import { childArgs, reportResult } from "../lib/child.mjs";
import { CONTENDERS } from "./contenders.mjs";
import { readTraceFiles, freshKey, RECORD, prng } from "./trace.mjs";

const args = childArgs();
const spec = CONTENDERS[args.lib];
if (!spec) throw new Error(`unknown contender ${args.lib}`);

const loaded = await spec.load(args.distEntry, args.variant);
const make = typeof loaded === "function" ? loaded : loaded.make;
const ll = loaded.layerlens;
const free = (c) => {
  if (ll) c.free();
};
const gc = globalThis.gc ?? (() => {});
// The clock of a pass: process CPU time (user + system, GC threads included) by default, as
// a machine shared with other work stretches wall time by whatever else runs; BENCH_CLOCK=wall
// for an idle machine. Both are recorded for every pass.
const clock = process.env.BENCH_CLOCK === "wall" ? "wall" : "cpu";
/** The value stored for operation i: a new object each time (never shared). */
const valueFor = (i) => ({ op: i });

// ---- the timed loops (one library per process, so every call site is monomorphic) ----

function zipfSeq(c, keys, n) {
  let misses = 0;
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    if (c.get(k) === undefined) {
      c.set(k, valueFor(i));
      misses++;
    }
  }
  return misses;
}

// The same trace through getOrSet: one call per operation, the factory runs on a miss only.
// One factory for the whole pass (an application passes a stable function too), told the
// operation through a variable, so no closure is allocated per operation.
let gosOp = 0;
let gosMisses = 0;
const gosMake = () => {
  gosMisses++;
  return valueFor(gosOp);
};
function zipfGetOrSet(c, keys, n) {
  gosMisses = 0;
  for (let i = 0; i < n; i++) {
    gosOp = i;
    c.getOrSet(keys[i], gosMake);
  }
  return gosMisses;
}

/** getOrSetMany of each window: the misses' values made in key order, no [key, value] pairs. */
function zipfGetOrSetBatch(c, keys, n, size) {
  let misses = 0;
  let base = 0;
  const make = (_key, j) => {
    misses++;
    return valueFor(base + j);
  };
  for (let i = 0; i < n; i += size) {
    base = i;
    c.getOrSetMany(keys.slice(i, Math.min(n, i + size)), make);
  }
  return misses;
}

function zipfBatch(c, keys, n, size) {
  let misses = 0;
  for (let i = 0; i < n; i += size) {
    const window = keys.slice(i, Math.min(n, i + size));
    const values = c.getMany(window);
    const missed = [];
    for (let j = 0; j < window.length; j++) if (values[j] === undefined) missed.push([window[j], valueFor(i + j)]);
    if (missed.length) c.setMany(missed);
    misses += missed.length;
  }
  return misses;
}

/** A JS library walking the trace in the batch order (the hit-rate reference for batches). */
function zipfBatchOrder(c, keys, n, size) {
  let misses = 0;
  for (let i = 0; i < n; i += size) {
    const end = Math.min(n, i + size);
    const missed = [];
    for (let j = i; j < end; j++) if (c.get(keys[j]) === undefined) missed.push(j);
    for (const j of missed) c.set(keys[j], valueFor(j));
    misses += missed.length;
  }
  return misses;
}

function stormSeq(c, keys, n) {
  for (let i = 0; i < n; i++) c.set(keys[i], valueFor(i));
  return n;
}

function stormBatch(c, keys, n, size) {
  for (let i = 0; i < n; i += size) {
    const entries = [];
    for (let j = i, end = Math.min(n, i + size); j < end; j++) entries.push([keys[j], valueFor(j)]);
    c.setMany(entries);
  }
  return n;
}

const SHARED = { shared: true };
function stormSeqShared(c, keys, n) {
  for (let i = 0; i < n; i++) c.set(keys[i], SHARED);
}

function stormBatchShared(c, keys, n, size) {
  for (let i = 0; i < n; i += size) {
    const entries = [];
    for (let j = i, end = Math.min(n, i + size); j < end; j++) entries.push([keys[j], SHARED]);
    c.setMany(entries);
  }
}

// ---- keys ----

const { meta, records, trace } = await readTraceFiles(args.dataDir);
let hot = null; // one string per key, reused
let handles = null; // one digest handle per key
let handleCost = null;

function hotStrings() {
  if (!hot) {
    hot = [];
    for (let i = 0; i < meta.keys; i++) hot.push(freshKey(records, i));
  }
  return hot;
}

function makeHandles() {
  const strs = hotStrings();
  const out = [];
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < strs.length; i++) out.push(ll.parseDigest(strs[i]));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  handleCost = { count: strs.length, ms, nsPerDigest: (ms * 1e6) / strs.length };
  return out;
}

/** The key of every operation i < n of a pass: key keyOf(i) as this row's kind of key. */
function passKeys(n, keyOf) {
  // Grown by push: `new Array(n)` beyond ~100k elements makes a dictionary-mode array,
  // whose every read is a hash lookup (that would slow every contender's loop).
  const keys = [];
  if (spec.keys === "handle") {
    for (let i = 0; i < n; i++) keys.push(handles[keyOf(i)]);
  } else if (args.strings === "fresh") {
    for (let i = 0; i < n; i++) keys.push(freshKey(records, keyOf(i)));
  } else {
    for (let i = 0; i < n; i++) keys.push(hot[keyOf(i)]);
  }
  return keys;
}

// ---- scenarios ----

/** One whole pass over `ops` operations from an empty cache: keys built, then one timing. */
function runPass(ops, keyOf, body) {
  const keys = passKeys(ops, keyOf);
  const c = make(args.cap);
  gc();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const count = body(c, keys, ops, args.batchSize);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1e3;
  const size = c.size;
  free(c);
  return { ms: clock === "cpu" ? cpuMs : wallMs, wallMs, cpuMs, count, size };
}

function measure(ops, keyOf, body) {
  // A short warm-up on a throwaway cache, so the first timed pass runs optimised code.
  runPass(Math.min(ops, args.warmOps), keyOf, body);
  const passes = [];
  for (let p = 0; p < args.passes; p++) passes.push(runPass(ops, keyOf, body));
  const counts = new Set(passes.map((p) => p.count));
  if (counts.size !== 1) throw new Error(`${args.lib}: passes disagree on misses: ${[...counts]}`);
  return {
    clock,
    passMs: passes.map((p) => +p.ms.toFixed(3)),
    wallMs: passes.map((p) => +p.wallMs.toFixed(3)),
    cpuMs: passes.map((p) => +p.cpuMs.toFixed(3)),
    count: passes[0].count,
    size: passes[0].size,
    ops,
  };
}

function zipf() {
  const body = spec.batch
    ? spec.getOrSet
      ? zipfGetOrSetBatch
      : zipfBatch
    : spec.getOrSet
      ? zipfGetOrSet
      : args.order === "batch"
        ? zipfBatchOrder
        : zipfSeq;
  const r = measure(meta.ops, (i) => trace[i], body);
  return { ...r, misses: r.count, hitRate: 1 - r.count / meta.ops };
}

function storm() {
  const r = measure(args.stormOps, (i) => i % meta.keys, spec.batch ? stormBatch : stormSeq);
  if (r.size !== Math.min(args.cap, meta.keys)) throw new Error(`${args.lib}: storm left ${r.size} entries, expected ${args.cap}`);
  return r;
}

/** The seed's baseline: a new cache of 500, 500 distinct sets, then 200 gets of them. */
function seed() {
  const SETS = 500,
    GETS = 200;
  const rounds = args.rounds;
  const rand = prng(7);
  const picks = Uint16Array.from({ length: GETS * 64 }, () => rand() % SETS);
  const keyAt = spec.keys === "handle" ? (i) => handles[i] : (i) => hot[i];
  const round = (r) => {
    const c = make(SETS);
    const base = (r * SETS) % (meta.keys - SETS);
    let found = 0;
    if (spec.batch) {
      const entries = [];
      for (let j = 0; j < SETS; j++) entries.push([keyAt(base + j), valueFor(j)]);
      c.setMany(entries);
      const gets = [];
      for (let j = 0; j < GETS; j++) gets.push(keyAt(base + picks[(r % 64) * GETS + j]));
      for (const v of c.getMany(gets)) if (v !== undefined) found++;
    } else {
      for (let j = 0; j < SETS; j++) c.set(keyAt(base + j), valueFor(j));
      for (let j = 0; j < GETS; j++) if (c.get(keyAt(base + picks[(r % 64) * GETS + j])) !== undefined) found++;
    }
    free(c);
    if (found !== GETS) throw new Error(`${args.lib}: seed round found ${found} of ${GETS}`);
  };
  for (let r = 0; r < Math.max(50, rounds >> 3); r++) round(r);
  const passMs = [];
  for (let p = 0; p < args.passes; p++) {
    gc();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) round(r);
    const wall = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu = process.cpuUsage(cpu0);
    passMs.push(+(clock === "cpu" ? (cpu.user + cpu.system) / 1e3 : wall).toFixed(3));
  }
  return { clock, passMs, rounds, ops: (SETS + GETS) * rounds };
}

/**
 * Set `count` fresh keys into `c`, in chunks. A function of its own so that no key array
 * outlives it: the last chunk's array, left in a register of the measuring frame, kept
 * every key string alive (10,000 strings of a 10,000-entry cache) and was counted as the
 * cache's bytes.
 */
function fillFresh(c, count) {
  const CHUNK = 1 << 14;
  for (let from = 0; from < count; from += CHUNK) {
    const n = Math.min(CHUNK, count - from);
    const keys = new Array(n);
    for (let i = 0; i < n; i++) {
      const s = freshKey(records, from + i);
      keys[i] = spec.keys === "handle" ? ll.parseDigest(s) : s;
    }
    if (spec.batch) stormBatchShared(c, keys, n, args.batchSize);
    else stormSeqShared(c, keys, n);
  }
}

/** Bytes per entry: a full cache of `cap` fresh keys that nothing else references. */
function memory() {
  if (!globalThis.gc) throw new Error("memory scenario needs --expose-gc");
  const wasm = () => (ll ? ll.getDefaultCore().exports.memory.buffer.byteLength : 0);
  const sample = () => {
    gc();
    gc();
    gc();
    const m = process.memoryUsage();
    return { heap: m.heapUsed, ab: m.arrayBuffers, wasm: wasm() };
  };
  // Compile and warm the set path first (code and feedback are heap too, but not per entry),
  // through the same loop, on keys past the measured ones; a handle row's digest table is
  // warmed by them as well. Values are one shared object here, the same for every row, so
  // the figure is the structure and its keys.
  const warm = make(1024);
  const warmKeys = [];
  for (let i = 0; i < 8192; i++) {
    const s = freshKey(records, meta.keys - 1 - i);
    warmKeys.push(spec.keys === "handle" ? ll.parseDigest(s) : s);
  }
  if (spec.batch) stormBatchShared(warm, warmKeys, warmKeys.length, args.batchSize);
  else stormSeqShared(warm, warmKeys, warmKeys.length);
  free(warm);
  warmKeys.length = 0; // the warm-up keys must not count either
  const before = sample();
  const c = make(args.cap);
  fillFresh(c, args.cap);
  const after = sample();
  if (c.size !== args.cap) throw new Error(`${args.lib}: memory cache holds ${c.size}, expected ${args.cap}`);
  globalThis.keepAlive = c;
  const d = { heap: after.heap - before.heap, arrayBuffers: after.ab - before.ab, wasm: after.wasm - before.wasm };
  const total = d.heap + d.arrayBuffers + d.wasm;
  return {
    delta: d,
    bytesPerEntry: total / args.cap,
    heapPerEntry: d.heap / args.cap,
    wasmPerEntry: d.wasm / args.cap,
    abPerEntry: d.arrayBuffers / args.cap,
  };
}

// The memory scenario makes its own keys inside the measured region (handles included:
// the digest table that interns them is part of what the cache costs).
if (args.scenario !== "memory") {
  if (spec.keys === "handle") {
    handles = makeHandles();
    hot = null;
  } else if (args.strings !== "fresh" || args.scenario === "seed") hotStrings();
}

const scenarios = { zipf, storm, seed, memory };
const result = scenarios[args.scenario]();
reportResult({
  lib: args.lib,
  label: spec.label,
  scenario: args.scenario,
  strings: args.strings,
  cap: args.cap,
  order: args.order,
  handleCost,
  recordBytes: RECORD,
  ...result,
});
