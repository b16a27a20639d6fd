import { describe, expect, it } from "vitest";
import { MetadataCache, parseDigest, releaseDigests, InvalidDigestError } from "../../src/node.js";
import { debug, digestOf } from "../helpers/core.js";

/** A seeded walk over `keys` digests; the same sequence for every cache it is replayed on. */
function* walk(ops: number, keys: number): Generator<number> {
  let x = 12345;
  for (let i = 0; i < ops; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    yield (x >>> 8) % keys;
  }
}

describe("MetadataCache.getOrSet", () => {
  it.each(["string", "handle"] as const)("answers, evicts and counts exactly as get then set on a miss (%s keys)", (kind) => {
    const strings = Array.from({ length: 300 }, (_, i) => digestOf(i));
    const handles = strings.map((s) => parseDigest(s, debug));
    const fused = new MetadataCache<{ op: number }>({ max: 50, core: debug });
    const plain = new MetadataCache<{ op: number }>({ max: 50, core: debug });
    let op = 0;
    for (const j of walk(5000, strings.length)) {
      const key = kind === "string" ? strings[j] : handles[j];
      const got = fused.getOrSet(key, () => ({ op }));
      let want = plain.get(key);
      if (want === undefined) plain.set(key, (want = { op }));
      expect(got).toEqual(want);
      op++;
    }
    expect(fused.stats).toEqual(plain.stats);
    expect([...fused.entries()]).toEqual([...plain.entries()]);
    fused.checkInvariants();
    releaseDigests(handles, handles.length, debug);
  });

  it("calls make only on a miss, with the key given", () => {
    const c = new MetadataCache<string>({ max: 4, core: debug });
    const seen: unknown[] = [];
    const make = (k: unknown) => (seen.push(k), "v");
    expect(c.getOrSet(digestOf(1), make)).toBe("v");
    expect(c.getOrSet(digestOf(1), make)).toBe("v");
    expect(seen).toEqual([digestOf(1)]);
  });

  it("disposes what its store evicted before the new value is made", () => {
    const log: string[] = [];
    const c = new MetadataCache<string>({ max: 1, core: debug, dispose: (v, k, why) => log.push(`${v} ${why}`) });
    c.set(digestOf(1), "one");
    expect(c.getOrSet(digestOf(2), () => (log.push("make"), "two"))).toBe("two");
    expect(log).toEqual(["one evicted", "make"]);
    expect(c.get(digestOf(2))).toBe("two");
    c.checkInvariants();
  });

  it("leaves no entry behind when make throws, and refuses changes while make runs", () => {
    const c = new MetadataCache<number>({ max: 2, core: debug });
    expect(() =>
      c.getOrSet(digestOf(1), () => {
        throw new Error("no value");
      }),
    ).toThrow("no value");
    expect(c.has(digestOf(1))).toBe(false);
    expect(() => c.getOrSet(digestOf(2), () => (c.set(digestOf(3), 3), 2))).toThrow(RangeError);
    expect(c.has(digestOf(2))).toBe(false);
    expect(c.has(digestOf(3))).toBe(false);
    expect(c.getOrSet(digestOf(4), () => 4)).toBe(4);
    c.checkInvariants();
  });

  it("takes the two calls with TTL or maxBytes, sized by sizeOf", () => {
    let now = 0;
    const t = new MetadataCache<number>({ max: 4, ttl: 10, now: () => now, core: debug });
    expect(t.getOrSet(digestOf(1), () => 1)).toBe(1);
    now = 20;
    expect(t.getOrSet(digestOf(1), () => 2)).toBe(2);
    expect(t.stats.expirations).toBe(1);
    const b = new MetadataCache<number>({ max: 4, maxBytes: 10, sizeOf: (v) => v, core: debug });
    b.getOrSet(digestOf(1), () => 6);
    b.getOrSet(digestOf(2), () => 6);
    expect(b.has(digestOf(1))).toBe(false);
    expect(b.bytes).toBe(6);
  });

  it("refuses a bad key with the digest error and stores nothing", () => {
    const c = new MetadataCache<number>({ max: 2, core: debug });
    expect(() => c.getOrSet("sha256:xyz", () => 1)).toThrow(InvalidDigestError);
    expect(c.size).toBe(0);
  });

  it.each(["string", "handle", "mixed"] as const)("getOrSetMany answers and evicts as getOrSet in a loop (%s keys)", (kind) => {
    const strings = Array.from({ length: 300 }, (_, i) => digestOf(i));
    const handles = strings.map((s) => parseDigest(s, debug));
    const log: string[] = [];
    const dispose = (v: { op: number }, k: string, why: string) => log.push(`${v.op} ${k} ${why}`);
    const many = new MetadataCache<{ op: number }>({ max: 40, core: debug, dispose });
    const single = new MetadataCache<{ op: number }>({ max: 40, core: debug, dispose });
    const trace = [...walk(3000, strings.length)].map((j, i) =>
      kind === "string" || (kind === "mixed" && i % 3 === 0) ? strings[j] : handles[j],
    );
    const made: number[] = [];
    for (let i = 0; i < trace.length; i += 700) {
      const window = trace.slice(i, i + 700);
      const got = many.getOrSetMany(window, (_k, j) => (made.push(j), { op: i + j }));
      const logMany = log.splice(0);
      const want = window.map((k, j) => single.getOrSet(k, () => ({ op: i + j })));
      expect(logMany).toEqual(log.splice(0));
      expect(got).toEqual(want);
    }
    expect(many.stats).toEqual(single.stats);
    expect(made.length).toBe(many.stats.misses);
    many.checkInvariants();
    releaseDigests(handles, handles.length, debug);
  });

  it("getOrSetMany stops at a refused key after the keys before it took effect", () => {
    const c = new MetadataCache<number>({ max: 8, core: debug });
    expect(() => c.getOrSetMany([digestOf(1), "sha256:nope", digestOf(2)], () => 1)).toThrow(InvalidDigestError);
    expect(c.has(digestOf(1))).toBe(true);
    expect(c.has(digestOf(2))).toBe(false);
    expect(() =>
      c.getOrSetMany([digestOf(3), digestOf(4)], (k) => {
        if (k === digestOf(3)) throw new Error("no value");
        return 4;
      }),
    ).toThrow("no value");
    expect(c.has(digestOf(3))).toBe(false);
    expect(c.has(digestOf(4))).toBe(false);
    c.checkInvariants();
  });
});
