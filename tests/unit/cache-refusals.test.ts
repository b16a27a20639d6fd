// Every input MetadataCache refuses: each raises its typed error, quotes what was refused,
// and leaves the cache as it was.

import { describe, expect, it } from "vitest";
import { CapacityError, CoreError, FreedError, MetadataCache, parseDigest } from "../../src/node.js";
import type { DigestLike, MetadataCacheOptions } from "../../src/node.js";
import { debug, digestOf } from "../helpers/core.js";
import { BAD_HANDLES, REFUSED_DIGESTS, expectDigestRefusal } from "../helpers/refusals.js";

/** What the API's type says a key is; the tests cast values it refuses at run time to it. */
type AnyKey = DigestLike;

/** The error f throws (fails the test when it throws nothing). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a throw");
}

/** A snapshot of everything observable, to show a refusal changed nothing. */
function snapshot<V>(c: MetadataCache<V>) {
  return { entries: [...c.entries()], stats: c.stats };
}

describe("MetadataCache refuses bad digests on every entry point", () => {
  const entryPoints: [string, (c: MetadataCache<number>, k: AnyKey) => unknown][] = [
    ["set", (c, k) => c.set(k, 1)],
    ["get", (c, k) => c.get(k)],
    ["peek", (c, k) => c.peek(k)],
    ["has", (c, k) => c.has(k)],
    ["delete", (c, k) => c.delete(k)],
    ["getMany", (c, k) => c.getMany([k])],
    ["hasMany", (c, k) => c.hasMany([k])],
    ["setMany", (c, k) => c.setMany([[k, 1]])],
  ];
  it.each(REFUSED_DIGESTS)("%j (%s)", (input, reason) => {
    const c = new MetadataCache<number>({ max: 4, core: debug });
    c.set(digestOf(1), 1);
    const before = snapshot(c);
    for (const [, call] of entryPoints) expectDigestRefusal(() => call(c, input as AnyKey), input, reason);
    expect(snapshot(c)).toEqual(before);
    c.checkInvariants();
  });
});

describe("MetadataCache refuses numbers that are not digest handles", () => {
  it.each(BAD_HANDLES)("%s", (h) => {
    const c = new MetadataCache<number>({ max: 4, maxBytes: 100, sizeOf: () => 1, core: debug });
    c.set(digestOf(1), 1);
    const before = snapshot(c);
    const calls: (() => unknown)[] = [
      () => c.set(h as AnyKey, 1, { size: 1 }),
      () => c.get(h as AnyKey),
      () => c.peek(h as AnyKey),
      () => c.has(h as AnyKey),
      () => c.delete(h as AnyKey),
      () => c.getMany([h as AnyKey]),
      () => c.hasMany([digestOf(1), h as AnyKey]),
      () => c.setMany([[h as AnyKey, 1, 1]]),
      () => c.set(h as AnyKey, 1), // sizeOf needs the key string first
    ];
    for (const call of calls) {
      const err = thrown(call);
      expect(err).toBeInstanceOf(CoreError);
      expect((err as CoreError).code).toBe("BAD_HANDLE");
      expect(err.message).toContain(String(h));
    }
    expect(snapshot(c).entries).toEqual(before.entries);
    c.checkInvariants();
  });
});

