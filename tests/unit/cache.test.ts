import { describe, expect, it } from "vitest";
import { MetadataCache, parseDigest, formatDigest, InvalidDigestError, CapacityError } from "../../src/node.js";
import { debug, digestOf } from "../helpers/core.js";

describe("MetadataCache", () => {
  it("gets what was set and evicts the least recently used", () => {
    const c = new MetadataCache<string>({ max: 2, core: debug });
    c.set(digestOf(1), "a").set(digestOf(2), "b");
    expect(c.get(digestOf(1))).toBe("a");
    c.set(digestOf(3), "c");
    expect(c.has(digestOf(2))).toBe(false);
    expect([...c.keys()]).toEqual([digestOf(3), digestOf(1)]);
    c.checkInvariants();
  });

  it("takes handles and strings for the same key", () => {
    const c = new MetadataCache<number>({ max: 4, core: debug });
    const h = parseDigest(digestOf(7), debug);
    c.set(h, 7);
    expect(c.get(digestOf(7))).toBe(7);
    expect(formatDigest(h, debug)).toBe(digestOf(7));
  });

  it.each([
    ["", "empty"],
    ["sha256", "format"],
    ["md5:" + "a".repeat(32), "algorithm"],
    ["sha256:" + "a".repeat(63), "length"],
    ["sha512:" + "a".repeat(64), "length"],
    ["sha256:" + "A".repeat(64), "hex"],
    ["sha256:" + "g".repeat(64), "hex"],
    ["sha256:" + "\u0161".repeat(64), "hex"],
    ["sha256:" + "a".repeat(400), "length"],
  ])("refuses %j with reason %s, quoting it", (input, reason) => {
    const c = new MetadataCache({ max: 1, core: debug });
    let err: unknown;
    try {
      c.set(input, 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidDigestError);
    expect((err as InvalidDigestError).reason).toBe(reason);
    expect((err as InvalidDigestError).code).toBe("INVALID_DIGEST");
    expect((err as Error).message).toContain(JSON.stringify(input.slice(0, 200)).slice(0, 50));
  });

  it("refuses an entry larger than maxBytes instead of dropping it", () => {
    const c = new MetadataCache({ max: 4, maxBytes: 10, core: debug });
    expect(() => c.set(digestOf(1), 1, { size: 11 })).toThrow(CapacityError);
    expect(c.size).toBe(0);
  });
});
