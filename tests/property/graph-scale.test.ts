// The cycle detector at scale: a 1,000,000-node chain (a recursive DFS
// overflows near depth 10,000) and a 1,000,000-node / 4,000,000-edge random DAG, with and
// without one back edge. Answers are checked against the input, never against literals.

import { describe, expect, it } from "vitest";
import { IdGraph, LayerGraph, CycleError } from "../../src/node.js";
import { debug, release } from "../helpers/core.js";
import { randomDag as sharedRandomDag } from "../../bench/suites/graph/graph-data.mjs";

const N = 1_000_000;
const M = 4_000_000;

/** The bench's graph generator (same graphs, one copy), with each label's rank in the hidden order. */
function randomDag(n: number, m: number, seed: number): { edges: Uint32Array; rank: Uint32Array; label: Uint32Array } {
  const { edges, label } = sharedRandomDag(n, m, seed);
  const rank = new Uint32Array(n);
  for (let i = 0; i < n; i++) rank[label[i]] = i;
  return { edges, rank, label };
}

/** Every edge goes forward in `order`, which is a permutation of 0..n-1. (Plain loops
 *  count the faults and one expect() checks the count: a million expect() calls would
 *  cost more than the search under test.) */
function expectValidOrder(n: number, edges: Uint32Array, order: Uint32Array): void {
  expect(order.length).toBe(n);
  const pos = new Int32Array(n).fill(-1);
  let repeats = 0;
  for (let i = 0; i < n; i++) {
    if (pos[order[i]] !== -1) repeats++;
    pos[order[i]] = i;
  }
  let backwards = 0;
  for (let i = 0; i < edges.length; i += 2) if (pos[edges[i]] >= pos[edges[i + 1]]) backwards++;
  expect({ repeats, backwards }).toEqual({ repeats: 0, backwards: 0 });
}

/** Each node of `cycle` has an edge to the next and the last to the first (checked over a
 *  CSR built here, independently of the core's). */
function expectRealCycle(n: number, edges: Uint32Array, cycle: number[]): void {
  const start = new Uint32Array(n + 1);
  for (let i = 0; i < edges.length; i += 2) start[edges[i] + 1]++;
  for (let u = 0; u < n; u++) start[u + 1] += start[u];
  const fill = start.slice(0, n);
  const succ = new Uint32Array(edges.length / 2);
  for (let i = 0; i < edges.length; i += 2) succ[fill[edges[i]]++] = edges[i + 1];
  const seen = new Uint8Array(n);
  let repeats = 0,
    missing = 0,
    outside = 0;
  for (let i = 0; i < cycle.length; i++) {
    const u = cycle[i],
      v = cycle[(i + 1) % cycle.length];
    if (u >= n) {
      outside++;
      continue;
    }
    if (seen[u]++) repeats++;
    let found = false;
    for (let k = start[u]; k < start[u + 1] && !found; k++) found = succ[k] === v;
    if (!found) missing++;
  }
  expect({ repeats, missing, outside }).toEqual({ repeats: 0, missing: 0, outside: 0 });
}

describe.each([
  ["release", release],
  ["debug", debug],
] as const)("the %s core at scale", (_, core) => {
  it("a 1,000,000-node chain: ordered, then one closing edge makes it one big cycle", () => {
    const edges = new Uint32Array(2 * N);
    for (let i = 0; i + 1 < N; i++) {
      edges[2 * i] = N - 1 - i;
      edges[2 * i + 1] = N - 2 - i;
    } // N-1 -> ... -> 0
    const chain = new IdGraph(N, edges.subarray(0, 2 * (N - 1)), core);
    const order = chain.topoOrder();
    expect(order[0]).toBe(N - 1);
    expectValidOrder(N, edges.subarray(0, 2 * (N - 1)), order);
    chain.free();
    edges[2 * (N - 1)] = 0;
    edges[2 * N - 1] = N - 1;
    const loop = new IdGraph(N, edges, core);
    const cycle = loop.findCycle()!;
    expect(cycle.length).toBe(N);
    expectRealCycle(N, edges, cycle);
    loop.free();
  });

  it("a 1,000,000-node / 4,000,000-edge DAG, then with one back edge", () => {
    const { edges, label } = randomDag(N, M, 0x5eed);
    const g = new IdGraph(N, edges, core);
    expect(g.findCycle()).toBeUndefined();
    expectValidOrder(N, edges, g.topoOrder());
    expect(g.rootsReaching(label[N - 1])).toEqual([label[0]]); // the path's head is the only root
    g.free();
    // Point a node late in the hidden order back at an early one: the path closes a cycle.
    const back = new Uint32Array(edges.length + 2);
    back.set(edges);
    back[edges.length] = label[Math.floor((2 * N) / 3)];
    back[edges.length + 1] = label[Math.floor(N / 3)];
    const c = new IdGraph(N, back, core);
    const cycle = c.findCycle()!;
    expect(cycle).toBeDefined();
    expectRealCycle(N, back, cycle);
    expect(cycle).toContain(label[Math.floor(N / 3)]);
    expect(() => c.topoOrder()).toThrow(expect.objectContaining({ code: "CYCLE" }));
    c.free();
    core.exports.graphScratchRelease();
  });
});

describe("LayerGraph at scale (release core)", () => {
  it("a 1,000,000-image legacy parent chain, then one parent id pointing back", () => {
    const id = (i: number) => (Math.imul(i + 1, 0x9e3779b1) >>> 0).toString(16).padStart(8, "0") + i.toString(16).padStart(56, "0");
    const g = new LayerGraph({ core: release });
    for (let i = 0; i + 1 < N; i++) g.addParent(id(i), id(i + 1)); // bare hex, as Docker wrote them
    const order = g.topoOrder();
    expect([order.length, order[0], order[N - 1]]).toEqual([N, "sha256:" + id(0), "sha256:" + id(N - 1)]);
    g.addParent(id(N - 1), id(0));
    let err: unknown;
    try {
      g.assertAcyclic("legacy parent chain");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CycleError);
    expect((err as CycleError).cycle.length).toBe(N);
    g.free();
  });
});