describe("MetadataCache validates its options", () => {
  const bad: [string, unknown, string][] = [
    ["no options", undefined, "undefined"],
    ["null options", null, "null"],
    ["max missing", {}, "undefined"],
    ["max 0", { max: 0 }, "0"],
    ["max -1", { max: -1 }, "-1"],
    ["max 1.5", { max: 1.5 }, "1.5"],
    ["max NaN", { max: NaN }, "NaN"],
    ["max Infinity", { max: Infinity }, "Infinity"],
    ["max as a string", { max: "10" }, "10"],
    ["max over the slot limit", { max: 2 ** 28 }, String(2 ** 28)],
    ["maxBytes -1", { max: 1, maxBytes: -1 }, "-1"],
    ["maxBytes 1.5", { max: 1, maxBytes: 1.5 }, "1.5"],
    ["maxBytes NaN", { max: 1, maxBytes: NaN }, "NaN"],
    ["maxBytes Infinity", { max: 1, maxBytes: Infinity }, "Infinity"],
    ["maxBytes past 2^53", { max: 1, maxBytes: 2 ** 60 }, String(2 ** 60)],
    ["maxBytes as a string", { max: 1, maxBytes: "100" }, "100"],
    ["ttl -5", { max: 1, ttl: -5 }, "-5"],
    ["ttl NaN", { max: 1, ttl: NaN }, "NaN"],
    ["ttl as a string", { max: 1, ttl: "5" }, "5"],
    ["ttl null", { max: 1, ttl: null }, "null"],
    ["sizeOf without maxBytes", { max: 1, sizeOf: () => 1 }, "sizeOf needs maxBytes"],
    ["sizeOf not a function", { max: 1, maxBytes: 10, sizeOf: 3 }, "sizeOf must be a function, got 3"],
    ["dispose not a function", { max: 1, dispose: "log" }, "dispose must be a function, got log"],
    ["now not a function", { max: 1, ttl: 5, now: 12 }, "now must be a function, got 12"],
    ["now without ttl", { max: 1, now: () => 0 }, "now (the TTL clock) needs ttl"],
  ];
  it.each(bad)("%s", (_what, options, quoted) => {
    const opts = options && typeof options === "object" ? { ...options, core: debug } : options;
    const err = thrown(() => new MetadataCache(opts as MetadataCacheOptions<unknown>));
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toContain("MetadataCache");
    expect(err.message).toContain(quoted);
  });

  it.each([2 ** 27, 2 ** 28 - 1])("refuses max %i that linear memory cannot hold with CapacityError, not a trap", (max) => {
    const err = thrown(() => new MetadataCache({ max, core: debug }));
    expect(err).toBeInstanceOf(CapacityError);
    expect((err as CapacityError).code).toBe("CAPACITY");
    expect(err.message).toContain(String(max));
    const c = new MetadataCache<number>({ max: 2, core: debug }); // the core is still usable
    c.set(digestOf(1), 1);
    expect(c.get(digestOf(1))).toBe(1);
    c.checkInvariants();
  });
});

describe("MetadataCache refuses bad sizes", () => {
  const badSizes: unknown[] = [-1, 1.5, NaN, Infinity, 2 ** 32, "5", null];
  it.each(badSizes)("size %s", (size) => {
    const c = new MetadataCache<number>({ max: 4, maxBytes: 100, core: debug });
    for (const call of [() => c.set(digestOf(1), 1, { size: size as number }), () => c.setMany([[digestOf(1), 1, size as number]])]) {
      const err = thrown(call);
      expect(err).toBeInstanceOf(RangeError);
      expect(err.message).toContain(`got ${String(size)}`);
    }
    expect(c.size).toBe(0);
  });

  it("a size from sizeOf is checked the same way", () => {
    const c = new MetadataCache<number>({ max: 4, maxBytes: 100, sizeOf: (v) => v, core: debug });
    expect(thrown(() => c.set(digestOf(1), -3)).message).toContain("got -3");
    expect(c.size).toBe(0);
  });

  it("a set without a size under maxBytes is refused, naming the entry", () => {
    const c = new MetadataCache<number>({ max: 4, maxBytes: 100, core: debug });
    const err = thrown(() => c.set(digestOf(7), 1));
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toContain(digestOf(7));
    expect(thrown(() => c.setMany([[digestOf(7), 1]]))).toBeInstanceOf(RangeError);
    expect(c.size).toBe(0);
  });

  it("a size without maxBytes is refused rather than silently ignored", () => {
    const c = new MetadataCache<number>({ max: 4, core: debug });
    const err = thrown(() => c.set(digestOf(1), 1, { size: 10 }));
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toContain("(10) needs the maxBytes option");
    expect(thrown(() => c.setMany([[digestOf(1), 1, 10]]))).toBeInstanceOf(RangeError);
    expect(c.size).toBe(0);
  });

  it("an entry larger than maxBytes is refused with CapacityError quoting key and size, never dropped", () => {
    const c = new MetadataCache<number>({ max: 4, maxBytes: 10, core: debug });
    c.set(digestOf(1), 1, { size: 10 });
    const before = snapshot(c);
    const h = parseDigest(digestOf(2), debug);
    for (const call of [
      () => c.set(digestOf(2), 2, { size: 11 }),
      () => c.set(h, 2, { size: 11 }),
      () => c.setMany([[digestOf(2), 2, 11]]),
    ]) {
      const err = thrown(call);
      expect(err).toBeInstanceOf(CapacityError);
      expect((err as CapacityError).code).toBe("CAPACITY");
      expect(err.message).toContain(digestOf(2));
      expect(err.message).toContain("11 bytes");
    }
    expect(snapshot(c)).toEqual(before); // not even counted as a set
    c.checkInvariants();
  });
});

