// findCycle / topoOrder / rootsReaching against a naive recursive DFS on small random
// graphs: same verdict, every reported cycle is a real cycle of the
// input, every order puts each edge forward, and the same roots reach each node.
//
// Runs: 2,000 graphs per build when CI=true, GRAPH_MODEL_RUNS overrides, 500 otherwise.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IdGraph } from "../../src/node.js";
import { debug, release } from "../helpers/core.js";

const RUNS = Number(process.env.GRAPH_MODEL_RUNS ?? (process.env.CI === "true" ? 2_000 : 500));

/** The reference: textbook recursive colouring, fine for a dozen nodes. */
function naiveHasCycle(n: number, edges: number[]): boolean {
  const succ: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < edges.length; i += 2) succ[edges[i]].push(edges[i + 1]);
  const colour = new Array<number>(n).fill(0);
  const visit = (u: number): boolean => {
    colour[u] = 1;
    for (const v of succ[u]) {
      if (colour[v] === 1) return true;
      if (colour[v] === 0 && visit(v)) return true;
    }
    colour[u] = 2;
    return false;
  };
  for (let u = 0; u < n; u++) if (colour[u] === 0 && visit(u)) return true;
  return false;
}

/** Roots (no incoming edge) from which `node` is reachable, by brute force. */
function naiveRoots(n: number, edges: number[], node: number): number[] {
  const hasIn = new Array<boolean>(n).fill(false);
  for (let i = 0; i < edges.length; i += 2) hasIn[edges[i + 1]] = true;
  const reaches = (from: number): boolean => {
    const seen = new Set([from]);
    const todo = [from];
    while (todo.length) {
      const u = todo.pop()!;
      if (u === node) return true;
      for (let i = 0; i < edges.length; i += 2) {
        if (edges[i] === u && !seen.has(edges[i + 1])) {
          seen.add(edges[i + 1]);
          todo.push(edges[i + 1]);
        }
      }
    }
    return false;
  };
  return Array.from({ length: n }, (_, u) => u).filter((u) => !hasIn[u] && reaches(u));
}

const graphs = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 30 }).map((es) => es.flat()),
    probe: fc.nat(n - 1),
  }),
);

// Sparse forward-leaning graphs are mostly acyclic, so both verdicts get exercised.
const dagLeaning = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc
      .array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.nat(19)), { maxLength: 20 })
      .map((es) => es.map(([a, b, keep]) => (a < b || keep === 0 ? [a, b] : [b, a])).flat()),
    probe: fc.nat(n - 1),
  }),
);

describe.each([
  ["debug", debug],
  ["release", release],
] as const)("IdGraph on the %s core vs a naive DFS", (_, core) => {
  for (const [label, arb] of [
    ["random", graphs],
    ["mostly acyclic", dagLeaning],
  ] as const) {
    it(`${label} graphs: same verdict, real cycles, valid orders, same roots`, () => {
      fc.assert(
        fc.property(arb, ({ n, edges, probe }) => {
          const g = new IdGraph(n, edges, core);
          try {
            const cycle = g.findCycle();
            expect(cycle !== undefined).toBe(naiveHasCycle(n, edges));
            const has = (a: number, b: number) => {
              for (let i = 0; i < edges.length; i += 2) if (edges[i] === a && edges[i + 1] === b) return true;
              return false;
            };
            if (cycle) {
              expect(cycle.length).toBeGreaterThan(0);
              expect(new Set(cycle).size).toBe(cycle.length); // a simple cycle
              for (let i = 0; i < cycle.length; i++) expect(has(cycle[i], cycle[(i + 1) % cycle.length])).toBe(true);
              expect(() => g.topoOrder()).toThrow(expect.objectContaining({ code: "CYCLE" }));
            } else {
              const order = g.topoOrder();
              expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
              const pos = new Map(Array.from(order, (u, i) => [u, i]));
              for (let i = 0; i < edges.length; i += 2) expect(pos.get(edges[i])!).toBeLessThan(pos.get(edges[i + 1])!);
              g.checkInvariants();
            }
            expect(g.rootsReaching(probe)).toEqual(naiveRoots(n, edges, probe));
          } finally {
            g.free();
          }
        }),
        { numRuns: RUNS },
      );
    });
  }
});
