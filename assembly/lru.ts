// MetadataCache core: a digest-keyed LRU over linear memory.
//
// Every region is reserved once at construction from the capacity (drawn in
// assembly/layout.ts); get/set/delete never allocate.
//
// Algorithms followed:
//   - the index is open addressing with linear probing, Knuth, The Art of Computer
//     Programming vol. 3 (2nd ed.), 6.4 Algorithm L, holding slot + 1 (0 = empty);
//   - deletion shifts later entries of the probe run back into the hole instead of
//     leaving tombstones, Algorithm R of the same section ("deletion with linear
//     probing"), so probe runs never grow with churn;
//   - recency is an intrusive doubly linked list over slot indexes, head = most recent,
//     as in node-lru-cache: a hit unlinks the slot and pushes it at the head, eviction
//     takes the tail, both O(1).
//
// Free slots are threaded through `next` starting at freeHead; slots never used yet are
// taken from `fresh` upwards so construction does not touch every slot.
//
// Events the host must see (evictions, expirations) are appended to the event log
// (EVENT_* offsets in assembly/abi.ts), with the 64 key bytes when logKeys is on, so a
// dispose callback can be told which digest went and why.
//
// TTL: an entry whose expiry time is <= now is invisible. Whatever operation reaches it
// first (lookup, set or delete of its key, eviction from the tail, clear, purge) removes
// it with REASON_EXPIRED and counts an expiration; nothing else sees it. Without TTL the
// `expires` region is never reserved and `expired()` is a single compare against 0.
//
// Batches stop at the first refused key and return how many keys they processed, so a
// batch behaves exactly like the same single calls made in a loop.

import {
  NIL, NOT_FOUND, ERR_TOO_LARGE, ERR_BAD_HANDLE, ERR_BAD_ARGUMENT, ALG_SHA256, ALG_SHA512, IO_IN_SIZE,
  LOOKUP_GET, REASON_EVICTED, REASON_EXPIRED, REASON_CLEARED, SET_REPLACED, SET_EVENTS, SLOT_MASK,
  EVENT_BYTES, EVENT_SLOT, EVENT_SEQ, EVENT_REASON, EVENT_ALG, EVENT_KEY, CACHE_BATCH_MAX,
  CACHE_SIZES_OFF, RECORD_HANDLE, CACHE_PACKED_KEYS_OFF, GOT_STORED, DIGEST_INDEX_MASK,
} from "./abi";
import { reserve, release, nextPow2, IO_IN, IO_OUT } from "./layout";
import {
  KEY, parseDigestAt, hashKey, eq32, digestValid, digestAlgOf, digestKeyPtr, digestTailPtr,
  digestHashOf, formatDigestAt, digestHint, digestSetHint, digestHintHolds, digestDropHints,
} from "./digest";

@unmanaged
export class Cache {
  capacity: u32;
  count: u32;
  head: u32;
  tail: u32;
  freeHead: u32;
  fresh: u32;
  shift: u32;
  mask: u32;
  /** Bits of a table cell holding slot + 1 (see cellOf); the bit above says sha512, the
   *  bits above that hold a hash tag. */
  cellBits: u32;
  logKeys: u32;
  eventCount: u32;
  eventCap: u32;
  seq: u32;
  maxBytes: u64;
  bytes: u64;
  hits: u64;
  misses: u64;
  sets: u64;
  deletes: u64;
  evictions: u64;
  expirations: u64;
  recs: usize;
  tails: usize;
  /** Per slot, u32: the digest slot + 1 whose hint names this slot (0: none); reserved on
   *  the first handle that reaches a key, so a cache used with strings only never holds it. */
  hints: usize;
  /** 1 once the hints region was found not to fit in linear memory: hints are then skipped. */
  noHints: u32;
  /** This cache's id in digest hints (bits 24..31), 1..254; 0: none left, no hints. */
  owner: u32;
  sizes: usize;
  expires: usize;
  table: usize;
  events: usize;
}

// ---- the slot record and small accessors (inlined) ----
// Everything a lookup, a hit and an eviction read of one slot sits in one record, so a
// hit touches its record and its list neighbours' records, not one line in each of six
// parallel regions:
//
//   ┌ prev u32 ┬ next u32 ┬ key: the digest's first 32 bytes ┐
//   0          4          8                                  40
//
// next threads the free list while the slot is free. The algorithm is one bit of the slot's
// table cell (see cellOf), which a probe reads before the record anyway; a free slot has no
// cell. sha512's bytes 32..63 stay in the lazily reserved `tails` region (rarely used, never
// on a sha256 path); sizes and expiry times stay in their optional regions. A slot's hash is
// not kept: it is recomputed from the key in the same record whenever a probe run is
// repaired (removals), and a probe compares keys directly.
//
// A handle hit takes no hash, no probe and no tag: the digest table keeps, beside the
// generation word the handle check reads, a hint naming a cache (by its id) and the slot of
// it that holds the digest's key (digestHint). The cache keeps the hint true: it writes it
// when a handle finds the key by the table, and when the slot loses the key (deleted,
// evicted, expired, cleared) it clears the hint, found through the slot's entry in the
// `hints` region (the digest slot + 1 that names it). Interning a digest into a released
// digest slot clears that slot's hint, and a freed cache clears every hint naming its id
// before the id is given out again. So a hint of this cache's id is trusted as it is; a
// hint naming another cache sends the lookup to the table, which then points the hint here.
// The hints region is reserved by the first handle lookup or set, so a cache reached only
// by strings keeps 40 bytes a slot; evictions of handle-reached slots pay its read.
//
//   hints s  ┌ digest slot + 1 whose hint names s (0: none) u32 ┐
const SLOT_BYTES: usize = 40;
const SLOT_PREV: usize = 0;
const SLOT_NEXT: usize = 4;
const SLOT_KEY: usize = 8;
const HINT_BYTES: usize = 4;
/** Hints name slots below 2^24 (bits 0..23) of caches with ids 1..254 (bits 24..31; 255
 *  would read as NIL). */
