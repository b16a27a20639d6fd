// One row of the pool suite, in its own process: node worker.mjs '<json args>'.
//
// args: { lib, scenario, batch, rounds, passes, distEntry }
//   lib       "layerpool"  LayerPool: acquire -> handle, each field accessor checks the handle
//             "layerpool-cursor"  the same, through pool.record(h): one check per record
//             "layerpool-batch"   cursor, and acquireMany/releaseMany: one crossing per round
//             "layerpool-fill"    acquireFilled: the seven fields written into reused typed-array
//                                 columns (LayerColumns), then one crossing acquires and fills the
//                                 whole round; reads through the cursor; releaseMany
//             "layerpool-view"    acquireBatch: one crossing hands out the round's records and
//                                 their word addresses; the seven fields are written and two
//                                 read by batch index straight into the core's memory (a bounds
//                                 check per access, no call per record); releaseBatch
//             "objects"    a new plain object literal per layer, dropped on release
//             "js-pool"    a JavaScript object pool: preallocated objects, free stack, field reset
//   scenario  "cycle"  per round: acquire `batch` records, fill seven fields, read two back,
//                      release them all (the image-reader pattern)
//             "seed"   the seed's baseline: 1000 pool operations (500 acquire + 500 release,
//                      interleaved as acquire/fill/release pairs), timed per batch of 1000
//
// Steady state: the timed loop runs after a warm-up; minor GCs seen during it (a
// PerformanceObserver on "gc") show whether the loop allocates in JavaScript.

import { PerformanceObserver, constants } from "node:perf_hooks";
import { childArgs, reportResult } from "../../lib/child.mjs";
import { median } from "../../lib/format.mjs";

const args = childArgs();
const clock = process.env.BENCH_CLOCK === "wall" ? "wall" : "cpu";
const MEDIA = "application/vnd.oci.image.layer.v1.tar+gzip";

// ---- contenders: acquire() -> ref; fill(ref, i); read(ref) -> number; release(ref) ----

async function contender(lib, existing) {
  if (lib === "layerpool") {
    const ll = await import(args.distEntry);
    const core = await ll.init();
    const pool = new ll.LayerPool({ core, initial: args.batch, max: Math.max(args.batch, 1024) });
    const digest = ll.parseDigest("sha256:" + "ab".repeat(32), core);
    return {
      acquire: () => pool.acquire(2),
      fill(h, i) {
        pool.setCompressedSize(h, i * 1000);
        pool.setUncompressedSize(h, i * 3000);
        pool.setPosition(h, i);
        pool.setFlags(h, 1);
        pool.setParent(h, i - 1);
        pool.setImage(h, 7);
        pool.setUser(h, i);
      },
      read: (h) => pool.compressedSize(h) + pool.position(h),
      release: (h) => pool.release(h),
      digest,
    };
  }
  if (lib === "layerpool-cursor" || lib === "layerpool-cursor-on") {
    const ll = await import(args.distEntry);
    const core = await ll.init();
    const pool = existing ?? new ll.LayerPool({ core, initial: args.batch, max: Math.max(args.batch, 1024) });
    return {
      acquire: () => pool.acquire(2),
      fill(h, i) {
        const r = pool.record(h);
        r.compressedSize = i * 1000;
        r.uncompressedSize = i * 3000;
        r.position = i;
        r.flags = 1;
        r.parent = i - 1;
        r.image = 7;
        r.user = i;
      },
      read: (h) => {
        const r = pool.record(h);
        return r.compressedSize + r.position;
      },
      release: (h) => pool.release(h),
    };
  }
  if (lib === "layerpool-batch") {
    const ll = await import(args.distEntry);
    const core = await ll.init();
    const pool = new ll.LayerPool({ core, initial: args.batch, max: Math.max(args.batch, 1024) });
    const base = await contender("layerpool-cursor-on", pool);
    return { ...base, acquireMany: (out) => pool.acquireMany(out, 2), releaseMany: (hs) => pool.releaseMany(hs) };
  }
  if (lib === "layerpool-fill") {
    const ll = await import(args.distEntry);
    const core = await ll.init();
    const pool = new ll.LayerPool({ core, initial: args.batch, max: Math.max(args.batch, 1024) });
    const base = await contender("layerpool-cursor-on", pool);
    const cols = new ll.LayerColumns(args.batch);
    return {
      ...base,
      columns: cols,
      fillColumn(i) {
        cols.compressedSize[i] = i * 1000;
        cols.uncompressedSize[i] = i * 3000;
        cols.position[i] = i;
        cols.flags[i] = 1;
        cols.parent[i] = i - 1;
        cols.image[i] = 7;
        cols.user[i] = i;
      },
      acquireFilled: (out) => pool.acquireFilled(out, cols, 2),
      releaseMany: (hs) => pool.releaseMany(hs),
    };
  }
  if (lib === "layerpool-view" || lib === "layerpool-view-row") {
    const ll = await import(args.distEntry);
    const core = await ll.init();
    const pool = new ll.LayerPool({ core, initial: args.batch, max: Math.max(args.batch, 1024) });
    return { pool, batch: new ll.LayerBatch(args.batch), row: lib === "layerpool-view-row" };
  }
  if (lib === "objects") {
    return {
      acquire: () => ({
        digest: null,
        diffId: null,
        compressedSize: 0,
        uncompressedSize: 0,
        mediaType: MEDIA,
        position: -1,
        flags: 1,
        parent: -1,
        image: -1,
        user: 0,
      }),
      fill(r, i) {
        r.compressedSize = i * 1000;
        r.uncompressedSize = i * 3000;
        r.position = i;
        r.flags = 1;
        r.parent = i - 1;
        r.image = 7;
        r.user = i;
      },
      read: (r) => r.compressedSize + r.position,
      release: () => {},
    };
  }
  if (lib === "js-pool") {
    const free = [];
    const make = () => ({
      digest: null,
      diffId: null,
      compressedSize: 0,
      uncompressedSize: 0,
      mediaType: MEDIA,
      position: -1,
      flags: 1,
      parent: -1,
      image: -1,
      user: 0,
      live: false,
    });
    for (let i = 0; i < args.batch; i++) free.push(make());
    return {
      acquire() {
        const r = free.length ? free.pop() : make();
        // the "smart reset": every field back to the template's value
        r.digest = null;
        r.diffId = null;
        r.compressedSize = 0;
        r.uncompressedSize = 0;
        r.mediaType = MEDIA;
        r.position = -1;
        r.flags = 1;
        r.parent = -1;
        r.image = -1;
        r.user = 0;
        r.live = true;
        return r;
      },
      fill(r, i) {
        r.compressedSize = i * 1000;
        r.uncompressedSize = i * 3000;
        r.position = i;
        r.flags = 1;
        r.parent = i - 1;
        r.image = 7;
        r.user = i;
      },
      read: (r) => r.compressedSize + r.position,
      release(r) {
        if (!r.live) throw new Error("double release");
        r.live = false;
        free.push(r);
      },
    };
  }
  throw new Error(`unknown pool contender ${lib}`);
}

