// as-pect specs for the LRU core (assembly/lru.ts): probing, links, eviction order,
// budgets, TTL, sha512 keys, batch calls and the event log. Every test ends with
// cacheCheck() == 0 (links, table, free list, bytes and a drained event log agree).
import {
  IO_IN_SIZE,
  NIL,
  NOT_FOUND,
  ERR_TOO_LARGE,
  ERR_BAD_HANDLE,
  ERR_BAD_ARGUMENT,
  ERR_DIGEST_HEX,
  SLOT_MASK,
  SET_REPLACED,
  SET_EVENTS,
  CACHE_BATCH_MAX as BATCH_MAX,
  RECORD_HANDLE,
  REASON_EVICTED,
  REASON_EXPIRED,
  REASON_CLEARED,
  LOOKUP_GET as GET,
  LOOKUP_PEEK as PEEK,
  LOOKUP_HAS as HAS,
  EVENT_BYTES,
  EVENT_SLOT,
  EVENT_REASON,
} from "../abi";
import { IO_IN, IO_OUT, reservedTotal } from "../layout";
import { KEY, parseDigestAt, hashKey, digestInternAt } from "../digest";
import {
  cacheNew,
  cacheFree,
  cacheSetStr,
  cacheLookupStr,
  cacheLookupH,
  cacheDeleteStr,
  cacheCheck,
  cacheCount,
  cacheHead,
  cacheTail,
  cacheNext,
  cacheBytes,
  cacheEventCount,
  cacheEventsDrained,
  cacheEvents,
  cacheEvictOldest,
  cachePurgeStale,
  cacheClear,
  cacheStats,
  cacheFormatKey,
  cacheFormatEventKey,
  cacheLookupManyStr,
  cacheLookupManyH,
  cacheSetManyStr,
  cacheSetManyH,
} from "../lru";

/** "sha256:" + 56 zeros + 8 hex digits of n: keys share long prefixes (stress the hash). */
function key256(n: u32): string {
  return "sha256:" + "0".repeat(56) + n.toString(16).padStart(8, "0");
}
/** Keys that differ in their first bytes, so their hashes (of bytes 0..11) differ too. */
function keyFront(n: u32): string {
  return "sha256:" + n.toString(16).padStart(8, "0") + "0".repeat(56);
}
/** A sha512 whose first 32 bytes are the same for every n: only the tail tells them apart. */
function key512(n: u32): string {
  return "sha512:" + "ab".repeat(32) + "0".repeat(56) + n.toString(16).padStart(8, "0");
}

function put(s: string, at: usize = IO_IN): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(at + i, s.charCodeAt(i) as u8);
  return s.length;
}
function set(c: usize, n: u32, size: u32 = 0, expiresAt: f64 = 0, now: f64 = 0): i32 {
  return cacheSetStr(c, put(key256(n)), size, expiresAt, now);
}
function get(c: usize, n: u32, now: f64 = 0): i32 {
  return cacheLookupStr(c, put(key256(n)), GET, now);
}
function peek(c: usize, n: u32, now: f64 = 0): i32 {
  return cacheLookupStr(c, put(key256(n)), PEEK, now);
}
function del(c: usize, n: u32, now: f64 = 0): i32 {
  return cacheDeleteStr(c, put(key256(n)), now);
}
function slot(r: i32): i32 {
  return r & SLOT_MASK;
}
function stat(i: i32): f64 {
  return load<f64>(IO_OUT + ((i as usize) << 3));
}
function eventReason(c: usize, e: u32): u32 {
  return load<u32>(cacheEvents(c) + (e as usize) * EVENT_BYTES + EVENT_REASON);
}
function eventSlot(c: usize, e: u32): u32 {
  return load<u32>(cacheEvents(c) + (e as usize) * EVENT_BYTES + EVENT_SLOT);
}
function readOut(len: i32): string {
  let s = "";
  for (let i = 0; i < len; i++) s += String.fromCharCode(load<u8>(IO_OUT + i));
  return s;
}
/** The cache's keys as the small integers they were made from, most recent first. */
function order(c: usize): u32[] {
  const out: u32[] = [];
  for (let s = cacheHead(c); s >= 0; s = cacheNext(c, s as u32)) {
    const text = readOut(cacheFormatKey(c, s as u32));
    out.push(U32.parseInt(text.slice(text.length - 8), 16));
  }
  return out;
}
function same(a: u32[], b: u32[]): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
  return true;
}
/** Table home index of key256(n) in a cache of this capacity (mirrors findIndex and
 *  tableSizeFor: the power of two above 1.5 × capacity). */