const HINT_SLOT_BITS: u32 = 24;
const HINT_OWNERS: u32 = 254;
/** Ids in use, one bit each (256 bits). */
const OWNERS: usize = reserve(32);
/** The digest slot given for a key no handle reached. The digest slot of this number itself
 *  (the table's very last) is never remembered, so it never takes a hint. */
const TAG_NO_DIGEST: u32 = 0xffffff;
// @ts-ignore: decorator
@inline function rec(c: Cache, s: u32): usize { return c.recs + (s as usize) * SLOT_BYTES; }
// @ts-ignore: decorator
@inline function keyOf(c: Cache, s: u32): usize { return rec(c, s) + SLOT_KEY; }
// @ts-ignore: decorator
@inline function nextOf(c: Cache, s: u32): u32 { return load<u32>(rec(c, s), SLOT_NEXT); }
// @ts-ignore: decorator
@inline function hashOf(c: Cache, s: u32): u32 { return hashKey(keyOf(c, s)); }
// @ts-ignore: decorator
@inline function hintOf(c: Cache, s: u32): usize { return c.hints + (s as usize) * HINT_BYTES; }
// @ts-ignore: decorator
@inline function hintFor(c: Cache, s: u32): u32 { return (c.owner << HINT_SLOT_BITS) | s; }

/** A free cache id for hints, or 0 when all are taken (that cache then works without hints). */
function takeOwner(): u32 {
  for (let id: u32 = 1; id <= HINT_OWNERS; id++) {
    const w = OWNERS + ((id >> 5) << 2);
    const bit: u32 = 1 << (id & 31);
    if ((load<u32>(w) & bit) == 0) { store<u32>(w, load<u32>(w) | bit); return id; }
  }
  return 0;
}

function giveOwner(id: u32): void {
  const w = OWNERS + ((id >> 5) << 2);
  store<u32>(w, load<u32>(w) & ~((1 as u32) << (id & 31)));
}
// A table cell holds slot + 1 in its low cellBits bits (0: empty), just wide enough for the
// capacity, then one bit set for a sha512 key, and the hash's low bits above them: a probe
// compares those (and the algorithm) before it reads a record, so the cells it passes on the
// way to a match or an empty cell cost no record read (a cache miss each in a large cache).
// Misses, sets and evictions all probe.
// @ts-ignore: decorator
@inline function cellOf(c: Cache, s: u32, alg: u8, h: u32): u32 {
  return (h << (c.cellBits + 1)) | (alg == ALG_SHA512 ? (1 as u32) << c.cellBits : 0) | (s + 1);
}
/** The cell's bits above the slot (hash tag and sha512 bit), as cellOf would make them. */
// @ts-ignore: decorator
@inline function cellUpper(c: Cache, alg: u8, h: u32): u32 {
  return ((h << (c.cellBits + 1)) >>> c.cellBits) | (alg == ALG_SHA512 ? 1 : 0);
}
// @ts-ignore: decorator
@inline function cellAlg(c: Cache, v: u32): u8 { return (v >>> c.cellBits) & 1 ? ALG_SHA512 : ALG_SHA256; }
// @ts-ignore: decorator
@inline function cellSlot(c: Cache, v: u32): u32 { return (v & ((1 << c.cellBits) - 1)) - 1; }
// @ts-ignore: decorator
@inline function slotAt(c: Cache, i: u32): u32 { return cellSlot(c, u32At(c.table, i)); }
// @ts-ignore: decorator
@inline function u32At(base: usize, i: u32): u32 { return load<u32>(base + ((i as usize) << 2)); }
// @ts-ignore: decorator
@inline function setU32(base: usize, i: u32, v: u32): void { store<u32>(base + ((i as usize) << 2), v); }

/**
 * Cells of the table for `capacity` entries: the power of two above 1.5 × capacity, so the
 * load stays between 1/3 and 2/3 and at least one cell is always empty (a probe for an
 * absent key stops there). Cells carry hash tags, so a probe passes the cells of a longer
 * run without reading their records; doubling the capacity instead (load 1/4 to 1/2) made
 * the table a fifth of a 10,000-entry cache's bytes.
 */
function tableSizeFor(capacity: u32): u32 { return nextPow2(capacity + (capacity >> 1) + 1); }

/** Bytes cacheNew would reserve for `capacity` (u64: must not wrap for huge requests). */
function bytesFor(capacity: u32, maxBytes: u64, withTtl: bool, logKeys: bool): u64 {
  const n = capacity as u64;
  let per: u64 = (SLOT_BYTES as u64) + 32 + (HINT_BYTES as u64); // the slot record, tails and hints (lazy, but counted)
  if (maxBytes > 0) per += 4;
  if (withTtl) per += 8;
  const table = (tableSizeFor(capacity) as u64) * 4;
  return n * per + table + (eventCapFor(capacity, maxBytes, withTtl, logKeys) as u64) * EVENT_BYTES;
}

/**
 * Most events one call can log. With a dispose callback (clear logs every entry), a TTL
 * (purge, or lookups that expire) or a byte budget (one set may evict many): every entry
 * present plus one per set of a batch. Otherwise the only event is a count eviction,
 * whose freed slot the same set takes at once (insertOrUpdate then drops the event before
 * returning), or evictOldest's one: a single record, 80 bytes, where a log sized for a
 * whole batch (2049 records, 160 KiB) made a 16-entry cache weigh 160 KiB.
 */
