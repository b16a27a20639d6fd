// Known answers for the cycle detector and LayerGraph, run unchanged
// in every runtime. Graphs are small enough to work out by hand: DFS from the lowest id,
// successors in the order given, so the first cycle and its rotation are fixed.

import { equal, throws } from "./assert.js";
import type { KnownAnswerCase } from "./types.js";

const d = (n: number) => "sha256:" + n.toString(16).padStart(64, "0");

export const graphCases: KnownAnswerCase[] = [
  {
    name: "graph: numeric cycles, self-loops, orders and roots",
    run(lib, ctx) {
      equal(lib.findCycle(5, [0, 1, 1, 2, 2, 3, 3, 4, 3, 1], ctx.core), [1, 2, 3], "first cycle from node 0");
      equal(lib.findCycle(3, [0, 1, 2, 2], ctx.core), [2], "self-loop");
      equal(lib.findCycle(4, [0, 1, 0, 1, 2, 3], ctx.core), undefined, "parallel edges, two parts");
      equal(Array.from(lib.topoOrder(4, [3, 1, 1, 0, 2, 0], ctx.core)), [3, 2, 1, 0], "reverse postorder");
      throws(() => lib.topoOrder(2, [0, 1, 1, 0], ctx.core), { type: lib.CycleError, code: "CYCLE" }, "order of a cyclic graph");
      const g = new lib.IdGraph(5, [0, 2, 1, 2, 3, 4, 4, 3], ctx.core);
      equal(g.rootsReaching(2), [0, 1], "roots above node 2");
      g.free();
    },
  },
  {
    name: "graph: a 100,000-node chain, then closed into one cycle",
    run(lib, ctx) {
      const n = 100_000;
      const edges = new Uint32Array(2 * n);
      for (let i = 0; i < n - 1; i++) {
        edges[2 * i] = i;
        edges[2 * i + 1] = i + 1;
      }
      const order = lib.topoOrder(n, edges.subarray(0, 2 * (n - 1)), ctx.core);
      equal([order[0], order[n - 1], order.length], [0, n - 1, n], "chain order");
      edges[2 * n - 2] = n - 1;
      edges[2 * n - 1] = 0;
      const cycle = lib.findCycle(n, edges, ctx.core)!;
      equal([cycle.length, cycle[0], cycle[n - 1]], [n, 0, n - 1], "the whole chain is the cycle");
    },
  },
  {
    name: "graph: LayerGraph names a nested-index loop and finds shared layers",
    run(lib, ctx) {
      const g = new lib.LayerGraph({ core: ctx.core });
      g.addIndex(d(1), [d(10), d(20)]);
      g.addManifest(d(10), d(11), [d(100), d(101)]);
      g.addManifest(d(20), d(21), [d(100)]);
      equal(g.topoOrder(), [d(1), d(20), d(21), d(10), d(101), d(100), d(11)], "order: index, manifests, blobs");
      equal(g.sharedLayers(), [{ layer: d(100), manifests: [d(10), d(20)] }], "shared layers");
      equal(g.rootsReaching(d(100)), [d(1)], "the index reaches the layer");
      g.addIndex(d(20), [d(1)]);
      equal(g.findCycle(), [d(1), d(20)], "loop through the nested index");
      throws(() => g.assertAcyclic("index.json"), { type: lib.CycleError, message: "index.json has a cycle" }, "refused");
      g.free();
    },
  },
];