function homeOf(n: u32, capacity: u32): u32 {
  parseDigestAt(IO_IN, put(keyFront(n)));
  const size: u32 = (1 as u32) << (32 - clz<u32>(capacity + (capacity >> 1)));
  return hashKey(KEY) >>> (32 - ctz<u32>(size));
}

describe("probing", () => {
  test("colliding keys that wrap past the table end survive deletes (backward shift)", () => {
    // capacity 8 -> a 16-entry table; find four keys whose home is the last index.
    const wrap: u32[] = [];
    for (let n: u32 = 0; wrap.length < 4; n++) if (homeOf(n, 8) == 15) wrap.push(n);
    const c = cacheNew(8, 0, false, false);
    for (let i = 0; i < 4; i++) cacheSetStr(c, put(keyFront(wrap[i])), 0, 0, 0);
    expect(cacheCheck(c)).toBe(0);
    // The three after the first sit at indexes 0, 1, 2; deleting the first must shift them back.
    expect(cacheDeleteStr(c, put(keyFront(wrap[0])), 0)).toBeGreaterThanOrEqual(0);
    expect(cacheCheck(c)).toBe(0);
    for (let i = 1; i < 4; i++) expect(cacheLookupStr(c, put(keyFront(wrap[i])), PEEK, 0)).toBeGreaterThanOrEqual(0);
    expect(cacheLookupStr(c, put(keyFront(wrap[0])), PEEK, 0)).toBe(NOT_FOUND);
    expect(cacheDeleteStr(c, put(keyFront(wrap[2])), 0)).toBeGreaterThanOrEqual(0);
    expect(cacheLookupStr(c, put(keyFront(wrap[3])), PEEK, 0)).toBeGreaterThanOrEqual(0);
    expect(cacheCheck(c)).toBe(0);
    cacheFree(c);
  });

  test("caches of 1 to 6 entries, their tables at up to 2/3 load: a probe for an absent key ends", () => {
    for (let cap: u32 = 1; cap <= 6; cap++) {
      const c = cacheNew(cap, 0, false, false);
      for (let i: u32 = 0; i < 4 * cap; i++) {
        set(c, i);
        expect(peek(c, 1000 + i)).toBe(NOT_FOUND);
        if (i % 3 == 1) del(c, i - 1);
      }
      expect(cacheCheck(c)).toBe(0);
      for (let i: u32 = 0; i < 4 * cap; i++) expect(peek(c, 2000 + i)).toBe(NOT_FOUND);
      cacheFree(c);
    }
  });

  test("many keys with a shared prefix: every third deleted, the rest still found", () => {
    const c = cacheNew(512, 0, false, false);
    for (let i: u32 = 0; i < 512; i++) set(c, i);
    for (let i: u32 = 0; i < 512; i += 3) expect(del(c, i)).toBeGreaterThanOrEqual(0);
    expect(cacheCheck(c)).toBe(0);
    for (let i: u32 = 0; i < 512; i++) {
      if (i % 3 == 0) expect(peek(c, i)).toBe(NOT_FOUND);
      else expect(peek(c, i)).toBeGreaterThanOrEqual(0);
    }
    cacheFree(c);
  });
});