function eventCapFor(capacity: u32, maxBytes: u64, withTtl: bool, logKeys: bool): u32 {
  return logKeys || withTtl || maxBytes > 0 ? capacity + CACHE_BATCH_MAX : 1;
}

export function cacheNew(capacity: u32, maxBytes: u64, withTtl: bool, logKeys: bool): usize {
  if (capacity == 0 || capacity > (SLOT_MASK as u32)) return 0;
  // A request linear memory cannot hold must fail here, as a code, not as a trap in the
  // allocator: 64 KiB pages, at most 65536 of them, minus what is in use.
  const headroom = ((65536 - memory.size()) as u64) << 16;
  if (bytesFor(capacity, maxBytes, withTtl, logKeys) > headroom) return 0;
  const c = changetype<Cache>(reserve(offsetof<Cache>()));
  c.capacity = capacity;
  c.head = NIL; c.tail = NIL; c.freeHead = NIL;
  c.maxBytes = maxBytes;
  c.logKeys = logKeys ? 1 : 0;
  c.owner = capacity <= ((1 as u32) << HINT_SLOT_BITS) ? takeOwner() : 0;
  const n = capacity as usize;
  if (maxBytes > 0) c.sizes = reserve(n * 4);
  if (withTtl) c.expires = reserve(n * 8);
  const size = tableSizeFor(capacity);
  c.shift = 32 - ctz<u32>(size);
  c.mask = size - 1;
  c.cellBits = 32 - clz<u32>(capacity);
  // The table and the records in one region: one page-rounding, one growth.
  c.table = reserve((size as usize) * 4 + n * SLOT_BYTES);
  c.recs = c.table + (size as usize) * 4;
  // One call logs at most eventCap events (see eventCapFor).
  c.eventCap = eventCapFor(capacity, maxBytes, withTtl, logKeys);
  c.events = reserve((c.eventCap as usize) * EVENT_BYTES);
  return changetype<usize>(c);
}

export function cacheFree(p: usize): void {
  const c = changetype<Cache>(p);
  if (c.owner != 0) {
    if (c.hints != 0) digestDropHints(c.owner);
    giveOwner(c.owner);
  }
  release(c.table); release(c.tails); release(c.hints); release(c.sizes); release(c.expires); release(c.events);
  release(p);
}

// ---- lookup ----

/** Table index holding slot s's entry, or NIL when the key is absent. */
function findIndex(c: Cache, alg: u8, key: usize, tail: usize, h: u32): u32 {
  let i = h >>> c.shift;
  const table = c.table;
  const bits = c.cellBits;
  const upper = cellUpper(c, alg, h);
  while (true) {
    const v = u32At(table, i);
    if (v == 0) return NIL;
    if (v >>> bits != upper) { i = (i + 1) & c.mask; continue; }
    const s = cellSlot(c, v);
    if (eq32(keyOf(c, s), key) && (alg != ALG_SHA512 || eq32(c.tails + ((s as usize) << 5), tail))) return i;
    i = (i + 1) & c.mask;
  }
}

function tableInsert(c: Cache, s: u32, alg: u8, h: u32): void {
  let i = h >>> c.shift;
  while (u32At(c.table, i) != 0) i = (i + 1) & c.mask;
  setU32(c.table, i, cellOf(c, s, alg, h));
}

/** Remove table index i with backward shift, so no tombstones slow later probes. */
function tableRemoveAt(c: Cache, i: u32): void {
  const mask = c.mask;
  let hole = i;
  let j = i;
  while (true) {
    j = (j + 1) & mask;
    const v = u32At(c.table, j);
    if (v == 0) break;
    const k = hashOf(c, cellSlot(c, v)) >>> c.shift;
    // Move j into the hole unless its home k lies cyclically in (hole, j].
    const inRange = hole <= j ? (k > hole && k <= j) : (k > hole || k <= j);
    if (!inRange) { setU32(c.table, hole, v); hole = j; }
  }
  setU32(c.table, hole, 0);
}

// ---- list links ----

function unlink(c: Cache, s: u32): void {
  const r = rec(c, s);
  const p = load<u32>(r, SLOT_PREV);
  const n = load<u32>(r, SLOT_NEXT);
  if (p != NIL) store<u32>(rec(c, p), n, SLOT_NEXT); else c.head = n;
  if (n != NIL) store<u32>(rec(c, n), p, SLOT_PREV); else c.tail = p;
}

function pushFront(c: Cache, s: u32): void {
  const r = rec(c, s);
  store<u32>(r, NIL, SLOT_PREV);
  store<u32>(r, c.head, SLOT_NEXT);
  if (c.head != NIL) store<u32>(rec(c, c.head), s, SLOT_PREV); else c.tail = s;
  c.head = s;
}

function touch(c: Cache, s: u32): void {
  if (c.head == s) return;
  unlink(c, s);
  pushFront(c, s);
}

// ---- events ----

function logEvent(c: Cache, s: u32, alg: u8, reason: u32, withKey: bool): void {
  // The host drains after every call and eventCap bounds one call's events (see cacheNew).
  assert(c.eventCount < c.eventCap, "event log overflow");
  const e = c.events + (c.eventCount as usize) * EVENT_BYTES;
  store<u32>(e, s, EVENT_SLOT);
  store<u32>(e, c.seq, EVENT_SEQ);
  store<u32>(e, reason, EVENT_REASON);
  store<u32>(e, alg, EVENT_ALG);
  if (withKey) {
    memory.copy(e + EVENT_KEY, keyOf(c, s), 32);
    if (alg == ALG_SHA512) memory.copy(e + EVENT_KEY + 32, c.tails + ((s as usize) << 5), 32);
  }
  c.eventCount++;
}

