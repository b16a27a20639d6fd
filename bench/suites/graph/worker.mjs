// One row of the graph suite, in its own process: node worker.mjs '<json args>'.
//
// args: { lib, scenario, nodes, edges, passes, distEntry }
//   lib       "layerlens"  IdGraph (edges copied into the core, packed to CSR there, DFS in wasm)
//             "js-csr"     plain JavaScript: Int32Array CSR + iterative three-colour DFS
//             "graphology" graphology DirectedGraph (multi) + graphology-dag hasCycle/topologicalSort
//             "intern-map" / "intern-layerlens": interning digest strings to dense ids
//   scenario  "dag" random DAG, "chain" one long path, "back" the DAG plus one back edge
//
// Every row rebuilds the same seeded graph (graph-data.mjs) untimed, then times build,
// cycle check and topological order separately. Figures use CPU time (user + system) of
// this process, steadier than wall time on a shared machine (BENCH_CLOCK=wall for wall).

import { childArgs, reportResult } from "../../lib/child.mjs";
import { median } from "../../lib/format.mjs";
import { makeGraph, makeDigests } from "./graph-data.mjs";

const args = childArgs();
const gc = globalThis.gc ?? (() => {});
const clock = process.env.BENCH_CLOCK === "wall" ? "wall" : "cpu";

function time(fn) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { ms: clock === "wall" ? wall : (c.user + c.system) / 1e3, wall, value };
}

function memory(wasmBytes = () => 0) {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers + wasmBytes();
}

// ---- contenders: build(n, edges) -> graph; check(graph) -> cycle | undefined; topo(graph) -> order ----

async function contender(lib) {
  if (lib === "layerlens") {
    const ll = await import(args.distEntry);
    const core = await ll.init();
    return {
      wasmBytes: () => core.exports.memory.buffer.byteLength,
      build: (n, edges) => new ll.IdGraph(n, edges, core),
      check: (g) => g.findCycle(),
      topo: (g) => g.topoOrder(),
      free: (g) => g.free(),
    };
  }
  if (lib === "js-csr") return jsCsr();
  if (lib === "graphology") {
    const { MultiDirectedGraph } = await import("graphology");
    const dag = await import("graphology-dag");
    return {
      build: (n, edges) => {
        const g = new MultiDirectedGraph({ allowSelfLoops: true });
        for (let u = 0; u < n; u++) g.addNode(u);
        for (let i = 0; i < edges.length; i += 2) g.addEdge(edges[i], edges[i + 1]);
        return g;
      },
      check: (g) => (dag.hasCycle(g) ? [] : undefined),
      topo: (g) => dag.topologicalSort(g),
      free: () => {},
    };
  }
  throw new Error(`unknown graph contender ${lib}`);
}

/** The typed-array baseline the issue names: CSR by counting sort, iterative DFS. */
function jsCsr() {
  return {
    build(n, edges) {
      const m = edges.length >> 1;
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i < edges.length; i += 2) offsets[edges[i] + 1]++;
      for (let u = 0; u < n; u++) offsets[u + 1] += offsets[u];
      const fill = offsets.slice(0, n);
      const targets = new Int32Array(m);
      for (let i = 0; i < edges.length; i += 2) targets[fill[edges[i]]++] = edges[i + 1];
      return {
        n,
        offsets,
        targets,
        colour: new Uint8Array(n),
        stack: new Int32Array(n),
        cursor: new Int32Array(n),
        order: new Int32Array(n),
      };
    },
    check(g) {
      return dfs(g);
    },
    topo(g) {
      if (dfs(g)) throw new Error("cycle");
      return g.order;
    },
    free() {},
  };
}

function dfs(g) {
  const { n, offsets, targets, colour, stack, cursor, order } = g;
  colour.fill(0);
  let done = n;
  for (let root = 0; root < n; root++) {
    if (colour[root] !== 0) continue;
    colour[root] = 1;
    cursor[root] = offsets[root];
    stack[0] = root;
    let sp = 1;
    while (sp > 0) {
      const u = stack[sp - 1];
      let c = cursor[u];
      const end = offsets[u + 1];
      let pushed = false;
      while (c < end) {
        const v = targets[c++];
        if (colour[v] === 0) {
          cursor[u] = c;
          colour[v] = 1;
          cursor[v] = offsets[v];
          stack[sp++] = v;
          pushed = true;
          break;
        }
        if (colour[v] === 1) {
          let i = sp - 1;
          while (stack[i] !== v) i--;
          return Array.from(stack.subarray(i, sp));
        }
      }
      if (!pushed) {
        colour[u] = 2;
        sp--;
        order[--done] = u;
      }
    }
  }
  return undefined;
}

// ---- interning rows ----

async function internRow() {
  const digests = makeDigests(args.nodes, 0xd16e57);
  const before = memory();
  let ids;
  let t;
  if (args.lib === "intern-map") {
    t = time(() => {
      const map = new Map();
      const out = new Uint32Array(digests.length);
      for (let i = 0; i < digests.length; i++) {
        const s = digests[i];
        let id = map.get(s);
        if (id === undefined) {
          id = map.size;
          map.set(s, id);
        }
        out[i] = id;
      }
      ids = { map, out };
      return out;
    });
  } else {
    const ll = await import(args.distEntry);
    const core = await ll.init();
    t = time(() => (ids = ll.internDigests(digests, core)));
  }
  const out = ids.out ?? ids;
  const distinct = new Set(out).size;
  if (distinct !== args.nodes) throw new Error(`interning gave ${distinct} distinct ids for ${args.nodes} digests`);
  reportResult({ ...args, distEntry: undefined, clock, internMs: t.ms, internWallMs: t.wall, bytes: memory() - before });
}

// ---- graph rows ----

async function graphRow() {
  const c = await contender(args.lib);
  const { nodes, edges, expectCycle } = makeGraph(args.scenario, args.nodes, args.edges);
  const builds = [],
    checks = [],
    topos = [];
  let bytes = 0,
    cycleLength = 0,
    hasCycle = false;
  for (let p = 0; p < args.passes; p++) {
    const before = memory(c.wasmBytes);
    const b = time(() => c.build(nodes, edges));
    // The first pass's growth: wasm memory never shrinks, so later passes reuse it.
    if (p === 0) bytes = memory(c.wasmBytes) - before;
    const k = time(() => c.check(b.value));
    if ((k.value !== undefined) !== expectCycle)
      throw new Error(`${args.lib} ${args.scenario}: cycle verdict ${k.value !== undefined}, expected ${expectCycle}`);
    cycleLength = k.value?.length ?? 0;
    hasCycle = k.value !== undefined;
    let o = { ms: null };
    if (!expectCycle) {
      o = time(() => c.topo(b.value));
      if (o.value.length !== nodes) throw new Error(`${args.lib}: order of ${o.value.length} nodes, expected ${nodes}`);
    }
    builds.push(b.ms);
    checks.push(k.ms);
    topos.push(o.ms);
    c.free(b.value);
  }
  reportResult({
    ...args,
    distEntry: undefined,
    clock,
    cycleLength,
    hasCycle,
    buildMs: median(builds),
    checkMs: median(checks),
    topoMs: expectCycleOrNull(topos),
    bytes,
  });
}

function expectCycleOrNull(xs) {
  return xs[0] == null ? null : median(xs);
}

if (args.lib.startsWith("intern-")) await internRow();
else await graphRow();
