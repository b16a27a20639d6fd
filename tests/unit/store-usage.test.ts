import { describe, expect, it } from "vitest";
import { evictionOrder, parseUsage, usageClock } from "../../src/sources/stores/usage.js";

describe("the stores' least-recently-used record", () => {
  it("evicts the least recently used until the rest fits", () => {
    const present = new Map([
      ["a", 400],
      ["b", 400],
      ["c", 400],
    ]);
    const record = { a: { size: 400, used: 3 }, b: { size: 400, used: 1 }, c: { size: 400, used: 2 } };
    expect(evictionOrder(present, record, 1200)).toEqual([]);
    expect(evictionOrder(present, record, 800)).toEqual(["b"]);
    expect(evictionOrder(present, record, 399)).toEqual(["b", "c", "a"]);
  });

  it("evicts first what the record does not know, and takes sizes from what is present", () => {
    const present = new Map([
      ["known", 100],
      ["stranger", 100],
    ]);
    // The record's size of "known" is stale: the real size decides.
    expect(evictionOrder(present, { known: { size: 1, used: 5 } }, 150)).toEqual(["stranger"]);
  });

  it("parses only well-formed records", () => {
    expect(parseUsage(undefined)).toEqual({});
    expect(parseUsage("not json")).toEqual({});
    expect(parseUsage("[1,2]")).toEqual({});
    expect(parseUsage('{"a":{"size":3,"used":4},"b":{"size":-1,"used":1},"c":null,"d":{"size":1.5,"used":1}}')).toEqual({
      a: { size: 3, used: 4 },
    });
  });

  it("gives every use its own tick", () => {
    const now = usageClock();
    const ticks = Array.from({ length: 1000 }, now);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]).toBeGreaterThan(ticks[i - 1]);
  });
});