/** Drop slot s entirely (table, list, bytes) and put it on the free list. */
function removeSlot(c: Cache, s: u32, tableIndex: u32): void {
  tableRemoveAt(c, tableIndex);
  unlink(c, s);
  if (c.sizes) c.bytes -= u32At(c.sizes, s);
  if (c.hints) forgetHint(c, s);
  store<u32>(rec(c, s), c.freeHead, SLOT_NEXT);
  c.freeHead = s;
  c.count--;
}

/** Table index of live slot s's cell (NIL if none): a probe from its key's home for the
 *  cell naming s, which compares no key. */
function indexOfSlot(c: Cache, s: u32): u32 {
  let i = hashOf(c, s) >>> c.shift;
  while (true) {
    const v = u32At(c.table, i);
    if (v == 0) return NIL;
    if (cellSlot(c, v) == s) return i;
    i = (i + 1) & c.mask;
  }
}

/** The algorithm of slot s's key, 0 when s has no cell (a free slot). A cache that never
 *  held a sha512 key needs no probe. */
function algOf(c: Cache, s: u32): u8 {
  const i = indexOfSlot(c, s);
  if (i == NIL) return 0;
  return c.tails == 0 ? ALG_SHA256 : cellAlg(c, u32At(c.table, i));
}

// @ts-ignore: decorator
@inline function expired(c: Cache, s: u32, now: f64): bool {
  return c.expires != 0 && load<f64>(c.expires + ((s as usize) << 3)) <= now;
}

/** Remove slot s as expired (it was found stale by whatever reached it). */
function expireSlot(c: Cache, s: u32, tableIndex: u32): void {
  logEvent(c, s, cellAlg(c, u32At(c.table, tableIndex)), REASON_EXPIRED, c.logKeys != 0);
  removeSlot(c, s, tableIndex);
  c.expirations++;
}

/** Remove the least recent entry: an eviction, or an expiration when it was already stale. */
function evictTail(c: Cache, now: f64): void {
  const s = c.tail;
  const i = indexOfSlot(c, s);
  if (expired(c, s, now)) { expireSlot(c, s, i); return; }
  logEvent(c, s, cellAlg(c, u32At(c.table, i)), REASON_EVICTED, c.logKeys != 0);
  removeSlot(c, s, i);
  c.evictions++;
}

// ---- operations on a key: its algorithm, its bytes (head 0..31, tail 32..63), its hash ----

function lookup(c: Cache, alg: u8, key: usize, tail: usize, h: u32, mode: u32, now: f64): i32 {
  const i = findIndex(c, alg, key, tail, h);
  if (i == NIL) {
    if (mode == LOOKUP_GET) c.misses++;
    return NOT_FOUND;
  }
  const s = slotAt(c, i);
  if (expired(c, s, now)) {
    expireSlot(c, s, i);
    if (mode == LOOKUP_GET) c.misses++;
    return NOT_FOUND;
  }
  if (mode == LOOKUP_GET) { c.hits++; touch(c, s); }
  return s as i32;
}

/** `dslot`: the digest table slot of a handle's key (its hint tag, see `hints`), or TAG_NO_DIGEST. */
function insertOrUpdate(c: Cache, alg: u8, key: usize, tail: usize, h: u32, size: u32, expiresAt: f64, now: f64, dslot: u32 = TAG_NO_DIGEST): i32 {
  if (c.maxBytes > 0 && (size as u64) > c.maxBytes) return ERR_TOO_LARGE;
  c.sets++;
  const eventsBefore = c.eventCount;
  let i = findIndex(c, alg, key, tail, h);
  let s: u32;
  let flags: i32 = 0;
  // A stale entry under this key is gone, not replaced: the set inserts afresh.
  if (i != NIL && expired(c, slotAt(c, i), now)) { expireSlot(c, slotAt(c, i), i); i = NIL; }
  if (i != NIL) {
    s = slotAt(c, i);
    flags = SET_REPLACED;
    touch(c, s);
    if (c.sizes) { c.bytes -= u32At(c.sizes, s); }
  } else {
    if (c.count == c.capacity) evictTail(c, now);
    if (c.freeHead != NIL) { s = c.freeHead; c.freeHead = nextOf(c, s); }
    else s = c.fresh++;
    const r = rec(c, s);
    memory.copy(r + SLOT_KEY, key, 32);
    if (alg == ALG_SHA512) {
      if (c.tails == 0) c.tails = reserve((c.capacity as usize) * 32);
      memory.copy(c.tails + ((s as usize) << 5), tail, 32);
    }
    tableInsert(c, s, alg, h);
    pushFront(c, s);
    c.count++;
  }
  if (c.sizes) {
    setU32(c.sizes, s, size);
    c.bytes += size;
    // Over the byte budget: drop least recent entries, never the one just written.
    while (c.bytes > c.maxBytes && c.tail != s) evictTail(c, now);
  }
  if (c.expires) store<f64>(c.expires + ((s as usize) << 3), expiresAt);
  remember(c, s, dslot);
  // A plain count eviction reuses the slot it freed; the host only needs the log when a
  // callback wants it or when a slot other than s was given up.
  if (c.eventCount != eventsBefore) {
    const only = c.eventCount == eventsBefore + 1 &&
      load<u32>(c.events + (eventsBefore as usize) * EVENT_BYTES + EVENT_SLOT) == s;
    if (c.logKeys || !only) flags |= SET_EVENTS; else c.eventCount = eventsBefore;
  }
  return (s as i32) | flags;
}

function remove(c: Cache, alg: u8, key: usize, tail: usize, h: u32, now: f64): i32 {
  const i = findIndex(c, alg, key, tail, h);
  if (i == NIL) return NOT_FOUND;
  const s = slotAt(c, i);
  if (expired(c, s, now)) { expireSlot(c, s, i); return NOT_FOUND; }
  removeSlot(c, s, i);
  c.deletes++;
  return s as i32;
}