describe("links", () => {
  test("run most recent to least recent; get, update and delete relink head, middle and tail", () => {
    const c = cacheNew(4, 0, false, false);
    set(c, 1);
    set(c, 2);
    set(c, 3);
    set(c, 4);
    expect(same(order(c), [4, 3, 2, 1])).toBe(true);
    get(c, 1); // tail to head
    expect(same(order(c), [1, 4, 3, 2])).toBe(true);
    get(c, 3); // middle to head
    expect(same(order(c), [3, 1, 4, 2])).toBe(true);
    expect(set(c, 4) & SET_REPLACED).toBe(SET_REPLACED); // update moves to head
    expect(same(order(c), [4, 3, 1, 2])).toBe(true);
    del(c, 4);
    del(c, 2);
    del(c, 1); // head, tail, middle
    expect(same(order(c), [3])).toBe(true);
    expect(cacheHead(c)).toBe(cacheTail(c));
    del(c, 3);
    expect(cacheHead(c)).toBe(-1);
    expect(cacheTail(c)).toBe(-1);
    expect(cacheCheck(c)).toBe(0);
    cacheFree(c);
  });

  test("peek and has leave the order alone; freed slots are reused", () => {
    const c = cacheNew(3, 0, false, false);
    const a = slot(set(c, 1));
    set(c, 2);
    cacheLookupStr(c, put(key256(1)), PEEK, 0);
    cacheLookupStr(c, put(key256(1)), HAS, 0);
    expect(same(order(c), [2, 1])).toBe(true);
    del(c, 1);
    expect(slot(set(c, 3))).toBe(a);
    expect(cacheCheck(c)).toBe(0);
    cacheFree(c);
  });

  test("NIL is all ones", () => {
    expect(NIL).toBe(0xffffffff);
  });
});

describe("eviction order", () => {
  test("a full cache evicts the least recent; evictOldest goes oldest first", () => {
    const c = cacheNew(3, 0, false, false);
    set(c, 1);
    set(c, 2);
    set(c, 3);
    get(c, 1);
    set(c, 4); // evicts 2
    expect(same(order(c), [4, 1, 3])).toBe(true);
    const s3 = cacheTail(c);
    expect(cacheEvictOldest(c, 0)).toBe(s3);
    expect(cacheEventCount(c)).toBe(1);
    expect(readOut(cacheFormatEventKey(c, 0))).toBe(key256(3)); // key logged even without logKeys
    cacheEventsDrained(c);
    expect(same(order(c), [4, 1])).toBe(true);
    // The host drains after every call (a plain cache's log holds one call's one event).
    cacheEvictOldest(c, 0);
    cacheEventsDrained(c);
    cacheEvictOldest(c, 0);
    cacheEventsDrained(c);
    expect(cacheEvictOldest(c, 0)).toBe(NOT_FOUND);
    cacheStats(c);
    expect(stat(4)).toBe(4.0); // evictions
    expect(cacheCheck(c)).toBe(0);
    cacheFree(c);
  });

  test("a count eviction that reuses its own slot logs nothing without logKeys", () => {
    const c = cacheNew(1, 0, false, false);
    set(c, 1);
    expect(set(c, 2) & SET_EVENTS).toBe(0);
    expect(cacheEventCount(c)).toBe(0);
    const d = cacheNew(1, 0, false, true);
    set(d, 1);
    expect(set(d, 2) & SET_EVENTS).toBe(SET_EVENTS);
    expect(eventReason(d, 0)).toBe(REASON_EVICTED);
    expect(readOut(cacheFormatEventKey(d, 0))).toBe(key256(1));
    cacheEventsDrained(d);
    expect(cacheCheck(c)).toBe(0);
    expect(cacheCheck(d)).toBe(0);
    cacheFree(c);
    cacheFree(d);
  });
});

