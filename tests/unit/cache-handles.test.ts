// A handle hit is answered from the digest table's hint, which names a cache (by id) and its
// slot holding the digest (assembly/lru.ts). These cases reuse slots on both sides, the
// cache's and the digest table's, and cache ids, and check that a handle never reads another
// digest's value through a hint.
import { describe, expect, it } from "vitest";
import { MetadataCache, parseDigest, releaseDigest } from "../../src/node.js";
import { debug, release, digestOf } from "../helpers/core.js";

describe.each([
  ["debug", debug],
  ["release", release],
])("MetadataCache handle hints (%s core)", (_name, core) => {
  it("answers a handle whose cache slot was evicted and reused as a miss", () => {
    const c = new MetadataCache<string>({ max: 2, core });
    const a = parseDigest(digestOf(0xa1), core);
    c.set(a, "a");
    expect(c.get(a)).toBe("a"); // the hint now names a's slot
    // Two new keys evict a; its slot goes to one of them.
    c.set(digestOf(0xb2), "b").set(digestOf(0xc3), "c");
    expect(c.has(digestOf(0xa1))).toBe(false);
    expect(c.get(a)).toBeUndefined();
    expect(c.peek(a)).toBeUndefined();
    expect(c.has(a)).toBe(false);
    expect([...c.values()].sort()).toEqual(["b", "c"]);
    c.checkInvariants();
    releaseDigest(a, core);
    c.free();
  });

  it("does not answer a handle from a new cache that took a freed cache's id and slots", () => {
    const h = parseDigest(digestOf(0x5005), core);
    const old = new MetadataCache<string>({ max: 4, core });
    old.set(h, "old");
    expect(old.get(h)).toBe("old"); // the hint names old's slot
    old.free();
    // A new cache of the same size takes the freed id; every slot gets another key.
    const next = new MetadataCache<string>({ max: 4, core });
    for (let i = 0; i < 4; i++) next.set(digestOf(0x6000 + i), `n${i}`);
    expect(next.get(h)).toBeUndefined();
    expect(next.has(h)).toBe(false);
    next.set(h, "next");
    expect(next.get(h)).toBe("next");
    next.checkInvariants();
    next.free();
    releaseDigest(h, core);
  });

  it("answers handles in more caches than there are hint ids (the rest probe the table)", () => {
    const h = parseDigest(digestOf(0x7007), core);
    const caches = Array.from({ length: 300 }, (_, i) => new MetadataCache<number>({ max: 2, core }).set(h, i));
    for (let round = 0; round < 2; round++) caches.forEach((c, i) => expect(c.get(h)).toBe(i));
    for (const c of caches) {
      c.set(digestOf(0x8001), -1).set(digestOf(0x8002), -2); // evicts h
      expect(c.get(h)).toBeUndefined();
      c.checkInvariants();
      c.free();
    }
    releaseDigest(h, core);
  });

  it("does not give a released digest's value to the digest that took its table slot", () => {
    const c = new MetadataCache<string>({ max: 8, core });
    const first = parseDigest(digestOf(0x1001), core);
    c.set(first, "first");
    expect(c.get(first)).toBe("first");
    releaseDigest(first, core);
    // Intern new digests until one lands in the released table slot (freed slots are reused
    // first in, first out, so it may take a few); none may see "first".
    const others = [];
    for (let i = 0; i < 4096; i++) {
      const h = parseDigest(digestOf(0x2000 + i), core);
      others.push(h);
      expect(c.get(h)).toBeUndefined();
      if ((h & 0xffffff) === (first & 0xffffff)) break;
    }
    expect(others.some((h) => (h & 0xffffff) === (first & 0xffffff))).toBe(true);
    // The entry itself is still there under its string.
    expect(c.get(digestOf(0x1001))).toBe("first");
    c.checkInvariants();
    for (const h of others) releaseDigest(h, core);
    c.free();
  });

  it("keeps each cache's own value when two caches hold one digest in different slots", () => {
    const small = new MetadataCache<string>({ max: 4, core });
    const large = new MetadataCache<string>({ max: 64, core });
    const h = parseDigest(digestOf(0x3003), core);
    for (let i = 0; i < 10; i++) large.set(digestOf(0x4000 + i), `l${i}`);
    small.set(h, "small");
    large.set(h, "large");
    // Each lookup through the handle moves the hint; both answers must stay right.
    for (let round = 0; round < 3; round++) {
      expect(small.get(h)).toBe("small");
      expect(large.get(h)).toBe("large");
    }
    small.delete(h);
    expect(small.get(h)).toBeUndefined();
    expect(large.get(h)).toBe("large");
    small.checkInvariants();
    large.checkInvariants();
    releaseDigest(h, core);
    small.free();
    large.free();
  });

  it("finds by handle an entry stored by string, and by string one stored by handle", () => {
    const c = new MetadataCache<number>({ max: 16, core });
    const handles = [];
    for (let i = 0; i < 16; i++) {
      const h = parseDigest(digestOf(0x5000 + i), core);
      handles.push(h);
      if (i % 2) c.set(h, i);
      else c.set(digestOf(0x5000 + i), i);
    }
    for (let round = 0; round < 2; round++)
      for (let i = 0; i < 16; i++) {
        expect(c.get(handles[i])).toBe(i);
        expect(c.get(digestOf(0x5000 + i))).toBe(i);
      }
    c.checkInvariants();
    for (const h of handles) releaseDigest(h, core);
    c.free();
  });

  it("agrees with get-then-set by string on a churning trace through handles", () => {
    const byHandle = new MetadataCache<number>({ max: 37, core });
    const byString = new MetadataCache<number>({ max: 37, core });
    const handles = Array.from({ length: 200 }, (_, i) => parseDigest(digestOf(0x6000 + i), core));
    let seed = 12345;
    for (let op = 0; op < 5000; op++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      // Skewed: low keys far more often, so hits, misses and evictions all happen.
      const k = Math.floor(((seed >>> 8) / 2 ** 24) ** 3 * 200);
      const a = byHandle.get(handles[k]);
      const b = byString.get(digestOf(0x6000 + k));
      expect(a).toBe(b);
      if (a === undefined) {
        byHandle.set(handles[k], op);
        byString.set(digestOf(0x6000 + k), op);
      }
    }
    expect([...byHandle.entries()]).toEqual([...byString.entries()]);
    byHandle.checkInvariants();
    for (const h of handles) releaseDigest(h, core);
    byHandle.free();
    byString.free();
  });
});