// ---- key sources: a string in IO_IN, or a digest handle ----
// A string is parsed into KEY (parseDigestAt returns its algorithm or a negative code); a
// handle's key stays in the digest table, where digestKeyPtr/digestTailPtr point.

// The key of the last single-key string call, kept so that set() right after a missed
// get() of the same string (the usual get-then-set) neither copies nor parses it again.
// Only cacheLookupStr/cacheSetStr/cacheDeleteStr write it; the host remembers which string
// it holds (src/cache.ts lastKey) and calls cacheSetLast only for that string.
const LAST: usize = reserve(64);
let lastAlg: u8 = 0;
let lastHash: u32 = 0;

/** Keep the key just parsed into KEY as LAST; returns its hash. */
// @ts-ignore: decorator
@inline function keepLast(alg: u8): u32 {
  memory.copy(LAST, KEY, alg == ALG_SHA512 ? 64 : 32);
  lastAlg = alg;
  lastHash = hashKey(KEY);
  return lastHash;
}

export function cacheLookupStr(p: usize, len: i32, mode: u32, now: f64): i32 {
  const alg = parseDigestAt(IO_IN, len);
  if (alg < 0) return alg;
  const h = keepLast(alg as u8);
  return lookup(changetype<Cache>(p), alg as u8, LAST, LAST + 32, h, mode, now);
}

/** set() keyed by the last single-key string call (see LAST). */
export function cacheSetLast(p: usize, size: u32, expiresAt: f64, now: f64): i32 {
  if (lastAlg == 0) return ERR_BAD_ARGUMENT;
  const c = changetype<Cache>(p);
  c.seq = 0;
  return insertOrUpdate(c, lastAlg, LAST, LAST + 32, lastHash, size, expiresAt, now);
}

/** Slot s loses its key: the digest hint naming it (if any) is cleared, and its entry. */
// @ts-ignore: decorator
@inline function forgetHint(c: Cache, s: u32): void {
  const tag = load<u32>(hintOf(c, s));
  if (tag == 0) return;
  if (digestHint(tag - 1) == hintFor(c, s)) digestSetHint(tag - 1, NIL);
  store<u32>(hintOf(c, s), 0);
}

/**
 * The hints region, reserved on first use; false when linear memory cannot hold it. A hint
 * only saves a probe, so a cache that cannot have them works without (for good: the check
 * is not repeated on every handle call) rather than trap in the allocator.
 */
function ensureHints(c: Cache): bool {
  if (c.hints != 0) return true;
  if (c.noHints != 0) return false;
  const bytes = (c.capacity as usize) * HINT_BYTES;
  const headroom = ((65536 - memory.size()) as u64) << 16;
  if ((bytes as u64) + 2 * 65536 > headroom) { c.noHints = 1; return false; }
  // Whole pages from 32 KiB up, so a mid-sized cache's hints never make the allocator double the memory.
  c.hints = reserve(bytes, bytes >= 32768);
  return true;
}

/** Tag slot s as holding digest slot `dslot`'s key (the caller found them equal) and point
 *  the digest's hint at s. */
// @ts-ignore: decorator
@inline function remember(c: Cache, s: u32, dslot: u32): void {
  if (dslot == TAG_NO_DIGEST || c.owner == 0 || !ensureHints(c)) return;
  store<u32>(hintOf(c, s), dslot + 1);
  digestSetHint(dslot, hintFor(c, s));
}

/** The slot of this cache the digest hint of a valid handle names (the slot holds that
 *  digest's key, see `hints`); else NIL. */
// @ts-ignore: decorator
@inline function hinted(c: Cache, id: u32): u32 {
  const h = digestHint(id & DIGEST_INDEX_MASK);
  if (h >>> HINT_SLOT_BITS != c.owner || c.owner == 0) return NIL;
  return h & ((1 << HINT_SLOT_BITS) - 1);
}

/** lookup() of a handle digestValid() accepted: the hinted slot, else the table. */
function lookupH(c: Cache, id: u32, mode: u32, now: f64): i32 {
  const s = hinted(c, id);
  if (s != NIL && !expired(c, s, now)) {
    if (mode == LOOKUP_GET) { c.hits++; touch(c, s); }
    return s as i32;
  }
  const alg = digestAlgOf(id);
  const r = lookup(c, alg, digestKeyPtr(id), digestTailPtr(id), digestHashOf(id), mode, now);
  if (r >= 0) remember(c, r as u32, id & DIGEST_INDEX_MASK);
  return r;
}

/** insertOrUpdate() of a handle digestValid() accepted. */
function setH(c: Cache, id: u32, size: u32, expiresAt: f64, now: f64): i32 {
  return insertOrUpdate(c, digestAlgOf(id), digestKeyPtr(id), digestTailPtr(id), digestHashOf(id), size, expiresAt, now, id & DIGEST_INDEX_MASK);
}

export function cacheLookupH(p: usize, id: u32, mode: u32, now: f64): i32 {
  if (!digestValid(id)) return ERR_BAD_HANDLE;
  return lookupH(changetype<Cache>(p), id, mode, now);
}

export function cacheSetStr(p: usize, len: i32, size: u32, expiresAt: f64, now: f64): i32 {
  const alg = parseDigestAt(IO_IN, len);
  if (alg < 0) return alg;
  const h = keepLast(alg as u8);
  const c = changetype<Cache>(p);
  c.seq = 0;
  return insertOrUpdate(c, alg as u8, LAST, LAST + 32, h, size, expiresAt, now);
}

export function cacheSetH(p: usize, id: u32, size: u32, expiresAt: f64, now: f64): i32 {
  if (!digestValid(id)) return ERR_BAD_HANDLE;
  const c = changetype<Cache>(p);
  c.seq = 0;
  return setH(c, id, size, expiresAt, now);
}