describe("budgets", () => {
  test("maxBytes evicts older entries until the new one fits, never itself", () => {
    const c = cacheNew(10, 100, false, false);
    set(c, 1, 40);
    set(c, 2, 40);
    set(c, 3, 40); // 120 > 100: evicts 1
    cacheEventsDrained(c);
    expect(peek(c, 1)).toBe(NOT_FOUND);
    expect(cacheBytes(c)).toBe(80.0);
    set(c, 2, 90); // an update that grows: evicts 3, keeps 2
    cacheEventsDrained(c);
    expect(same(order(c), [2])).toBe(true);
    expect(cacheBytes(c)).toBe(90.0);
    set(c, 4, 100); // exactly maxBytes: everything else goes
    cacheEventsDrained(c);
    expect(same(order(c), [4])).toBe(true);
    expect(cacheCheck(c)).toBe(0);
    cacheFree(c);
  });

  test("an entry over maxBytes is refused and changes nothing, not even the set count", () => {
    const c = cacheNew(10, 100, false, false);
    set(c, 1, 60);
    expect(set(c, 2, 101)).toBe(ERR_TOO_LARGE);
    expect(set(c, 1, 101)).toBe(ERR_TOO_LARGE);
    expect(cacheCount(c)).toBe(1);
    expect(cacheBytes(c)).toBe(60.0);
    cacheStats(c);
    expect(stat(2)).toBe(1.0);
    expect(cacheCheck(c)).toBe(0);
    cacheFree(c);
  });

  test("a capacity linear memory cannot hold is refused with 0, not a trap", () => {
    expect(cacheNew(0, 0, false, false)).toBe(0);
    expect(cacheNew((SLOT_MASK as u32) + 1, 0, false, false)).toBe(0);
    expect(cacheNew(SLOT_MASK as u32, 0, true, true)).toBe(0);
    expect(cacheNew(1 << 26, 1, true, false)).toBe(0);
  });
});

describe("TTL", () => {
  test("an expired entry is removed by whatever reaches it, and counted once", () => {
    const c = cacheNew(8, 0, true, true);
    set(c, 1, 0, 10);
    set(c, 2, 0, 10);
    set(c, 3, 0, 10);
    set(c, 4, 0, Infinity);
    expect(get(c, 1, 9)).toBeGreaterThanOrEqual(0);
    expect(get(c, 1, 10)).toBe(NOT_FOUND); // expiry is inclusive
    expect(eventReason(c, 0)).toBe(REASON_EXPIRED);
    cacheEventsDrained(c);
    expect(del(c, 2, 10)).toBe(NOT_FOUND); // stale: not there to delete
    expect(set(c, 3, 0, 30, 10) & SET_REPLACED).toBe(0); // a set over a stale entry inserts afresh
    expect(cacheEventCount(c)).toBe(2);
    cacheEventsDrained(c);
    expect(get(c, 4, 1e300)).toBeGreaterThanOrEqual(0);
    cacheStats(c);
    expect(stat(5)).toBe(3.0); // expirations
    expect(stat(3)).toBe(0.0); // deletes
    expect(cacheCheck(c)).toBe(0);
    cacheFree(c);
  });

  test("a stale tail pushed out by a set is an expiration; purge and clear find the rest", () => {
    const c = cacheNew(2, 0, true, true);
    set(c, 1, 0, 5);
    set(c, 2, 0, 50);
    set(c, 3, 0, 50, 20); // tail 1 is stale at 20
    expect(eventReason(c, 0)).toBe(REASON_EXPIRED);
    cacheEventsDrained(c);
    expect(cachePurgeStale(c, 49)).toBe(0);
    expect(cachePurgeStale(c, 50)).toBe(2);
    cacheEventsDrained(c);
    set(c, 5, 0, 10, 0);
    set(c, 6, 0, 100, 0);
    cacheClear(c, 10); // most recent first: 6 cleared, 5 expired
    expect(cacheEventCount(c)).toBe(2);
    expect(eventReason(c, 0)).toBe(REASON_CLEARED);
    expect(eventReason(c, 1)).toBe(REASON_EXPIRED);
    cacheEventsDrained(c);
    cacheStats(c);
    expect(stat(4)).toBe(0.0);
    expect(stat(5)).toBe(4.0);
    expect(cacheCount(c)).toBe(0);
    expect(cacheCheck(c)).toBe(0);
    cacheFree(c);
  });

  test("evictOldest expires stale entries on the way to the oldest live one", () => {
    const c = cacheNew(4, 0, true, false);
    set(c, 1, 0, 5);
    set(c, 2, 0, 100);
    const s2 = slot(peek(c, 2));
    expect(cacheEvictOldest(c, 10)).toBe(s2);
    expect(cacheEventCount(c)).toBe(2);
    expect(eventReason(c, 0)).toBe(REASON_EXPIRED);
    expect(eventReason(c, 1)).toBe(REASON_EVICTED);
    cacheEventsDrained(c);
    expect(cacheCheck(c)).toBe(0);
    cacheFree(c);
  });
});

