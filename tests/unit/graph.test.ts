// LayerGraph and IdGraph: cycles as digest paths, topological order,
// shared layers, roots reaching a node, legacy parent ids; on both builds of the core.
import { describe, expect, it } from "vitest";
import {
  LayerGraph,
  IdGraph,
  findCycle,
  topoOrder,
  internDigests,
  parseDigest,
  formatDigest,
  CycleError,
  InvalidDigestError,
  FreedError,
} from "../../src/node.js";
import { debug, release, digestOf } from "../helpers/core.js";

const d = digestOf;

/** A digest whose bytes all differ from n to n, as real (uniform) digests do (digestOf()
 *  shares a 56-zero prefix, which once made the digest table probe quadratically). */
function spread(n: number): string {
  let hex = "";
  for (let k = 1; k <= 8; k++) hex += (Math.imul(n + 1, 0x9e3779b1 + 2 * k) >>> 0).toString(16).padStart(8, "0");
  return "sha256:" + hex;
}

describe.each([
  ["debug", debug],
  ["release", release],
] as const)("graphs on the %s core", (_, core) => {
  it("orders index -> manifests -> config and layers", () => {
    const g = new LayerGraph({ core });
    g.addIndex(d(1), [d(10), d(20)]);
    g.addManifest(d(10), d(11), [d(100), d(101)]);
    g.addManifest(d(20), d(21), [d(100), d(102)]);
    expect(g.findCycle()).toBeUndefined();
    const order = g.topoOrder();
    expect(order).toHaveLength(8);
    for (const [from, to] of g.edgeList()) expect(order.indexOf(from)).toBeLessThan(order.indexOf(to));
    expect(g.sharedLayers()).toEqual([{ layer: d(100), manifests: [d(10), d(20)] }]);
    expect(g.rootsReaching(d(100))).toEqual([d(1)]);
    expect(g.rootsReaching(d(1))).toEqual([d(1)]);
    expect(g.rootsReaching(d(999))).toEqual([]);
    g.free();
  });

  it("names the digests of a nested-index loop and refuses it with CycleError", () => {
    const g = new LayerGraph({ core });
    g.addIndex(d(1), [d(2)])
      .addIndex(d(2), [d(3), d(4)])
      .addIndex(d(3), [d(1)]);
    expect(g.findCycle()).toEqual([d(1), d(2), d(3)]);
    expect(() => g.assertAcyclic("index.json")).toThrow(CycleError);
    try {
      g.topoOrder();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CycleError);
      expect((e as CycleError).code).toBe("CYCLE");
      expect((e as CycleError).cycle).toEqual([d(1), d(2), d(3)]);
    }
  });

  it("catches a legacy parent loop given as bare hex ids, and a referrer self-loop", () => {
    const g = new LayerGraph({ core });
    const hex = (n: number) => n.toString(16).padStart(64, "0");
    g.addParent(hex(7), hex(8)).addParent(hex(8), hex(9));
    expect(g.findCycle()).toBeUndefined();
    expect(g.topoOrder()).toEqual([d(7), d(8), d(9)]);
    g.addParent(d(9), hex(7));
    expect(g.findCycle()).toEqual([d(7), d(8), d(9)]);
    const r = new LayerGraph({ core });
    r.addReferrer(d(5), d(5));
    expect(r.findCycle()).toEqual([d(5)]);
  });

  it("takes digest handles and refuses bad digests", () => {
    const g = new LayerGraph({ core });
    const h = parseDigest(d(40), core);
    g.addEdge(h, d(41));
    expect(g.topoOrder()).toEqual([d(40), d(41)]);
    expect(() => g.addEdge("sha256:xyz", d(1))).toThrow(InvalidDigestError);
    expect(() => g.addEdge(1e9 as never, d(1))).toThrow(RangeError);
  });

  it("IdGraph: self-loops, parallel edges, disconnected parts, bad edges", () => {
    expect(findCycle(4, [0, 1, 0, 1, 2, 3], core)).toBeUndefined();
    expect(findCycle(3, [0, 1, 2, 2], core)).toEqual([2]);
    expect(Array.from(topoOrder(3, [2, 1, 1, 0], core))).toEqual([2, 1, 0]);
    expect(Array.from(topoOrder(0, [], core))).toEqual([]);
    expect(() => topoOrder(2, [0, 1, 1, 0], core)).toThrow(CycleError);
    expect(() => findCycle(2, [0, 5], core)).toThrow(/edge 0 \(0 -> 5\)/);
    expect(() => findCycle(2, [0], core)).toThrow(RangeError);
    const g = new IdGraph(5, [0, 2, 1, 2, 3, 4, 4, 3], core);
    expect(g.rootsReaching(2)).toEqual([0, 1]);
    expect(g.rootsReaching(4)).toEqual([]); // only a loop above it
    expect(() => g.rootsReaching(9)).toThrow(RangeError);
    g.free();
    expect(() => g.findCycle()).toThrow(/after free/);
    for (const call of [() => g.findCycle(), () => g.topoOrder(), () => g.rootsReaching(0), () => g.checkInvariants()]) {
      expect(call).toThrow(FreedError);
      expect(call).toThrow(expect.objectContaining({ code: "FREED" }));
    }
  });

  it("refuses every LayerGraph call after free() with FreedError", () => {
    const g = new LayerGraph({ core }).addIndex(d(1), [d(2)]);
    expect(g.findCycle()).toBeUndefined();
    g.free();
    g.free(); // twice is harmless
    const calls: [string, () => unknown][] = [
      ["findCycle", () => g.findCycle()],
      ["assertAcyclic", () => g.assertAcyclic()],
      ["topoOrder", () => g.topoOrder()],
      ["rootsReaching", () => g.rootsReaching(d(2))],
      ["sharedLayers", () => g.sharedLayers()],
      ["edgeList", () => [...g.edgeList()]],
      ["addIndex", () => g.addIndex(d(3), [d(4)])],
      ["addManifest", () => g.addManifest(d(3), d(4), [])],
      ["addReferrer", () => g.addReferrer(d(3), d(4))],
      ["addParent", () => g.addParent(d(3), d(4))],
      ["addEdge", () => g.addEdge(d(3), d(4))],
      ["nodeCount", () => g.nodeCount],
      ["size", () => g.size],
    ];
    for (const [name, call] of calls) expect(call, name).toThrow(expect.objectContaining({ code: "FREED", name: "FreedError" }));
  });

  it("answers a walk that keeps meeting new nodes without a search, and still finds a late cycle", () => {
    const g = new LayerGraph({ core });
    for (let i = 0; i < 2000; i++) {
      g.addParent(d(i), d(i + 1));
      g.assertAcyclic();
    }
    g.addParent(d(2000), d(1000));
    const err = (() => {
      try {
        g.assertAcyclic("parent chain");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CycleError);
    expect((err as CycleError).cycle).toEqual(Array.from({ length: 1001 }, (_, k) => d(1000 + k)));
    g.free();
  });

  it("interns digests in bulk to the same handles as parseDigest", () => {
    const list = Array.from({ length: 40_000 }, (_, i) => spread(i % 30_000));
    const ids = internDigests(list, core);
    expect(ids[5]).toBe(parseDigest(spread(5), core));
    expect(ids[30_005]).toBe(ids[5]);
    expect(new Set(ids).size).toBe(30_000);
    expect(formatDigest(ids[39_999] as never, core)).toBe(spread(9_999));
    expect(() => internDigests([d(1), "sha256:" + "A".repeat(64)], core)).toThrow(expect.objectContaining({ reason: "hex" }));
    expect(() => internDigests(["sha256:" + "a".repeat(300)], core)).toThrow(expect.objectContaining({ reason: "length" }));
    expect(() => internDigests(["sha256:" + "\u0161".repeat(64)], core)).toThrow(InvalidDigestError);
  });
});