// ---- get, then set on a miss, in one crossing ----
// The usual cache-aside step: a hit answers the slot; a miss stores the key at once
// (evicting as set() would) and answers its slot with GOT_STORED, and the host puts the
// value it then makes there. Only for caches without TTL or a byte budget (the host
// checks): an expiry met by the lookup or a size known only from the value would need
// the host between the two halves.

export function cacheGetOrSetStr(p: usize, len: i32): i32 {
  const alg = parseDigestAt(IO_IN, len);
  if (alg < 0) return alg;
  const h = keepLast(alg as u8);
  const c = changetype<Cache>(p);
  c.seq = 0;
  const s = lookup(c, alg as u8, LAST, LAST + 32, h, LOOKUP_GET, 0);
  if (s != NOT_FOUND) return s;
  const r = insertOrUpdate(c, alg as u8, LAST, LAST + 32, h, 0, 0, 0);
  return r < 0 ? r : r | GOT_STORED;
}

export function cacheGetOrSetH(p: usize, id: u32): i32 {
  if (!digestValid(id)) return ERR_BAD_HANDLE;
  const c = changetype<Cache>(p);
  c.seq = 0;
  const s = lookupH(c, id, LOOKUP_GET, 0);
  if (s != NOT_FOUND) return s;
  const r = setH(c, id, 0, 0, 0);
  return r < 0 ? r : r | GOT_STORED;
}

/**
 * getOrSet over a batch: IO_IN holds count u32 handles (`packed` false) or a packed string
 * batch (see cacheLookupManyPacked). Each answer (slot, GOT_STORED on a miss) goes as i32
 * to IO_OUT, the events each key caused carry its index; a key is looked up only after the
 * keys before it were stored, exactly as the single calls in a loop. Returns how many keys
 * it processed (a refused key stops the batch and holds its code).
 */
// @ts-ignore: decorator
@inline function getOrSetMany(p: usize, count: u32, packed: bool): i32 {
  if (count > CACHE_BATCH_MAX) return ERR_BAD_ARGUMENT;
  const c = changetype<Cache>(p);
  let off: usize = CACHE_PACKED_KEYS_OFF;
  for (let i: u32 = 0; i < count; i++) {
    c.seq = i;
    let r: i32;
    if (packed) {
      const len = load<u8>(IO_IN + i) as usize;
      if (off + len > IO_IN_SIZE) r = ERR_BAD_ARGUMENT;
      else {
        const alg = parseDigestAt(IO_IN + off, len as i32);
        if (alg < 0) r = alg;
        else {
          const h = hashKey(KEY);
          r = lookup(c, alg as u8, KEY, KEY + 32, h, LOOKUP_GET, 0);
          if (r == NOT_FOUND) {
            r = insertOrUpdate(c, alg as u8, KEY, KEY + 32, h, 0, 0, 0);
            if (r >= 0) r |= GOT_STORED;
          }
        }
      }
      off += len;
    } else {
      const id = load<u32>(IO_IN + ((i as usize) << 2));
      if (!digestValid(id)) r = ERR_BAD_HANDLE;
      else {
        r = lookupH(c, id, LOOKUP_GET, 0);
        if (r == NOT_FOUND) {
          r = setH(c, id, 0, 0, 0);
          if (r >= 0) r |= GOT_STORED;
        }
      }
    }
    store<i32>(IO_OUT + ((i as usize) << 2), r);
    if (r < 0) return i as i32;
  }
  return count as i32;
}

export function cacheGetOrSetManyPacked(p: usize, count: u32): i32 { return getOrSetMany(p, count, true); }
export function cacheGetOrSetManyH(p: usize, count: u32): i32 { return getOrSetMany(p, count, false); }

export function cacheDeleteStr(p: usize, len: i32, now: f64): i32 {
  const alg = parseDigestAt(IO_IN, len);
  if (alg < 0) return alg;
  const h = keepLast(alg as u8);
  const c = changetype<Cache>(p);
  c.seq = 0;
  return remove(c, alg as u8, LAST, LAST + 32, h, now);
}

export function cacheDeleteH(p: usize, id: u32, now: f64): i32 {
  if (!digestValid(id)) return ERR_BAD_HANDLE;
  const c = changetype<Cache>(p);
  c.seq = 0;
  return remove(c, digestAlgOf(id), digestKeyPtr(id), digestTailPtr(id), digestHashOf(id), now);
}

// ---- batches: many keys in one crossing ----
// Handle batches: IO_IN holds count u32 handles. Record batches: IO_IN holds count
// records, each [u8 len][len ASCII bytes] or [RECORD_HANDLE][u32 handle], so strings and
// handles mix. Sizes (setMany): u32 each at IO_OUT + CACHE_SIZES_OFF. Results: i32 each at
// IO_OUT. Each returns how many keys it processed: count, or the index of the first
// refused key (whose result holds the error code); nothing after a refused key is touched.

/** Offset just past the record at IO_IN + off. */
// @ts-ignore: decorator
@inline function recordEnd(off: usize): usize {
  const len = load<u8>(IO_IN + off);
  return len == RECORD_HANDLE ? off + 5 : off + 1 + (len as usize);
}

/** Batch key i's operation: a set (size from IO_OUT) or a lookup in `mode`. */
// @ts-ignore: decorator
@inline function batchOp(c: Cache, set: bool, i: u32, alg: u8, key: usize, tail: usize, h: u32, mode: u32, expiresAt: f64, now: f64): i32 {
  return set
    ? insertOrUpdate(c, alg, key, tail, h, load<u32>(IO_OUT + CACHE_SIZES_OFF + ((i as usize) << 2)), expiresAt, now)
    : lookup(c, alg, key, tail, h, mode, now);
}

