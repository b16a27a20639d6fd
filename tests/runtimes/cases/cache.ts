// Known answers for the MetadataCache, run unchanged in every runtime.
//
// Expected values are worked out by hand from LRU semantics, not read back from the
// implementation: recency order after each step, who gets evicted, what the stats count.
// Every case ends with checkInvariants() on the cache it used (links, table, free list and
// byte totals agree in the core).

import { equal, ok, rejects, throws } from "./assert.js";
import type { MetadataCache, MetadataCacheOptions } from "../../../src/index.js";
import type { CaseContext, KnownAnswerCase, Lib } from "./types.js";

/** A valid sha256 digest string for a small integer: "sha256:000…0<hex n>". */
export function sha256(n: number): string {
  return "sha256:" + n.toString(16).padStart(64, "0");
}

/** A valid sha512 digest string for a small integer. */
export function sha512(n: number): string {
  return "sha512:" + n.toString(16).padStart(128, "0");
}

/** Keys as the small integers they were made from, most recent first. */
function order(cache: { keys(): Iterable<string> }): number[] {
  return [...cache.keys()].map((k) => parseInt(k.slice(k.indexOf(":") + 1), 16));
}

/** A cache on the core this pass runs on. */
function cacheOf<V>(lib: Lib, ctx: CaseContext, options: Omit<MetadataCacheOptions<V>, "core">): MetadataCache<V> {
  return new lib.MetadataCache<V>({ ...options, core: ctx.core });
}