describe("sha512 keys", () => {
  test("twins sharing their first 32 bytes are different keys; the tail region comes lazily", () => {
    const c = cacheNew(3, 0, false, true);
    set(c, 1); // sha256 only so far
    const a = cacheSetStr(c, put(key512(1)), 0, 0, 0);
    const b = cacheSetStr(c, put(key512(2)), 0, 0, 0);
    expect(slot(a)).not.toBe(slot(b));
    expect(slot(cacheLookupStr(c, put(key512(1)), PEEK, 0))).toBe(slot(a));
    expect(slot(cacheLookupStr(c, put(key512(2)), PEEK, 0))).toBe(slot(b));
    expect(cacheLookupStr(c, put(key512(3)), PEEK, 0)).toBe(NOT_FOUND);
    expect(readOut(cacheFormatKey(c, slot(b)))).toBe(key512(2));
    set(c, 2);
    set(c, 3); // evicts sha256 1, then sha512 1
    expect(cacheEventCount(c)).toBe(2);
    expect(readOut(cacheFormatEventKey(c, 1))).toBe(key512(1));
    cacheEventsDrained(c);
    const h = digestInternAt(IO_IN, put(key512(2)));
    expect(slot(cacheLookupH(c, h, PEEK, 0))).toBe(slot(b));
    expect(cacheCheck(c)).toBe(0);
    cacheFree(c);
  });

  test("a sha256 key and a sha512 key with the same first 32 bytes (one hash) are two entries", () => {
    // The algorithm is a bit of the table cell: the probe, the log and the formatted key all
    // read it there.
    const k256 = "sha256:" + "ab".repeat(32);
    const k512 = key512(7);
    const c = cacheNew(2, 0, false, true);
    const a = cacheSetStr(c, put(k512), 0, 0, 0);
    const b = cacheSetStr(c, put(k256), 0, 0, 0);
    expect(slot(a)).not.toBe(slot(b));
    expect(slot(cacheLookupStr(c, put(k256), PEEK, 0))).toBe(slot(b));
    expect(slot(cacheLookupStr(c, put(k512), PEEK, 0))).toBe(slot(a));
    expect(readOut(cacheFormatKey(c, slot(a)))).toBe(k512);
    expect(readOut(cacheFormatKey(c, slot(b)))).toBe(k256);
    expect(cacheCheck(c)).toBe(0);
    set(c, 1); // evicts the sha512 key, the least recent
    expect(cacheEventCount(c)).toBe(1);
    expect(readOut(cacheFormatEventKey(c, 0))).toBe(k512);
    cacheEventsDrained(c);
    expect(cacheLookupStr(c, put(k512), PEEK, 0)).toBe(NOT_FOUND);
    expect(slot(cacheLookupStr(c, put(k256), PEEK, 0))).toBe(slot(b));
    expect(cacheDeleteStr(c, put(k256), 0)).toBe(slot(b));
    expect(cacheCheck(c)).toBe(0);
    cacheFree(c);
  });
});