/** Batch key i given as a digest handle. */
// @ts-ignore: decorator
@inline function batchOpH(c: Cache, set: bool, i: u32, id: u32, mode: u32, expiresAt: f64, now: f64): i32 {
  if (!digestValid(id)) return ERR_BAD_HANDLE;
  return set
    ? setH(c, id, load<u32>(IO_OUT + CACHE_SIZES_OFF + ((i as usize) << 2)), expiresAt, now)
    : lookupH(c, id, mode, now);
}

/**
 * The one batch loop. `records` picks the key source (records or u32 handles), `set`
 * the operation (insertOrUpdate with sizes from IO_OUT, or lookup in `mode`). Inlined
 * into each export with both flags constant, so each export compiles to its own loop.
 */
// @ts-ignore: decorator
@inline function batch(p: usize, count: u32, records: bool, set: bool, mode: u32, expiresAt: f64, now: f64, packed: bool = false): i32 {
  if (count > CACHE_BATCH_MAX) return ERR_BAD_ARGUMENT;
  const c = changetype<Cache>(p);
  let off: usize = packed ? CACHE_PACKED_KEYS_OFF : 0;
  for (let i: u32 = 0; i < count; i++) {
    c.seq = i;
    let r: i32;
    if (packed) {
      const len = load<u8>(IO_IN + i) as usize;
      if (off + len > IO_IN_SIZE) r = ERR_BAD_ARGUMENT;
      else {
        const alg = parseDigestAt(IO_IN + off, len as i32);
        r = alg < 0 ? alg : batchOp(c, set, i, alg as u8, KEY, KEY + 32, hashKey(KEY), mode, expiresAt, now);
      }
      off += len;
    } else if (!records) {
      r = batchOpH(c, set, i, load<u32>(IO_IN + ((i as usize) << 2)), mode, expiresAt, now);
    } else {
      const end = recordEnd(off);
      const len = load<u8>(IO_IN + off);
      if (end > IO_IN_SIZE) r = ERR_BAD_ARGUMENT;
      else if (len == RECORD_HANDLE) r = batchOpH(c, set, i, load<u32>(IO_IN + off + 1), mode, expiresAt, now);
      else {
        const alg = parseDigestAt(IO_IN + off + 1, len as i32);
        r = alg < 0 ? alg : batchOp(c, set, i, alg as u8, KEY, KEY + 32, hashKey(KEY), mode, expiresAt, now);
      }
      off = end;
    }
    store<i32>(IO_OUT + ((i as usize) << 2), r);
    // A miss is an answer; anything else negative stops the batch.
    if (r < 0 && (set || r != NOT_FOUND)) return i as i32;
  }
  return count as i32;
}

export function cacheLookupManyStr(p: usize, count: u32, mode: u32, now: f64): i32 {
  return batch(p, count, true, false, mode, 0, now);
}

export function cacheLookupManyH(p: usize, count: u32, mode: u32, now: f64): i32 {
  return batch(p, count, false, false, mode, 0, now);
}

export function cacheSetManyStr(p: usize, count: u32, expiresAt: f64, now: f64): i32 {
  return batch(p, count, true, true, 0, expiresAt, now);
}

export function cacheSetManyH(p: usize, count: u32, expiresAt: f64, now: f64): i32 {
  return batch(p, count, false, true, 0, expiresAt, now);
}

// Packed string batches: the host wrote every key's length (u8 each) at IO_IN and all the
// keys' ASCII back to back at IO_IN + CACHE_PACKED_KEYS_OFF, with one TextEncoder.encodeInto
// for the whole batch instead of one per key.

export function cacheLookupManyPacked(p: usize, count: u32, mode: u32, now: f64): i32 {
  return batch(p, count, true, false, mode, 0, now, true);
}

export function cacheSetManyPacked(p: usize, count: u32, expiresAt: f64, now: f64): i32 {
  return batch(p, count, true, true, 0, expiresAt, now, true);
}

// ---- whole-cache operations ----

/**
 * Evict the least recent live entry (stale ones at the tail leave as expired first).
 * Its event always carries the key, so the host can name it. Returns its slot or NOT_FOUND.
 */
export function cacheEvictOldest(p: usize, now: f64): i32 {
  const c = changetype<Cache>(p);
  c.seq = 0;
  while (c.tail != NIL && expired(c, c.tail, now)) expireSlot(c, c.tail, indexOfSlot(c, c.tail));
  if (c.tail == NIL) return NOT_FOUND;
  const s = c.tail;
  const i = indexOfSlot(c, s);
  logEvent(c, s, cellAlg(c, u32At(c.table, i)), REASON_EVICTED, true);
  removeSlot(c, s, i);
  c.evictions++;
  return s as i32;
}

/** Remove every expired entry (logging each); returns how many. */
export function cachePurgeStale(p: usize, now: f64): i32 {
  const c = changetype<Cache>(p);
  if (c.expires == 0) return 0;
  let n = 0;
  let s = c.head;
  c.seq = 0;
  while (s != NIL) {
    const next = nextOf(c, s);
    if (expired(c, s, now)) { expireSlot(c, s, indexOfSlot(c, s)); n++; }
    s = next;
  }
  return n;
}

/**
 * Empty the cache. With logKeys each entry is logged, most recent first, as cleared (or
 * expired when already stale); with TTL stale entries count as expirations.
 */
export function cacheClear(p: usize, now: f64): void {
  const c = changetype<Cache>(p);
  c.seq = 0;
  if (c.logKeys || c.expires) {
    for (let s = c.head; s != NIL; s = nextOf(c, s)) {
      const stale = expired(c, s, now);
      if (stale) c.expirations++;
      if (c.logKeys) logEvent(c, s, algOf(c, s), stale ? REASON_EXPIRED : REASON_CLEARED, true);
    }
  }
  memory.fill(c.table, 0, ((c.mask + 1) as usize) * 4);
  // Every slot loses its key; a free slot has no hint entry already (see removeSlot).
  if (c.hints) for (let s: u32 = 0; s < c.fresh; s++) forgetHint(c, s);
  c.head = NIL; c.tail = NIL; c.freeHead = NIL; c.fresh = 0;
  c.count = 0; c.bytes = 0;
}