export const cacheCases: KnownAnswerCase[] = [
  {
    name: "cache: init() is idempotent and loads the core the default cache uses",
    async run(lib, ctx) {
      const a = await ctx.init();
      const b = await ctx.init();
      ok(a === b, "two init() calls give the same Core");
      ok(lib.getDefaultCore() === a, "init() makes its core the default");
      equal(a.exports.abiVersion(), lib.EXPECTED_ABI, "ABI version");
      equal(a.debug, false, "init() without options loads the release build");
      const c = new lib.MetadataCache<string>({ max: 2 });
      c.set(sha256(1), "one");
      equal(c.get(sha256(1)), "one", "a cache on the default core works");
      c.checkInvariants();
      c.free();
      equal(ctx.core.debug, ctx.build === "debug", "the pass runs on the build it names");
    },
  },
  {
    name: "cache: insertion order and least-recent eviction",
    run(lib, ctx) {
      const c = cacheOf<string>(lib, ctx, { max: 3 });
      c.set(sha256(1), "a").set(sha256(2), "b").set(sha256(3), "c");
      equal(order(c), [3, 2, 1], "most recent first after three sets");
      c.set(sha256(4), "d");
      equal(order(c), [4, 3, 2], "the fourth set evicts the oldest");
      equal(c.has(sha256(1)), false, "evicted key is gone");
      equal(c.size, 3, "size stays at max");
      const oldest = c.evictOldest();
      equal(oldest, [sha256(2), "b"], "evictOldest returns the least recent entry");
      equal(order(c), [4, 3], "order after evictOldest");
      equal([...c.values()], ["d", "c"], "values() follow the same order");
      equal(
        [...c.entries()],
        [
          [sha256(4), "d"],
          [sha256(3), "c"],
        ],
        "entries() pairs keys and values",
      );
      c.checkInvariants();
      equal(cacheOf(lib, ctx, { max: 1 }).evictOldest(), undefined, "evictOldest on an empty cache");
    },
  },
  {
    name: "cache: get marks recent, peek and has do not",
    run(lib, ctx) {
      const c = cacheOf<string>(lib, ctx, { max: 3 });
      c.set(sha256(1), "a").set(sha256(2), "b").set(sha256(3), "c");
      equal(c.get(sha256(1)), "a", "get returns the value");
      equal(order(c), [1, 3, 2], "get moves the key to the front");
      equal(c.peek(sha256(2)), "b", "peek returns the value");
      equal(c.has(sha256(2)), true, "has finds the key");
      equal(order(c), [1, 3, 2], "peek and has leave the order alone");
      c.set(sha256(4), "d");
      equal(order(c), [4, 1, 3], "so the peeked key is the one evicted");
      equal(c.peek(sha256(2)), undefined, "peek of an absent key");
      equal(c.get(sha256(99)), undefined, "get of an absent key");
      const s = c.stats;
      equal([s.hits, s.misses], [1, 1], "only get counts hits and misses");
      c.checkInvariants();
    },
  },
  {
    name: "cache: update replaces the value in place and makes it most recent",
    run(lib, ctx) {
      const c = cacheOf<string>(lib, ctx, { max: 3 });
      c.set(sha256(1), "a").set(sha256(2), "b").set(sha256(3), "c");
      c.set(sha256(1), "A");
      equal(order(c), [1, 3, 2], "updated key moves to the front");
      equal(c.size, 3, "an update does not add an entry");
      equal(c.peek(sha256(1)), "A", "the new value is stored");
      c.set(sha256(5), "e");
      equal(order(c), [5, 1, 3], "the untouched oldest key is evicted");
      c.checkInvariants();
    },
  },
  {
    name: "cache: digest handles and strings name the same entry",
    run(lib, ctx) {
      const c = cacheOf<number>(lib, ctx, { max: 4 });
      const h1 = lib.parseDigest(sha256(1), ctx.core);
      equal(lib.parseDigest(sha256(1), ctx.core), h1, "parsing the same digest twice gives the same handle");
      equal(lib.formatDigest(h1, ctx.core), sha256(1), "a handle formats back to its digest");
      c.set(h1, 1);
      equal(c.get(sha256(1)), 1, "set by handle, get by string");
      c.set(sha512(2), 2);
      const h2 = lib.parseDigest(sha512(2), ctx.core);
      equal(c.get(h2), 2, "set by string (sha512), get by handle");
      equal(lib.formatDigest(h2, ctx.core), sha512(2), "sha512 handle formats back");
      // sha256:…01 and sha512:…01 share their first bytes but are different keys.
      c.set(sha512(1), 3);
      equal([c.get(h1), c.get(sha512(1))], [1, 3], "same leading hex, different algorithm");
      equal(c.delete(h1), true, "delete by handle");
      equal(c.has(sha256(1)), false, "gone for the string too");
      equal(c.hasMany([h2, sha512(1), sha256(1)]), [true, true, false], "hasMany mixes handles and strings");
      equal(order(c), [1, 2], "order of the remaining sha512 keys");
      equal([...c.keys()], [sha512(1), sha512(2)], "keys() yields digest strings");
      c.checkInvariants();
    },
  },
  {
    name: "cache: byte budget evicts least recent until the entry fits",
    run(lib, ctx) {
      const c = cacheOf<string>(lib, ctx, { max: 10, maxBytes: 100 });
      c.set(sha256(1), "a", { size: 40 }).set(sha256(2), "b", { size: 40 });
      equal(c.bytes, 80, "bytes add up");
      c.set(sha256(3), "c", { size: 40 });
      equal(order(c), [3, 2], "third 40-byte entry evicts the first");
      equal(c.bytes, 80, "bytes after eviction");
      c.set(sha256(2), "B", { size: 10 });
      equal(c.bytes, 50, "an update replaces the old size");
      c.set(sha256(4), "d", { size: 50 });
      equal([order(c), c.bytes], [[4, 2, 3], 100], "exactly at the budget evicts nothing");
      c.set(sha256(5), "e", { size: 100 });
      equal([order(c), c.bytes], [[5], 100], "an entry of maxBytes evicts all others");
      throws(
        () => c.set(sha256(6), "f", { size: 101 }),
        { type: lib.CapacityError, code: "CAPACITY", message: sha256(6) },
        "an entry over maxBytes",
      );
      equal([order(c), c.bytes], [[5], 100], "the refused entry changed nothing");
      equal(c.stats.evictions, 4, "evictions counted");
      const sized = cacheOf<string>(lib, ctx, { max: 4, maxBytes: 10, sizeOf: (v) => v.length });
      sized.set(sha256(1), "abcd").set(sha256(2), "efgh").set(sha256(3), "ij");
      equal([order(sized), sized.bytes], [[3, 2, 1], 10], "sizeOf measures values when set() gives no size");
      sized.set(sha256(4), "k");
      equal([order(sized), sized.bytes], [[4, 3, 2], 7], "one byte over the budget evicts the oldest");
      c.checkInvariants();
      sized.checkInvariants();
    },
  },
  {
    name: "cache: TTL with an injected clock; ttl Infinity never expires",
    run(lib, ctx) {
      let now = 1_000;
      const gone: [string, string][] = [];
      const c = cacheOf<string>(lib, ctx, {
        max: 8,
        ttl: 100,
        now: () => now,
        dispose: (v, _k, reason) => {
          gone.push([v, reason]);
        },
      });
      c.set(sha256(1), "tag-answer");
      c.set(sha256(2), "digest-answer", { ttl: Infinity });
      c.set(sha256(3), "short", { ttl: 10 });
      now = 1_050;
      equal(c.get(sha256(1)), "tag-answer", "fresh before its ttl");
      equal(c.get(sha256(3)), undefined, "a per-entry ttl of 10 ms is over after 50");
      equal(order(c), [1, 2], "the expired entry left the list");
      now = 1_101;
      equal(
        order(c),
        [2, 1].filter((n) => n === 2),
        "iteration skips expired entries",
      );
      equal(c.has(sha256(1)), false, "stale after its ttl");
      now = 1e12;
      equal(c.get(sha256(2)), "digest-answer", "ttl: Infinity never goes stale");
      c.set(sha256(4), "x");
      now += 200;
      equal(c.purgeStale(), 1, "purgeStale removes what expired since");
      equal(order(c), [2], "only the immortal entry is left");
      const s = c.stats;
      equal([s.expirations, s.hits, s.misses], [3, 2, 1], "expirations, hits and misses");
      equal(
        gone,
        [
          ["short", "expired"],
          ["tag-answer", "expired"],
          ["x", "expired"],
        ],
        "dispose saw each expiry",
      );
      c.checkInvariants();
    },
  },
  {
    name: "cache: batch calls match their one-key equivalents",
    run(lib, ctx) {
      const c = cacheOf<number>(lib, ctx, { max: 4 });
      const h3 = lib.parseDigest(sha256(3), ctx.core);
      c.setMany([
        [sha256(1), 1],
        [sha256(2), 2],
        [h3, 3],
      ]);
      equal(order(c), [3, 2, 1], "setMany inserts in order");
      equal(c.getMany([sha256(1), sha256(9), h3]), [1, undefined, 3], "getMany with a miss, strings and a handle");
      equal(order(c), [3, 1, 2], "getMany marks each hit recent, in order");
      equal(c.hasMany([sha256(2), sha256(9)]), [true, false], "hasMany");
      equal(order(c), [3, 1, 2], "hasMany leaves the order alone");
      c.setMany([
        [sha256(4), 4],
        [sha256(5), 5],
        [sha256(1), 10],
      ]);
      equal(order(c), [1, 5, 4, 3], "setMany evicts the least recent as it goes");
      equal(c.peek(sha256(1)), 10, "setMany updates an existing key");
      const s = c.stats;
      equal([s.hits, s.misses, s.sets, s.evictions], [2, 1, 6, 1], "stats count batch calls per key");
      c.checkInvariants();
    },
  },
  {
    name: "cache: stats count every operation and reset to zero",
    run(lib, ctx) {
      const c = cacheOf<string>(lib, ctx, { max: 2, maxBytes: 1000 });
      c.set(sha256(1), "a", { size: 5 }).set(sha256(2), "b", { size: 7 });
      c.get(sha256(1));
      c.get(sha256(1));
      c.get(sha256(2));
      c.get(sha256(3));
      c.set(sha256(3), "c", { size: 11 });
      c.delete(sha256(2));
      c.delete(sha256(2));
      equal(
        c.stats,
        {
          hits: 3,
          misses: 1,
          sets: 3,
          deletes: 1,
          evictions: 1,
          expirations: 0,
          entries: 1,
          bytes: 11,
          hitRate: 0.75,
        },
        "stats after a known sequence",
      );
      c.resetStats();
      equal(
        c.stats,
        {
          hits: 0,
          misses: 0,
          sets: 0,
          deletes: 0,
          evictions: 0,
          expirations: 0,
          entries: 1,
          bytes: 11,
          hitRate: 0,
        },
        "counters reset, contents stay",
      );
      c.checkInvariants();
    },
  },
  {
    name: "cache: dispose is told why each value left",
    run(lib, ctx) {
      const seen: [string, string, number][] = [];
      let now = 0;
      const c = cacheOf<string>(lib, ctx, {
        max: 2,
        ttl: 1000,
        now: () => now,
        dispose: (v, k, reason) => {
          seen.push([v, reason, parseInt(k.slice(7), 16)]);
        },
      });
      c.set(sha256(1), "a").set(sha256(2), "b");
      c.set(sha256(3), "c"); // evicts 1
      c.set(sha256(2), "B"); // replaces b
      c.set(sha256(2), "B"); // same value: nothing to dispose
      c.delete(sha256(3)); // deleted
      c.set(sha256(4), "d", { ttl: 5 });
      now = 10;
      c.get(sha256(4)); // expired
      c.set(sha256(5), "e");
      c.evictOldest(); // evicts B (2)
      c.set(sha256(6), "f");
      c.clear(); // clears e and f, most recent first
      equal(
        seen,
        [
          ["a", "evicted", 1],
          ["b", "replaced", 2],
          ["c", "deleted", 3],
          ["d", "expired", 4],
          ["B", "evicted", 2],
          ["f", "cleared", 6],
          ["e", "cleared", 5],
        ],
        "dispose calls in order, with value, reason and key",
      );
      equal(c.size, 0, "empty after clear");
      c.set(sha256(7), "g").set(sha256(8), "h").set(sha256(9), "i");
      equal(order(c), [9, 8], "capacity is reusable after clear");
      c.checkInvariants();
    },
  },
  {
    name: "cache: every refused input raises its typed error, quoting the input",
    async run(lib, ctx) {
      const c = cacheOf<number>(lib, ctx, { max: 2 });
      const refused: [string, string][] = [
        ["", "empty"],
        ["sha256", "format"],
        ["sha256:", "length"],
        ["md5:" + "a".repeat(32), "algorithm"],
        ["SHA256:" + "a".repeat(64), "algorithm"],
        ["sha256:" + "a".repeat(63), "length"],
        ["sha256:" + "a".repeat(65), "length"],
        ["sha512:" + "a".repeat(64), "length"],
        ["sha256:" + "A".repeat(64), "hex"],
        ["sha256:" + "g".repeat(64), "hex"],
        ["sha256:" + "\u00e1".repeat(64), "hex"],
        ["sha256:" + "a".repeat(500), "length"],
      ];
      for (const [input, reason] of refused) {
        const quoted = JSON.stringify(input.slice(0, 40)).slice(0, -1);
        const expected = { type: lib.InvalidDigestError, code: "INVALID_DIGEST", props: { reason, input }, message: quoted };
        const what = `${JSON.stringify(input.slice(0, 20))} (${reason})`;
        throws(() => c.set(input, 1), expected, `set ${what}`);
        throws(() => c.get(input), expected, `get ${what}`);
        throws(() => c.peek(input), expected, `peek ${what}`);
        throws(() => c.has(input), expected, `has ${what}`);
        throws(() => c.delete(input), expected, `delete ${what}`);
        throws(() => c.getMany([sha256(1), input]), expected, `getMany ${what}`);
        throws(() => c.hasMany([input]), expected, `hasMany ${what}`);
        // A batch acts like the single calls in a loop: keys before the refused one are set,
        // keys after it are not.
        throws(
          () =>
            c.setMany([
              [sha256(10), 10],
              [input, 2],
              [sha256(11), 11],
            ]),
          expected,
          `setMany ${what}`,
        );
        equal(c.hasMany([sha256(10), sha256(11)]), [true, false], `setMany ${what} stopped at the refused key`);
        c.delete(sha256(10));
        throws(() => lib.parseDigest(input, ctx.core), expected, `parseDigest ${what}`);
        throws(() => lib.validateDigest(input, ctx.core), expected, `validateDigest ${what}`);
        equal(lib.isDigest(input, ctx.core), false, `isDigest ${what}`);
        ok(lib.InvalidDigestError.prototype instanceof lib.LayerlensError, "InvalidDigestError is a LayerlensError");
      }
      equal(lib.isDigest(sha256(1), ctx.core), true, "isDigest accepts a good digest");
      equal(lib.validateDigest(sha512(1), ctx.core), sha512(1), "validateDigest returns a good digest");
      const bad = 0x7ffffff0 as ReturnType<Lib["parseDigest"]>;
      throws(() => c.get(bad), { type: lib.CoreError, code: "BAD_HANDLE" }, "a number that is no handle");
      throws(() => c.set(bad, 1), { type: lib.CoreError, code: "BAD_HANDLE" }, "set with a number that is no handle");
      const budget = cacheOf<number>(lib, ctx, { max: 2, maxBytes: 8 });
      throws(() => budget.set(sha256(1), 1, { size: 9 }), { type: lib.CapacityError, code: "CAPACITY" }, "over maxBytes");
      await rejects(() => lib.Core.fromModule({}), { type: lib.CoreError, code: "CORE_BAD_MODULE" }, "a Core from a non-Module");
      throws(
        () => lib.formatDigest(bad, ctx.core),
        { type: lib.CoreError, code: "BAD_HANDLE" },
        "formatDigest of a number that is no handle",
      );
      equal(c.size + budget.size, 0, "nothing was stored by any refused call");
      c.checkInvariants();
      budget.checkInvariants();
      const freed = cacheOf<number>(lib, ctx, { max: 2 });
      freed.set(sha256(1), 1);
      freed.free();
      throws(() => freed.get(sha256(1)), { type: lib.FreedError, code: "FREED" }, "get on a freed cache");
      throws(() => freed.set(sha256(2), 2), { type: lib.FreedError, code: "FREED" }, "set on a freed cache");
    },
  },
  {
    name: "core: a module of another ABI is refused (workerd: compiling bytes is refused first)",
    async run(lib) {
      // A hand-assembled module whose only export is abiVersion() returning 999.
      const bytes = new Uint8Array([
        0x00,
        0x61,
        0x73,
        0x6d,
        0x01,
        0x00,
        0x00,
        0x00, // magic, version 1
        0x01,
        0x05,
        0x01,
        0x60,
        0x00,
        0x01,
        0x7f, // type: () -> i32
        0x03,
        0x02,
        0x01,
        0x00, // one function of type 0
        0x07,
        0x0e,
        0x01,
        0x0a,
        ...Array.from("abiVersion", (ch) => ch.charCodeAt(0)),
        0x00,
        0x00,
        0x0a,
        0x07,
        0x01,
        0x05,
        0x00,
        0x41,
        0xe7,
        0x07,
        0x0b, // body: i32.const 999
      ]);
      let module: WebAssembly.Module;
      try {
        module = await WebAssembly.compile(bytes);
      } catch (e) {
        // workerd forbids run-time compilation, which is why src/worker.ts takes a Module.
        if (typeof navigator === "object" && navigator.userAgent === "Cloudflare-Workers") return;
        throw e;
      }
      await rejects(
        () => lib.Core.fromModule(module),
        { type: lib.CoreError, code: "CORE_ABI_MISMATCH", message: "ABI 999" },
        "a core of ABI 999",
      );
    },
  },
  {
    name: "cache: options are validated in the constructor",
    run(lib, ctx) {
      const bad: [string, object][] = [
        ["max 0", { max: 0 }],
        ["max 1.5", { max: 1.5 }],
        ["max missing", {}],
        ["negative maxBytes", { max: 1, maxBytes: -1 }],
        ["negative ttl", { max: 1, ttl: -5 }],
        ["sizeOf without maxBytes", { max: 1, sizeOf: () => 1 }],
        ["now without ttl", { max: 1, now: () => 0 }],
        ["dispose that is not a function", { max: 1, dispose: "yes" }],
      ];
      for (const [what, options] of bad) {
        throws(
          () => new lib.MetadataCache({ ...options, core: ctx.core } as unknown as MetadataCacheOptions<unknown>),
          { type: RangeError, message: "MetadataCache" },
          what,
        );
      }
      const sized = cacheOf<number>(lib, ctx, { max: 1, maxBytes: 10 });
      throws(() => sized.set(sha256(1), 1), { type: RangeError, message: "size" }, "set without a size under maxBytes");
      throws(() => sized.set(sha256(1), 1, { size: -1 }), { type: RangeError, message: "size" }, "a negative size");
      const plain = cacheOf<number>(lib, ctx, { max: 1 });
      throws(() => plain.set(sha256(1), 1, { ttl: 5 }), { type: RangeError, message: "ttl" }, "a per-entry ttl without the ttl option");
      throws(() => plain.set(sha256(1), 1, { size: 3 }), { type: RangeError, message: "maxBytes" }, "a size without the maxBytes option");
      throws(() => plain.getMany("sha256:" as unknown as string[]), { type: RangeError, message: "array" }, "getMany of a string");
      throws(() => plain.setMany({} as unknown as []), { type: RangeError, message: "array" }, "setMany of an object");
      equal(sized.size + plain.size, 0, "nothing stored");
    },
  },
  {
    name: "cache: invariants hold through a mixed workload",
    run(lib, ctx) {
      // Deterministic xorshift so every runtime replays the same operations.
      let x = 0x9e3779b9;
      const rnd = (n: number) => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return (x >>> 0) % n;
      };
      let now = 0;
      const c = cacheOf<number>(lib, ctx, { max: 64, maxBytes: 4096, ttl: 500, now: () => now });
      const model = new Map<number, number>(); // key -> size, to cross-check bytes
      for (let i = 0; i < 4000; i++) {
        const k = rnd(200) + 1;
        const op = rnd(10);
        if (op < 4) c.set(sha256(k), k, { size: rnd(128) });
        else if (op < 7) c.get(sha256(k));
        else if (op < 8) c.delete(sha256(k));
        else if (op < 9) c.getMany([sha256(k), sha256(rnd(200) + 1)]);
        else now += rnd(50);
        if (i % 100 === 0) c.checkInvariants();
      }
      c.checkInvariants();
      model.clear();
      for (const [k, v] of c.entries()) {
        equal(k, sha256(v), "each value sits under its own key");
        model.set(v, v);
      }
      ok(c.size <= 64 && c.bytes <= 4096, "budgets held");
      ok(model.size > 0, "the workload left entries");
    },
  },
  {
    // Last of the cache cases: a batch that overran the core's IO window (a bug this case
    // caught) corrupts the memory after it, so read failures in later cases with that in mind.
    name: "cache: batches larger than one IO window (5000 sha256 keys, 1000 sha512 keys)",
    run(lib, ctx) {
      const big = cacheOf<number>(lib, ctx, { max: 4096 });
      const keys = Array.from({ length: 5000 }, (_, i) => sha256(i + 1));
      big.setMany(keys.map((k, i) => [k, i + 1] as const));
      equal(big.size, 4096, "5000 sets into 4096 slots");
      const got = big.getMany(keys);
      equal(
        got.slice(0, 904).every((v) => v === undefined),
        true,
        "the first 904 were evicted",
      );
      equal(
        got.slice(904),
        Array.from({ length: 4096 }, (_, i) => i + 905),
        "the last 4096 are there",
      );
      const handles = keys.slice(-3).map((k) => lib.parseDigest(k, ctx.core));
      equal(big.getMany(handles), [4998, 4999, 5000], "getMany with handles only");
      equal(order(big).slice(0, 3), [5000, 4999, 4998], "the handle batch marked its keys recent");
      big.checkInvariants();
      const wide = cacheOf<number>(lib, ctx, { max: 1000 });
      const long = Array.from({ length: 1000 }, (_, i) => sha512(i + 1));
      wide.setMany(long.map((k, i) => [k, i + 1] as const));
      equal(
        wide.getMany(long),
        Array.from({ length: 1000 }, (_, i) => i + 1),
        "1000 sha512 keys round-trip",
      );
      equal(wide.hasMany([sha512(1000), sha512(1001)]), [true, false], "hasMany after the wide batch");
      wide.checkInvariants();
    },
  },
];