describe("handle hints", () => {
  test("a cache reached only by strings holds no hints; the first handle reserves capacity × 4 bytes", () => {
    const c = cacheNew(1000, 0, false, false);
    const before = reservedTotal();
    for (let i: u32 = 0; i < 1500; i++) set(c, i);
    for (let i: u32 = 0; i < 1500; i++) get(c, i);
    expect(reservedTotal()).toBe(before);
    const h = digestInternAt(IO_IN, put(key256(1499)));
    const afterIntern = reservedTotal();
    const s = cacheLookupH(c, h, GET, 0);
    expect(s).toBeGreaterThanOrEqual(0);
    expect(reservedTotal() - afterIntern).toBe(1000.0 * 4 + 16); // the region and its header
    // The hint now names the slot: a lookup by handle after a string lookup moved others.
    get(c, 1400);
    expect(cacheLookupH(c, h, PEEK, 0)).toBe(s);
    // A cleared cache forgets every hint: the digest's old slot is no longer trusted.
    cacheClear(c, 0);
    expect(cacheLookupH(c, h, PEEK, 0)).toBe(NOT_FOUND);
    set(c, 5);
    expect(cacheLookupH(c, h, PEEK, 0)).toBe(NOT_FOUND);
    expect(cacheCheck(c)).toBe(0);
    cacheFree(c);
  });

  test("a freed cache's id given to a new cache does not carry the old cache's hints", () => {
    const a = cacheNew(4, 0, false, false);
    const h = digestInternAt(IO_IN, put(key256(77)));
    set(a, 77);
    const s = cacheLookupH(a, h, GET, 0);
    expect(s).toBeGreaterThanOrEqual(0);
    cacheFree(a);
    const b = cacheNew(4, 0, false, false); // takes a's id again
    for (let i: u32 = 0; i < 4; i++) set(b, i); // every slot, s included, holds another key
    expect(cacheLookupH(b, h, PEEK, 0)).toBe(NOT_FOUND);
    expect(cacheCheck(b)).toBe(0);
    cacheFree(b);
  });

  test("more caches than hint ids: the ones past them answer handles through the table", () => {
    const caches: usize[] = [];
    for (let i = 0; i < 300; i++) caches.push(cacheNew(2, 0, false, false));
    const h = digestInternAt(IO_IN, put(key256(5)));
    for (let i = 0; i < 300; i++) {
      const c = caches[i];
      set(c, 5);
      const s = cacheLookupH(c, h, GET, 0);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(cacheLookupH(c, h, GET, 0)).toBe(s);
      set(c, 6);
      set(c, 7); // evicts 5
      expect(cacheLookupH(c, h, PEEK, 0)).toBe(NOT_FOUND);
      expect(cacheCheck(c)).toBe(0);
    }
    for (let i = 0; i < 300; i++) cacheFree(caches[i]);
  });

  test("two caches holding one digest: each answers its own slot, whichever the hint names", () => {
    const a = cacheNew(4, 0, false, false);
    const b = cacheNew(4, 0, false, false);
    const h = digestInternAt(IO_IN, put(key256(9)));
    set(b, 100);
    set(a, 9);
    set(b, 9);
    const sa = cacheLookupH(a, h, GET, 0);
    const sb = cacheLookupH(b, h, GET, 0);
    expect(sa).not.toBe(sb);
    for (let i = 0; i < 3; i++) {
      expect(cacheLookupH(a, h, GET, 0)).toBe(sa);
      expect(cacheLookupH(b, h, GET, 0)).toBe(sb);
    }
    expect(del(b, 9)).toBe(sb);
    expect(cacheLookupH(b, h, PEEK, 0)).toBe(NOT_FOUND);
    expect(cacheLookupH(a, h, PEEK, 0)).toBe(sa);
    expect(cacheCheck(a)).toBe(0);
    expect(cacheCheck(b)).toBe(0);
    cacheFree(a);
    cacheFree(b);
  });

  test("a slot freed by delete and taken by another key drops its hint", () => {
    const c = cacheNew(4, 0, false, false);
    const h = digestInternAt(IO_IN, put(key256(1)));
    set(c, 1);
    const s = cacheLookupH(c, h, GET, 0); // remembers slot s for the digest
    expect(del(c, 1)).toBe(s);
    expect(cacheCheck(c)).toBe(0);
    expect(slot(set(c, 2))).toBe(s); // the freed slot is reused by key 2
    expect(cacheLookupH(c, h, PEEK, 0)).toBe(NOT_FOUND);
    expect(cacheCheck(c)).toBe(0);
    cacheFree(c);
  });
});

/** Write records [len][ascii] (or a handle record) for keys; returns the byte length. */
function records(keys: string[], handleAt: i32 = -1, handle: u32 = 0): usize {
  let off: usize = 0;
  for (let i = 0; i < keys.length; i++) {
    if (i == handleAt) {
      store<u8>(IO_IN + off, RECORD_HANDLE);
      store<u32>(IO_IN + off + 1, handle);
      off += 5;
      continue;
    }
    store<u8>(IO_IN + off, keys[i].length as u8);
    put(keys[i], IO_IN + off + 1);
    off += 1 + keys[i].length;
  }
  return off;
}
function result(i: i32): i32 {
  return load<i32>(IO_OUT + ((i as usize) << 2));
}