describe("MetadataCache refuses TTL misuse", () => {
  it.each([5, 0, -1])("a per-entry ttl of %s without the ttl option", (ttl) => {
    const c = new MetadataCache<number>({ max: 4, core: debug });
    const err = thrown(() => c.set(digestOf(1), 1, { ttl }));
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toContain(`(${ttl}) needs the ttl option`);
    expect(c.size).toBe(0);
  });

  it("a per-entry ttl: Infinity is fine without the ttl option (it is the default)", () => {
    const c = new MetadataCache<number>({ max: 4, core: debug });
    c.set(digestOf(1), 1, { ttl: Infinity });
    expect(c.get(digestOf(1))).toBe(1);
  });

  it.each([0, -1, NaN, "5", null])("a per-entry ttl of %s with TTL on", (ttl) => {
    const c = new MetadataCache<number>({ max: 4, ttl: 100, now: () => 0, core: debug });
    const err = thrown(() => c.set(digestOf(1), 1, { ttl: ttl as number }));
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toContain(`got ${String(ttl)}`);
    expect(c.size).toBe(0);
  });
});

describe("MetadataCache refuses malformed batch arguments", () => {
  it.each([digestOf(1), undefined, 5, { length: 1, 0: digestOf(1) }])("getMany/hasMany/setMany of %j", (arg) => {
    const c = new MetadataCache<number>({ max: 4, core: debug });
    for (const call of [() => c.getMany(arg as never), () => c.hasMany(arg as never), () => c.setMany(arg as never)]) {
      const err = thrown(call);
      expect(err).toBeInstanceOf(RangeError);
      // The cache quotes a refused argument with String() (objects too), and this checks it did.
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the expected text is the cache's own String() quote
      expect(err.message).toContain(String(arg));
    }
  });

  it("a setMany entry that is not a [key, value] array", () => {
    const c = new MetadataCache<number>({ max: 4, core: debug });
    const err = thrown(() => c.setMany([[digestOf(1), 1], digestOf(2) as never]));
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toContain(digestOf(2));
    expect([...c.keys()], "the entry before it was set, as a loop of set() would").toEqual([digestOf(1)]);
  });
});

describe("a freed MetadataCache", () => {
  it("refuses every call with FreedError FREED instead of touching reused memory", () => {
    const c = new MetadataCache<number>({ max: 4, core: debug });
    c.set(digestOf(1), 1);
    c.free();
    c.free(); // twice is harmless
    const other = new MetadataCache<number>({ max: 4, core: debug }); // may reuse c's memory
    other.set(digestOf(2), 2);
    const calls: (() => unknown)[] = [
      () => c.get(digestOf(1)),
      () => c.set(digestOf(1), 1),
      () => c.peek(digestOf(1)),
      () => c.has(digestOf(1)),
      () => c.delete(digestOf(1)),
      () => c.getMany([digestOf(1)]),
      () => c.setMany([[digestOf(1), 1]]),
      () => c.evictOldest(),
      () => c.clear(),
      () => [...c.keys()],
      () => c.size,
      () => c.stats,
      () => c.checkInvariants(),
      () => c.resetStats(),
      () => c.bytes,
    ];
    for (const call of calls) {
      const err = thrown(call);
      expect(err).toBeInstanceOf(FreedError);
      expect((err as FreedError).code).toBe("FREED");
    }
    expect([...other.entries()]).toEqual([[digestOf(2), 2]]);
    other.checkInvariants();
  });
});