export function cacheHead(p: usize): i32 { const s = changetype<Cache>(p).head; return s == NIL ? -1 : s as i32; }
export function cacheTail(p: usize): i32 { const s = changetype<Cache>(p).tail; return s == NIL ? -1 : s as i32; }
export function cacheNext(p: usize, s: u32): i32 { const n = nextOf(changetype<Cache>(p), s); return n == NIL ? -1 : n as i32; }
export function cacheIsExpired(p: usize, s: u32, now: f64): bool { return expired(changetype<Cache>(p), s, now); }
export function cacheSizeOf(p: usize, s: u32): u32 { const c = changetype<Cache>(p); return c.sizes ? u32At(c.sizes, s) : 0; }
export function cacheExpiresOf(p: usize, s: u32): f64 { const c = changetype<Cache>(p); return c.expires ? load<f64>(c.expires + ((s as usize) << 3)) : Infinity; }

/** Write slot s's digest as ASCII into IO_OUT; returns its length. */
export function cacheFormatKey(p: usize, s: u32): i32 {
  const c = changetype<Cache>(p);
  return formatDigestAt(IO_OUT, algOf(c, s), keyOf(c, s), c.tails + ((s as usize) << 5));
}

/** Write event e's digest as ASCII into IO_OUT (needs logKeys); returns its length. */
export function cacheFormatEventKey(p: usize, e: u32): i32 {
  const c = changetype<Cache>(p);
  const rec = c.events + (e as usize) * EVENT_BYTES;
  return formatDigestAt(IO_OUT, load<u32>(rec, EVENT_ALG) as u8, rec + EVENT_KEY, rec + EVENT_KEY + 32);
}

export function cacheEvents(p: usize): usize { return changetype<Cache>(p).events; }
export function cacheEventCount(p: usize): u32 { return changetype<Cache>(p).eventCount; }
export function cacheEventsDrained(p: usize): void { changetype<Cache>(p).eventCount = 0; }

export function cacheCount(p: usize): u32 { return changetype<Cache>(p).count; }
export function cacheBytes(p: usize): f64 { return changetype<Cache>(p).bytes as f64; }

/** Stats as f64 into IO_OUT: hits, misses, sets, deletes, evictions, expirations. */
export function cacheStats(p: usize): void {
  const c = changetype<Cache>(p);
  store<f64>(IO_OUT, c.hits as f64); store<f64>(IO_OUT, c.misses as f64, 8);
  store<f64>(IO_OUT, c.sets as f64, 16); store<f64>(IO_OUT, c.deletes as f64, 24);
  store<f64>(IO_OUT, c.evictions as f64, 32); store<f64>(IO_OUT, c.expirations as f64, 40);
}

export function cacheResetStats(p: usize): void {
  const c = changetype<Cache>(p);
  c.hits = 0; c.misses = 0; c.sets = 0; c.deletes = 0; c.evictions = 0; c.expirations = 0;
}

/**
 * Debug check: the list, the table, the free list and the byte total agree.
 * Returns 0 when consistent, else a positive code naming the first broken invariant.
 */
export function cacheCheck(p: usize): i32 {
  const c = changetype<Cache>(p);
  // 1. list: walk head->tail, prev links mirror next links, length == count, all slots live.
  let n: u32 = 0;
  let prev = NIL;
  let bytes: u64 = 0;
  let s = c.head;
  while (s != NIL) {
    if (s >= c.fresh) return 1;
    const alg = algOf(c, s);
    if (alg == 0) return 2;
    if (load<u32>(rec(c, s), SLOT_PREV) != prev) return 3;
    if (++n > c.count) return 4;
    if (c.sizes) bytes += u32At(c.sizes, s);
    const tail = c.tails + ((s as usize) << 5);
    // 2. a hint tag that still passes the hint check names a digest with this very key.
    if (c.hints) {
      const tag = load<u32>(hintOf(c, s));
      if (tag != 0 && !digestHintHolds(tag - 1, hintFor(c, s), alg, keyOf(c, s), tail)) return 5;
    }
    // 3. table: every listed slot is found by its key.
    const i = findIndex(c, alg, keyOf(c, s), tail, hashOf(c, s));
    if (i == NIL || slotAt(c, i) != s) return 6;
    prev = s;
    s = nextOf(c, s);
  }
  if (n != c.count || prev != c.tail) return 7;
  // 4. table holds exactly count entries.
  let used: u32 = 0;
  for (let i: u32 = 0; i <= c.mask; i++) if (u32At(c.table, i) != 0) used++;
  if (used != c.count) return 8;
  // 5. free list: free slots only, count + free + never-used == capacity.
  let free: u32 = 0;
  s = c.freeHead;
  while (s != NIL) {
    if (s >= c.fresh || algOf(c, s) != 0) return 9;
    if (c.hints && load<u32>(hintOf(c, s)) != 0) return 9;
    if (++free > c.capacity) return 10;
    s = nextOf(c, s);
  }
  if (c.count + free != c.fresh) return 11;
  if (c.fresh > c.capacity) return 12;
  // 6. byte total.
  if (c.sizes && bytes != c.bytes) return 13;
  if (c.maxBytes > 0 && c.bytes > c.maxBytes) return 14;
  // 7. the host drained the event log after the last call (else dispose calls were lost).
  if (c.eventCount != 0) return 15;
  return 0;
}