describe("batch calls", () => {
  test("lookups match single calls and mix string and handle records", () => {
    const c = cacheNew(8, 0, false, false);
    set(c, 1);
    set(c, 2);
    set(c, 3);
    const h = digestInternAt(IO_IN, put(key256(3)));
    records([key256(1), key256(9), "", key256(2)], 2, h);
    expect(cacheLookupManyStr(c, 4, GET, 0)).toBe(4);
    expect(result(0)).toBeGreaterThanOrEqual(0);
    expect(result(1)).toBe(NOT_FOUND);
    expect(result(2)).toBeGreaterThanOrEqual(0);
    expect(same(order(c), [2, 3, 1])).toBe(true); // each hit marked recent, in order
    cacheStats(c);
    expect(stat(0)).toBe(3.0);
    expect(stat(1)).toBe(1.0);
    expect(cacheCheck(c)).toBe(0);
    cacheFree(c);
  });

  test("stop at the first refused key and return its index", () => {
    const c = cacheNew(8, 0, false, false);
    records([key256(1), key256(2), "sha256:" + "Z".repeat(64), key256(4)]);
    expect(cacheSetManyStr(c, 4, 0, 0)).toBe(2);
    expect(result(2)).toBe(ERR_DIGEST_HEX);
    expect(cacheCount(c)).toBe(2);
    store<u32>(IO_IN, digestInternAt(IO_OUT + 4096, put(key256(7), IO_OUT + 4096)));
    store<u32>(IO_IN + 4, 0x7ffffff0);
    store<u32>(IO_IN + 8, 0);
    expect(cacheSetManyH(c, 3, 0, 0)).toBe(1);
    expect(result(1)).toBe(ERR_BAD_HANDLE);
    expect(cacheCount(c)).toBe(3);
    expect(cacheLookupManyH(c, 3, GET, 0)).toBe(1);
    expect(cacheCheck(c)).toBe(0);
    cacheFree(c);
  });

  test("refuse more than BATCH_MAX keys and records that run past the window", () => {
    const c = cacheNew(8, 0, false, false);
    expect(cacheLookupManyStr(c, BATCH_MAX + 1, GET, 0)).toBe(ERR_BAD_ARGUMENT);
    expect(cacheSetManyH(c, BATCH_MAX + 1, 0, 0)).toBe(ERR_BAD_ARGUMENT);
    // 72-byte records: 910 fit in the 64 KiB window; the 911th says it runs past the end.
    const fit = (IO_IN_SIZE / 72) as i32;
    for (let i = 0; i < fit; i++) {
      store<u8>(IO_IN + (i as usize) * 72, 71);
      put(key256(i as u32), IO_IN + (i as usize) * 72 + 1);
    }
    store<u8>(IO_IN + (fit as usize) * 72, 71);
    const stopped = cacheLookupManyStr(c, (fit + 1) as u32, PEEK, 0);
    expect(stopped).toBe(fit);
    expect(result(stopped)).toBe(ERR_BAD_ARGUMENT);
    expect(cacheCheck(c)).toBe(0);
    cacheFree(c);
  });

  test("a full batch of sets into a tiny cache logs every eviction without overflowing", () => {
    const c = cacheNew(1, 0, false, true);
    set(c, 99999); // before the handles: set() writes IO_IN
    cacheEventsDrained(c);
    for (let i: u32 = 0; i < BATCH_MAX; i++) {
      store<u32>(IO_IN + ((i as usize) << 2), digestInternAt(IO_OUT + 4096, put(key256(i), IO_OUT + 4096)));
    }
    expect(cacheSetManyH(c, BATCH_MAX, 0, 0)).toBe(BATCH_MAX as i32);
    expect(cacheEventCount(c)).toBe(BATCH_MAX);
    expect(eventSlot(c, BATCH_MAX - 1)).toBe(0);
    expect(readOut(cacheFormatEventKey(c, BATCH_MAX - 1))).toBe(key256(BATCH_MAX - 2));
    cacheEventsDrained(c);
    expect(cacheCheck(c)).toBe(0);
    cacheFree(c);
  });
});