const c = await contender(args.lib);
const held = new Array(args.batch);

// The batch contender acquires and releases a whole round in one call each.
const batchOut = new Int32Array(args.batch);
function batchRound(n) {
  const hs = c.acquireMany(batchOut);
  let sum = 0;
  for (let i = 0; i < n; i++) c.fill(hs[i], i);
  for (let i = 0; i < n; i++) sum += c.read(hs[i]);
  c.releaseMany(hs);
  return sum;
}

// The fill contender writes the same seven fields per record, into columns, and acquires and
// fills the whole round in one call; the reads go through the records in the core.
function fillRound(n) {
  for (let i = 0; i < n; i++) c.fillColumn(i);
  const hs = c.acquireFilled(batchOut);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += c.read(hs[i]);
  c.releaseMany(hs);
  return sum;
}

// The view contender: one crossing acquires the round, the fields go straight into the
// records by batch index, one crossing releases it.
function viewRound(n) {
  const { pool, batch: b } = c;
  pool.acquireBatch(b, n, 2);
  if (c.row) for (let i = 0; i < n; i++) b.setFields(i, i * 1000, i * 3000, i, 1, i - 1, 7, i);
  else
    for (let i = 0; i < n; i++) {
      b.setCompressedSize(i, i * 1000);
      b.setUncompressedSize(i, i * 3000);
      b.setPosition(i, i);
      b.setFlags(i, 1);
      b.setParent(i, i - 1);
      b.setImage(i, 7);
      b.setUser(i, i);
    }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += b.compressedSize(i) + b.position(i);
  pool.releaseBatch(b);
  return sum;
}

function cycleRound(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const r = c.acquire();
    c.fill(r, i);
    held[i] = r;
  }
  for (let i = 0; i < n; i++) sum += c.read(held[i]);
  for (let i = 0; i < n; i++) {
    c.release(held[i]);
    held[i] = undefined;
  }
  return sum;
}

function seedRound() {
  // 1000 operations: 500 x (acquire, fill, release)
  let sum = 0;
  for (let i = 0; i < 500; i++) {
    const r = c.acquire();
    c.fill(r, i);
    sum += c.read(r);
    c.release(r);
  }
  return sum;
}

const round =
  args.scenario === "seed"
    ? seedRound
    : c.batch
      ? () => viewRound(args.batch)
      : c.acquireFilled
        ? () => fillRound(args.batch)
        : c.acquireMany
          ? () => batchRound(args.batch)
          : () => cycleRound(args.batch);
const opsPerRound = args.scenario === "seed" ? 1000 : 2 * args.batch; // acquires + releases

// Warm up (JIT, pool growth), then time `rounds` rounds per pass. A minor GC ends the warm-up
// (run with --expose-gc; every row alike), so the timed loop starts with an empty young
// generation and its scavenges are its own.
for (let i = 0; i < Math.max(10, args.rounds / 10); i++) round();
globalThis.gc?.({ type: "minor" });

let gcs = 0;
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR || e.kind === constants.NODE_PERFORMANCE_GC_MINOR) gcs++;
});
obs.observe({ entryTypes: ["gc"] });

const passes = [];
// The check sum outgrows a small integer: kept in a typed array, adding to it allocates no
// heap number per round (which would count against every row's "minor GCs").
const check = new Float64Array(1);
for (let p = 0; p < args.passes; p++) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < args.rounds; r++) check[0] += round();
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const cu = process.cpuUsage(c0);
  passes.push(clock === "wall" ? wall : (cu.user + cu.system) / 1e3);
}
await new Promise((r) => setTimeout(r, 50)); // let the observer deliver
obs.disconnect();

const ms = median(passes);
const ops = opsPerRound * args.rounds;
reportResult({
  ...args,
  distEntry: undefined,
  clock,
  passMs: passes.map((x) => +x.toFixed(3)),
  ops,
  ms,
  opsPerSec: (ops / ms) * 1e3,
  nsPerOp: (ms * 1e6) / ops,
  usPerRound: (ms * 1e3) / args.rounds,
  minorGcs: gcs,
  totalOps: ops * args.passes,
  check: check[0],
});
