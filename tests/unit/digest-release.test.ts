// Digest references: who holds a digest, and what happens when the last holder lets go.
import { describe, expect, it } from "vitest";
import "../../src/node.js";
import { FreedError, LayerGraph, LayerPool, MetadataCache, formatDigest, parseDigest } from "../../src/node.js";
import { digestRefCount, releaseDigest, type DigestHandle } from "../../src/digest.js";
import { DIGEST_INDEX_MASK } from "../../src/wasm/abi.js";
import { release as core, digestOf } from "../helpers/core.js";

const live = (): number => core.exports.digestTableSize();
const unique = (() => {
  let n = 0x5eed0000;
  return () => digestOf(n++);
})();

describe("digest references", () => {
  it("parseDigest hands the caller one reference; releasing it takes the digest out and refuses the handle", () => {
    const before = live();
    const d = unique();
    const h = parseDigest(d, core);
    expect(parseDigest(d, core)).toBe(h);
    expect(digestRefCount(h, core)).toBe(2);
    releaseDigest(h, core);
    expect(formatDigest(h, core)).toBe(d);
    releaseDigest(h, core);
    expect(live()).toBe(before);
    expect(digestRefCount(h, core)).toBe(0);
    expect(() => formatDigest(h, core)).toThrow(FreedError);
    expect(() => releaseDigest(h, core)).toThrow(FreedError);
    // The slot comes back for another digest under a new generation: the old number stays refused.
    const other: DigestHandle[] = [];
    for (let i = 0; i < 2048 && !other.some((o) => (o & DIGEST_INDEX_MASK) === (h & DIGEST_INDEX_MASK)); i++)
      other.push(parseDigest(unique(), core));
    const reused = other.find((o) => (o & DIGEST_INDEX_MASK) === (h & DIGEST_INDEX_MASK));
    expect(reused).toBeDefined();
    expect(reused).not.toBe(h);
    expect(() => formatDigest(h, core)).toThrow(FreedError);
    for (const o of other) releaseDigest(o, core);
    expect(live()).toBe(before);
    expect(core.exports.digestCheck()).toBe(0);
  });

  it("a LayerGraph holds its nodes' digests until free(), also those it was given as handles", () => {
    const before = live();
    const [a, b, c] = [unique(), unique(), unique()];
    const hc = parseDigest(c, core);
    const g = new LayerGraph({ core });
    g.addManifest(a, b, [hc, c]);
    expect(live()).toBe(before + 3);
    releaseDigest(hc, core); // the caller lets go; the graph still holds c
    const order = g.topoOrder();
    expect(order[0]).toBe(a);
    expect([...order].sort()).toEqual([a, b, c].sort());
    expect(g.rootsReaching(c)).toEqual([a]);
    g.free();
    expect(live()).toBe(before);
    expect(() => formatDigest(hc, core)).toThrow(FreedError);
    expect(core.exports.digestCheck()).toBe(0);
  });

  it("a pool record holds its digests until it is released, replaced, or the pool is freed", () => {
    const before = live();
    const pool = new LayerPool({ core, initial: 4 });
    const [a, b, c] = [unique(), unique(), unique()];
    const h1 = pool.acquire();
    pool.setDigest(h1, a);
    pool.setDiffId(h1, b);
    expect(live()).toBe(before + 2);
    pool.setDigest(h1, c); // replaces a: a had no other holder
    expect(live()).toBe(before + 2);
    expect(pool.digest(h1)).toBe(c);
    pool.templateFrom(20, h1); // the template holds c and b too
    const h2 = pool.acquire(20);
    expect(pool.digest(h2)).toBe(c);
    pool.release(h1);
    pool.release(h2);
    expect(live()).toBe(before + 2); // the template still names them
    pool.clearTemplate(20);
    expect(live()).toBe(before);
    const h3 = pool.acquire();
    pool.setDigest(h3, a);
    pool.free();
    expect(live()).toBe(before);
    expect(core.exports.digestCheck()).toBe(0);
  });

  it("a cache of 16 entries reserves about a kilobyte, not a batch-sized event log", () => {
    const before = core.exports.coreReserved();
    const c = new MetadataCache({ max: 16, core });
    const bytes = core.exports.coreReserved() - before;
    c.free();
    expect(bytes).toBeLessThan(2048);
    expect(core.exports.coreReserved()).toBe(before);
  });
});
