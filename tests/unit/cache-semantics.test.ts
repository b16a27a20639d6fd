// MetadataCache behaviour, rule by rule as its docs state them: TTL, dispose reasons,
// batches (including more keys than one crossing holds), sha512 keys, stats, evictOldest,
// iteration order and free(). Expected answers are worked out by hand or come from the
// Map-based reference LRU (tests/helpers/ref-lru.ts), never read back from the cache.

import { afterEach, describe, expect, it, vi } from "vitest";
import { MetadataCache, parseDigest } from "../../src/node.js";
import type { DigestLike, DisposeReason } from "../../src/node.js";
import { debug, digestOf, release } from "../helpers/core.js";
import { RefLru } from "../helpers/ref-lru.js";
import type { DisposeCall } from "../helpers/ref-lru.js";

const sha512Of = (n: number) => "sha512:" + n.toString(16).padStart(128, "0");
const keysOf = <V>(c: MetadataCache<V>) => [...c.keys()];

/** A cache on `core` recording dispose calls, with a settable clock when ttl is given. */
function recording<V>(options: { max: number; maxBytes?: number; ttl?: number }, core = debug) {
  const clock = { now: 0 };
  const seen: DisposeCall[] = [];
  const cache = new MetadataCache<V>({
    ...options,
    ...(options.ttl ? { now: () => clock.now } : {}),
    dispose: (v: V, k: string, why: DisposeReason) => {
      seen.push([v, k, why]);
    },
    core,
  });
  return { cache, seen, clock };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each([
  ["debug", debug],
  ["release", release],
])("MetadataCache on the %s core", (_name, core) => {
  describe("TTL", () => {
    it("hides an expired entry from get, peek, has and iteration, and removes it when touched", () => {
      const { cache: c, seen, clock } = recording<string>({ max: 4, ttl: 10 }, core);
      c.set(digestOf(1), "a").set(digestOf(2), "b");
      clock.now = 9;
      expect(c.peek(digestOf(1))).toBe("a");
      clock.now = 10; // expiry is inclusive: set at 0 with ttl 10 is stale at 10
      expect(keysOf(c)).toEqual([]);
      expect(c.size, "iteration does not remove; size still counts both").toBe(2);
      expect(c.peek(digestOf(1))).toBeUndefined();
      expect(c.size, "peek reached it and removed it").toBe(1);
      expect(c.has(digestOf(2))).toBe(false);
      expect(c.size).toBe(0);
      expect(seen).toEqual([
        ["a", digestOf(1), "expired"],
        ["b", digestOf(2), "expired"],
      ]);
      expect(c.stats.expirations).toBe(2);
      expect([c.stats.hits, c.stats.misses], "peek and has count no hits or misses").toEqual([0, 0]);
      c.checkInvariants();
    });

    it("gives a per-entry ttl: Infinity entry no expiry, and a per-entry ttl overrides the default", () => {
      const { cache: c, clock } = recording<string>({ max: 4, ttl: 10 }, core);
      c.set(digestOf(1), "digest answer", { ttl: Infinity }).set(digestOf(2), "tag answer").set(digestOf(3), "long", { ttl: 1000 });
      clock.now = Number.MAX_SAFE_INTEGER / 2;
      expect(c.get(digestOf(1))).toBe("digest answer");
      expect(c.get(digestOf(2))).toBeUndefined();
      expect(c.get(digestOf(3))).toBeUndefined();
      clock.now = 500;
      expect(c.purgeStale()).toBe(0);
      expect(keysOf(c)).toEqual([digestOf(1)]);
    });

    it("treats a set over an expired entry as expiry plus insert, and delete of one as absent", () => {
      const { cache: c, seen, clock } = recording<string>({ max: 4, ttl: 10 }, core);
      c.set(digestOf(1), "old").set(digestOf(2), "b");
      clock.now = 20;
      c.set(digestOf(1), "new");
      expect(c.delete(digestOf(2)), "an expired entry is not there to delete").toBe(false);
      expect(seen).toEqual([
        ["old", digestOf(1), "expired"],
        ["b", digestOf(2), "expired"],
      ]);
      expect(c.stats).toMatchObject({ sets: 3, deletes: 0, expirations: 2, entries: 1 });
      expect(c.get(digestOf(1))).toBe("new");
      c.checkInvariants();
    });

    it("reports a stale least-recent entry pushed out by a set as expired, not evicted", () => {
      const { cache: c, seen, clock } = recording<string>({ max: 2, ttl: 100 }, core);
      c.set(digestOf(1), "short", { ttl: 5 }).set(digestOf(2), "b");
      clock.now = 50;
      c.set(digestOf(3), "c");
      expect(seen).toEqual([["short", digestOf(1), "expired"]]);
      expect(c.stats).toMatchObject({ evictions: 0, expirations: 1 });
    });

    it("evictOldest skips (and expires) stale entries to evict the oldest live one", () => {
      const { cache: c, seen, clock } = recording<string>({ max: 4, ttl: 100 }, core);
      c.set(digestOf(1), "a", { ttl: 5 }).set(digestOf(2), "b", { ttl: 5 }).set(digestOf(3), "c");
      clock.now = 10;
      expect(c.evictOldest()).toEqual([digestOf(3), "c"]);
      expect(c.evictOldest()).toBeUndefined();
      expect(seen).toEqual([
        ["a", digestOf(1), "expired"],
        ["b", digestOf(2), "expired"],
        ["c", digestOf(3), "evicted"],
      ]);
      c.checkInvariants();
    });

    it("clear disposes live entries as cleared and stale ones as expired, most recent first", () => {
      const { cache: c, seen, clock } = recording<string>({ max: 4, ttl: 100 }, core);
      c.set(digestOf(1), "a").set(digestOf(2), "b", { ttl: 5 }).set(digestOf(3), "c");
      clock.now = 10;
      c.clear();
      expect(seen).toEqual([
        ["c", digestOf(3), "cleared"],
        ["b", digestOf(2), "expired"],
        ["a", digestOf(1), "cleared"],
      ]);
      expect(c.stats).toMatchObject({ entries: 0, bytes: 0, expirations: 1 });
      c.checkInvariants();
    });

    it("costs nothing when off: the clock is never read", () => {
      const spy = vi.spyOn(Date, "now");
      const c = new MetadataCache<number>({ max: 2, core });
      c.set(digestOf(1), 1).set(digestOf(2), 2).set(digestOf(3), 3);
      c.get(digestOf(2));
      c.peek(digestOf(3));
      c.has(digestOf(1));
      c.delete(digestOf(3));
      c.getMany([digestOf(2)]);
      c.setMany([[digestOf(4), 4]]);
      c.evictOldest();
      Array.from(c.entries()); // iterating must not read the clock either
      c.clear();
      expect(c.purgeStale()).toBe(0);
      expect(spy).not.toHaveBeenCalled();
    });

    it("reads Date.now when TTL is on and no clock is given", () => {
      const spy = vi.spyOn(Date, "now").mockReturnValue(1000);
      const c = new MetadataCache<number>({ max: 2, ttl: 50, core });
      c.set(digestOf(1), 1);
      spy.mockReturnValue(1049);
      expect(c.get(digestOf(1))).toBe(1);
      spy.mockReturnValue(1050);
      expect(c.get(digestOf(1))).toBeUndefined();
    });
  });

  describe("dispose", () => {
    it("is told each reason with the right key and value, for string and handle keys", () => {
      const { cache: c, seen } = recording<string>({ max: 2 }, core);
      const h = parseDigest(sha512Of(9), core);
      c.set(h, "x").set(digestOf(1), "a");
      c.set(digestOf(2), "b"); // evicts h
      c.set(digestOf(1), "A"); // replaced
      c.set(digestOf(1), "A"); // the same value: nothing
      c.delete(digestOf(2)); // deleted
      c.set(h, "y");
      c.clear(); // cleared, most recent first
      expect(seen).toEqual([
        ["x", sha512Of(9), "evicted"],
        ["a", digestOf(1), "replaced"],
        ["b", digestOf(2), "deleted"],
        ["y", sha512Of(9), "cleared"],
        ["A", digestOf(1), "cleared"],
      ]);
    });

    it("on an update that grows past maxBytes: replaced first, then the evictions it caused", () => {
      const { cache: c, seen } = recording<string>({ max: 8, maxBytes: 10 }, core);
      c.set(digestOf(1), "a", { size: 4 }).set(digestOf(2), "b", { size: 4 });
      c.set(digestOf(2), "B", { size: 9 });
      expect(seen).toEqual([
        ["b", digestOf(2), "replaced"],
        ["a", digestOf(1), "evicted"],
      ]);
      expect(c.bytes).toBe(9);
    });

    it("in setMany, interleaves with the sets in order, even when a slot is reused within the batch", () => {
      const { cache: c, seen } = recording<number>({ max: 1 }, core);
      c.setMany([
        [digestOf(1), 1],
        [digestOf(2), 2],
        [digestOf(1), 3],
        [digestOf(1), 4],
      ]);
      expect(seen).toEqual([
        [1, digestOf(1), "evicted"],
        [2, digestOf(2), "evicted"],
        [3, digestOf(1), "replaced"],
      ]);
      expect([...c.entries()]).toEqual([[digestOf(1), 4]]);
      c.checkInvariants();
    });
  });

  describe("batches", () => {
    /** n keys of one kind as [key as passed, its digest string]. */
    const kinds: [string, (i: number) => [DigestLike, string]][] = [
      ["sha256 strings", (i) => [digestOf(i), digestOf(i)]],
      ["sha512 strings", (i) => [sha512Of(i), sha512Of(i)]],
      ["handles", (i) => [parseDigest(digestOf(i), core), digestOf(i)]],
      // sha256 and sha512, each as a string and as a handle
      [
        "mixed",
        (i) => {
          const d = i % 4 < 2 ? digestOf(i) : sha512Of(i);
          return [i % 2 ? parseDigest(d, core) : d, d];
        },
      ],
    ];

    it.each(kinds)("over 2048 %s agree with the same single calls on a reference LRU", (_kind, make) => {
      const pairs = Array.from({ length: 5000 }, (_, i) => make(i + 1));
      const keys = pairs.map((p) => p[0]);
      const { cache: c, seen } = recording<number>({ max: 3000, maxBytes: 3000 * 7 }, core);
      const ref = new RefLru({ max: 3000, maxBytes: 3000 * 7 });
      c.setMany(pairs.map(([k], i) => [k, i, (i % 10) + 1] as const));
      pairs.forEach(([, d], i) => ref.set(d, i, (i % 10) + 1));
      const probe = [...pairs].reverse();
      expect(c.getMany(probe.map((p) => p[0]))).toEqual(probe.map(([, d]) => ref.get(d)));
      expect(c.hasMany(keys)).toEqual(pairs.map(([, d]) => ref.has(d)));
      expect([...c.entries()]).toEqual(ref.entries());
      expect(seen).toEqual(ref.disposed);
      expect(c.stats).toEqual(ref.stats);
      c.checkInvariants();
    });

    it("stop at the first refused key: the keys before it took effect, none after", () => {
      const c = new MetadataCache<number>({ max: 5000, core });
      const entries = Array.from({ length: 4000 }, (_, i) => [digestOf(i + 1), i] as [string, number]);
      entries[3000][0] = "sha256:nope";
      expect(() => c.setMany(entries)).toThrow(/sha256:nope/);
      expect(c.size).toBe(3000);
      expect(c.has(digestOf(3000))).toBe(true);
      expect(c.has(digestOf(3002))).toBe(false);
      const keys = entries.map((e) => e[0]);
      c.resetStats();
      expect(() => c.getMany(keys)).toThrow(/sha256:nope/);
      expect(c.stats).toMatchObject({ hits: 3000, misses: 0 });
      const h = parseDigest(digestOf(1), core);
      expect(() => c.getMany([h, h, 0x7ffffff0 as typeof h, h])).toThrow(/not a digest handle/);
      expect(c.stats.hits).toBe(3002);
      c.checkInvariants();
    });

    it("with an empty list do nothing", () => {
      const c = new MetadataCache<number>({ max: 2, core });
      expect(c.getMany([])).toEqual([]);
      expect(c.hasMany([])).toEqual([]);
      c.setMany([]);
      expect(c.stats).toMatchObject({ hits: 0, misses: 0, sets: 0 });
    });
  });

  describe("sha512 keys", () => {
    it("work in a cache that held only sha256 keys so far (the tail region is reserved lazily)", () => {
      const { cache: c, seen } = recording<string>({ max: 3 }, core);
      c.set(digestOf(1), "a");
      const twinA = "sha512:" + "ab".repeat(32) + "0".repeat(64);
      const twinB = "sha512:" + "ab".repeat(32) + "0".repeat(63) + "1"; // same first 32 bytes
      c.set(twinA, "A").set(twinB, "B");
      expect([c.get(twinA), c.get(twinB), c.get("sha256:" + "ab".repeat(32))]).toEqual(["A", "B", undefined]);
      expect(keysOf(c)).toEqual([twinB, twinA, digestOf(1)]);
      c.set(digestOf(2), "c");
      expect(seen).toEqual([["a", digestOf(1), "evicted"]]);
      c.set(digestOf(3), "d");
      expect(seen[1]).toEqual(["A", twinA, "evicted"]);
      expect(c.delete(parseDigest(twinB, core))).toBe(true);
      expect(seen[2]).toEqual(["B", twinB, "deleted"]);
      c.checkInvariants();
    });
  });

  describe("stats, evictOldest, iteration", () => {
    it("count hits, misses, sets, deletes, evictions; hitRate; resetStats keeps the contents", () => {
      const c = new MetadataCache<number>({ max: 2, maxBytes: 100, core });
      expect(c.stats.hitRate).toBe(0);
      c.set(digestOf(1), 1, { size: 3 }).set(digestOf(2), 2, { size: 4 });
      c.get(digestOf(1));
      c.get(digestOf(1));
      c.get(digestOf(9));
      c.getMany([digestOf(2), digestOf(8)]);
      c.peek(digestOf(2));
      c.has(digestOf(7));
      c.set(digestOf(3), 3, { size: 5 }); // evicts 1: the getMany made 2 more recent
      c.delete(digestOf(2));
      c.delete(digestOf(2));
      c.evictOldest(); // evicts 3
      c.set(digestOf(4), 4, { size: 5 });
      expect(c.stats).toEqual({
        hits: 3,
        misses: 2,
        sets: 4,
        deletes: 1,
        evictions: 2,
        expirations: 0,
        entries: 1,
        bytes: 5,
        hitRate: 0.6,
      });
      c.resetStats();
      expect(c.stats).toEqual({ hits: 0, misses: 0, sets: 0, deletes: 0, evictions: 0, expirations: 0, entries: 1, bytes: 5, hitRate: 0 });
    });

    it("evictOldest returns [key, value] of the least recent entry, as a string even when set by handle", () => {
      const { cache: c, seen } = recording<number>({ max: 3 }, core);
      expect(c.evictOldest()).toBeUndefined();
      c.set(parseDigest(sha512Of(1), core), 1).set(digestOf(2), 2);
      c.get(sha512Of(1));
      expect(c.evictOldest()).toEqual([digestOf(2), 2]);
      expect(c.evictOldest()).toEqual([sha512Of(1), 1]);
      expect(c.evictOldest()).toBeUndefined();
      expect(seen).toEqual([
        [2, digestOf(2), "evicted"],
        [1, sha512Of(1), "evicted"],
      ]);
    });

    it("iterates most to least recent: keys(), values(), entries() and the iterator agree", () => {
      const c = new MetadataCache<number>({ max: 5, core });
      for (let i = 1; i <= 5; i++) c.set(digestOf(i), i);
      c.get(digestOf(2));
      c.set(digestOf(4), 40);
      c.peek(digestOf(1));
      const order = [digestOf(4), digestOf(2), digestOf(5), digestOf(3), digestOf(1)];
      expect(keysOf(c)).toEqual(order);
      expect([...c.values()]).toEqual([40, 2, 5, 3, 1]);
      expect([...c]).toEqual([...c.entries()]);
    });

    it("free() then a new cache: memory is reused and both behave", () => {
      for (let round = 0; round < 10; round++) {
        const c = new MetadataCache<number>({ max: 1000, maxBytes: 1e6, ttl: 1e9, core });
        for (let i = 0; i < 1000; i++) c.set(sha512Of(i + round), i, { size: 10 });
        expect(c.size).toBe(1000);
        c.checkInvariants();
        c.free();
      }
    });
  });
});
