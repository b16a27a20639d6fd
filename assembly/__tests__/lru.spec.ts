// as-pect specs for the LRU core: probing, links, eviction order, budgets.
import { IO_IN, NIL, NOT_FOUND, ERR_TOO_LARGE } from "../layout";
import {
  cacheNew, cacheSetStr, cacheLookupStr, cacheDeleteStr, cacheCheck, cacheCount, cacheHead,
  cacheTail, cacheNext, cacheBytes, cacheEventCount, cacheEventsDrained, SLOT_MASK,
} from "../lru";

function writeKey(n: u32): i32 {
  // "sha256:" + 56 zeros + 8 hex digits of n, so keys share long prefixes (stress the hash).
  const s = "sha256:" + "0".repeat(56) + n.toString(16).padStart(8, "0");
  for (let i = 0; i < s.length; i++) store<u8>(IO_IN + i, s.charCodeAt(i) as u8);
  return s.length;
}

function set(c: usize, n: u32, size: u32 = 0): i32 { return cacheSetStr(c, writeKey(n), size, 0); }
function get(c: usize, n: u32): i32 { return cacheLookupStr(c, writeKey(n), 0, 0); }
function del(c: usize, n: u32): i32 { return cacheDeleteStr(c, writeKey(n)); }

describe("lru core", () => {
  test("evicts the least recently used entry", () => {
    const c = cacheNew(3, 0, false, false);
    set(c, 1); set(c, 2); set(c, 3);
    expect(get(c, 1)).toBeGreaterThanOrEqual(0); // 1 becomes most recent
    set(c, 4);                                    // evicts 2
    expect(get(c, 2)).toBe(NOT_FOUND);
    expect(get(c, 1)).toBeGreaterThanOrEqual(0);
    expect(get(c, 3)).toBeGreaterThanOrEqual(0);
    expect(get(c, 4)).toBeGreaterThanOrEqual(0);
    expect(cacheCount(c)).toBe(3);
    expect(cacheCheck(c)).toBe(0);
  });

  test("links run most recent to least recent", () => {
    const c = cacheNew(4, 0, false, false);
    const a = set(c, 10) & SLOT_MASK;
    const b = set(c, 11) & SLOT_MASK;
    const d = set(c, 12) & SLOT_MASK;
    expect(cacheHead(c)).toBe(d);
    expect(cacheNext(c, d)).toBe(b);
    expect(cacheNext(c, b)).toBe(a);
    expect(cacheNext(c, a)).toBe(-1);
    expect(cacheTail(c)).toBe(a);
    get(c, 10);
    expect(cacheHead(c)).toBe(a);
    expect(cacheTail(c)).toBe(b);
  });

  test("probing survives deletes (backward shift) across many colliding keys", () => {
    const c = cacheNew(512, 0, false, false);
    for (let i: u32 = 0; i < 512; i++) set(c, i);
    for (let i: u32 = 0; i < 512; i += 3) expect(del(c, i)).toBeGreaterThanOrEqual(0);
    expect(cacheCheck(c)).toBe(0);
    for (let i: u32 = 0; i < 512; i++) {
      if (i % 3 == 0) expect(get(c, i)).toBe(NOT_FOUND);
      else expect(get(c, i)).toBeGreaterThanOrEqual(0);
    }
    expect(cacheCheck(c)).toBe(0);
  });

  test("freed slots are reused from the free list", () => {
    const c = cacheNew(2, 0, false, false);
    const a = set(c, 1) & SLOT_MASK;
    del(c, 1);
    expect(set(c, 2) & SLOT_MASK).toBe(a);
    expect(cacheCheck(c)).toBe(0);
  });

  test("byte budget evicts older entries and refuses oversize ones", () => {
    const c = cacheNew(10, 100, false, false);
    set(c, 1, 40); set(c, 2, 40);
    set(c, 3, 40);                    // 120 > 100: evicts 1
    expect(get(c, 1)).toBe(NOT_FOUND);
    expect(cacheBytes(c)).toBe(80);
    expect(set(c, 4, 101)).toBe(ERR_TOO_LARGE);
    expect(cacheCheck(c)).toBe(0);
    expect(cacheEventCount(c)).toBe(1);
    cacheEventsDrained(c);
  });

  test("NIL is all ones", () => {
    expect(NIL).toBe(0xffffffff);
  });
});
