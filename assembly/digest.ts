// OCI digests as bytes: parsing "sha256:<64 hex>" / "sha512:<128 hex>" and the core's
// digest table, which interns a digest once and hands back a small stable id (a handle).
// The cache, the layer pool and the graph all key on these ids or on the raw bytes.
//
// Spec: https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests
// Only the two registered algorithms with lowercase hex are accepted, as the spec requires.
//
// The table (regions drawn in assembly/layout.ts) is open addressing with linear probing,
// Knuth, The Art of Computer Programming vol. 3, 6.4 Algorithm L. A key's home index is the
// top bits of hashKey(), which mixes every bit of the digest into them (murmur3's
// finaliser, see hashKey).
//
// Digests are reference counted, so a long-running process does not keep every digest it
// ever saw: interning one counts a reference (a new digest starts at 1), each structure
// that keeps a handle (a LayerGraph node, a pool record, a parseDigest() caller) holds one,
// and digestRelease() drops it. At 0 the digest leaves the table by backward shift,
// Algorithm R of the same section ("deletion with linear probing"): later entries of the
// probe run move back into the hole, so no tombstone lengthens later probes and a probe
// still stops at the first empty cell.
//
// A freed slot is reused first in, first out (the free list is a queue threaded through
// `refs`), so a slot comes back only after every other free slot did. A handle carries the
// slot's release count (mod 128) beside its index, the generational index the layer pool
// uses too: a handle kept past its digest's release is refused with ERR_DIGEST_RELEASED,
// never read as the digest that took the slot next (undetectable only after exactly a
// multiple of 128 reuses of that slot while the stale handle was kept).

import {
  ALG_SHA256, ALG_SHA512, ERR_DIGEST_ALGORITHM, ERR_DIGEST_EMPTY, ERR_DIGEST_FORMAT,
  ERR_DIGEST_HEX, ERR_DIGEST_LENGTH, ERR_BAD_HANDLE, ERR_CAPACITY, ERR_DIGEST_RELEASED, NOT_FOUND, NIL,
  DIGEST_GEN_SHIFT, DIGEST_GEN_MASK, DIGEST_INDEX_MASK, MAX_DIGESTS,
} from "./abi";
import { reserve, release, nextPow2 } from "./layout";
import { slotCapacity, growSlots, keyAt, metaAt, refsAt, tailAt, hasTail, makeTail } from "./digest-slots";

/** The parsed key: 64 bytes (sha256 uses the first 32). */
export const KEY: usize = reserve(64);

/**
 * Parse an ASCII digest of `len` bytes at `src` into KEY.
 * Returns the algorithm (ALG_SHA256 / ALG_SHA512) or a negative error code.
 */
export function parseDigestAt(src: usize, len: i32): i32 {
  if (len == 0) return ERR_DIGEST_EMPTY;
  // "sha256:" and "sha512:" share the prefix "sha" and the colon at index 6.
  if (len < 7 || load<u8>(src + 6) != 58 /* ':' */) {
    return findColon(src, len) ? ERR_DIGEST_ALGORITHM : ERR_DIGEST_FORMAT;
  }
  const prefix = load<u32>(src) | 0; // "sha2" or "sha5"
  const mid = load<u16>(src + 4);
  const alg: i32 =
    prefix == 0x32616873 && mid == 0x3635 ? ALG_SHA256 :      // "sha2" "56"
    prefix == 0x35616873 && mid == 0x3231 ? ALG_SHA512 : 0;   // "sha5" "12"
  if (alg == 0) return ERR_DIGEST_ALGORITHM;
  const hexLen: i32 = alg == ALG_SHA512 ? 128 : 64;
  if (len - 7 != hexLen) return ERR_DIGEST_LENGTH;
  const hex = src + 7;
  let ok: u64 = ONES;
  for (let i = 0; i < hexLen; i += 8) {
    const x = load<u64>(hex + i);
    ok &= hexOk8(x);
    store<u32>(KEY + (i >> 1), hex8(x));
  }
  return ok == ONES ? alg : ERR_DIGEST_HEX;
}

// Eight hex digits at a time, in one u64 (SWAR): for a byte c < 0x80, c + (0x80 - k) has its
// top bit set exactly when c >= k, and no byte carries into the next. A digit is in
// [0x30, 0x39], a lowercase letter in [0x61, 0x66]; anything else (uppercase included) is
// refused, as the spec's grammar requires.
const ONES: u64 = 0x8080808080808080;
const LOW: u64 = 0x0101010101010101;

/** ONES when all eight bytes of x are lowercase hex digits; otherwise some top bit is clear. */
// @ts-ignore: decorator
@inline function hexOk8(x: u64): u64 {
  const ascii = ~x & ONES;
  const digit = (x + LOW * 0x50) & ~(x + LOW * 0x46) & ONES;
  const letter = (x + LOW * 0x1f) & ~(x + LOW * 0x19) & ONES;
  return ascii & (digit | letter);
}

/** The four bytes eight hex digits spell, in order (garbage when hexOk8 refused them). */
// @ts-ignore: decorator
@inline function hex8(x: u64): u32 {
  const letter = ((x + LOW * 0x1f) & ~(x + LOW * 0x19) & ONES) >> 7;
  const nib = (x & (LOW * 0x0f)) + letter * 9;
  // Byte 2k is the high nibble of output byte k, byte 2k + 1 its low nibble.
  let v = ((nib << 4) | (nib >> 8)) & 0x00ff00ff00ff00ff;
  v = (v | (v >> 8)) & 0x0000ffff0000ffff;
  return (v | (v >> 16)) as u32;
}

function findColon(src: usize, len: i32): bool {
  for (let i = 0; i < len; i++) if (load<u8>(src + i) == 58) return true;
  return false;
}

/**
 * 32-bit hash of a digest's first 32 bytes. Real digests are uniform anywhere, but
 * hand-made ones ("sha256:000…01", counters, test data) differ only in their last bytes:
 * a hash of a prefix gave them all one value and one ever longer probe run (O(n) per
 * call). So all four words are folded, then mixed (murmur3's fmix64) so that a change in
 * any bit reaches the top bits, which pick the table index.
 */
// @ts-ignore: decorator
@inline export function hashKey(key: usize): u32 {
  let h = load<u64>(key) ^ rotl<u64>(load<u64>(key, 8), 16) ^
          rotl<u64>(load<u64>(key, 16), 32) ^ rotl<u64>(load<u64>(key, 24), 48);
  h ^= h >> 33; h *= 0xff51afd7ed558ccd;
  h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53;
  h ^= h >> 33;
  return (h >> 32) as u32;
}

// @ts-ignore: decorator
@inline export function eq32(a: usize, b: usize): bool {
  return ((load<u64>(a) ^ load<u64>(b)) | (load<u64>(a, 8) ^ load<u64>(b, 8)) |
          (load<u64>(a, 16) ^ load<u64>(b, 16)) | (load<u64>(a, 24) ^ load<u64>(b, 24))) == 0;
}

/** Write the digest (alg, 32-byte head, optional tail) as ASCII at dst; returns its length. */
export function formatDigestAt(dst: usize, alg: u8, head: usize, tail: usize): i32 {
  const digits = "0123456789abcdef";
  const prefix = alg == ALG_SHA512 ? "sha512:" : "sha256:";
  for (let i = 0; i < 7; i++) store<u8>(dst + i, prefix.charCodeAt(i) as u8);
  const n = alg == ALG_SHA512 ? 64 : 32;
  for (let i = 0; i < n; i++) {
    const b = i < 32 ? load<u8>(head + i) : load<u8>(tail + i - 32);
    store<u8>(dst + 7 + 2 * i, digits.charCodeAt(b >> 4) as u8);
    store<u8>(dst + 8 + 2 * i, digits.charCodeAt(b & 15) as u8);
  }
  return 7 + 2 * n;
}

// ---- the digest table ----

/** Slots ever used: slots at and above it were never handed out. */
let dUsed: u32 = 0;
let dLive: u32 = 0;
// Per slot (assembly/digest-slots.ts): the key, then 8 bytes: the generation word, then a
// cache slot hint (u32 each), and the reference count.
// The generation word is DIGEST_LIVE while interned, its algorithm (DIGEST_ALG_SHIFT), and
// in the low bits how often it was released. The algorithm sits in the word a handle check
// reads anyway, and a slot's hash is recomputed from its key (the key is read to compare it
// in any case). The hint names one cache and a slot of it holding this digest's key (the
// cache's id in bits 24..31, the slot below; NIL: none), written and cleared by that cache
// (assembly/lru.ts) so that it names a slot only while the slot holds this key: a cache hit
// through a handle reads this pair and the cache's record, no hash, no probe, no key bytes
// and no tag. It sits beside the word the handle check reads, so it costs no cache line of
// its own. Interning a digest into a slot clears the slot's hint.
// The reference count is the holders while live, the next free slot (a queue) while free.
let dTable: usize = 0;
let dShift: u32 = 32;
let dMask: u32 = 0;
let freeHead: u32 = NIL;
let freeTail: u32 = NIL;

const DIGEST_LIVE: u32 = 0x80000000;
const DIGEST_ALG_SHIFT: u32 = 28;
/** The release count's bits of a generation word (below the algorithm's). */
const RELEASES_MASK: u32 = (1 << DIGEST_ALG_SHIFT) - 1;

// @ts-ignore: decorator
@inline function genAt(s: u32): u32 { return load<u32>(metaAt(s)); }
// @ts-ignore: decorator
@inline function setGen(s: u32, v: u32): void { store<u32>(metaAt(s), v); }
// @ts-ignore: decorator
@inline function algAt(s: u32): u8 { return ((genAt(s) >>> DIGEST_ALG_SHIFT) & 3) as u8; }
// @ts-ignore: decorator
@inline function hashAt(s: u32): u32 { return hashKey(keyAt(s)); }
// @ts-ignore: decorator
@inline function refsOf(s: u32): u32 { return load<u32>(refsAt(s)); }
// @ts-ignore: decorator
@inline function setRefs(s: u32, v: u32): void { store<u32>(refsAt(s), v); }

// @ts-ignore: decorator
@inline function u32At(base: usize, i: u32): u32 { return load<u32>(base + ((i as usize) << 2)); }
// @ts-ignore: decorator
@inline function setU32(base: usize, i: u32, v: u32): void { store<u32>(base + ((i as usize) << 2), v); }
// @ts-ignore: decorator
@inline function handleOf(slot: u32): u32 { return ((genAt(slot) & DIGEST_GEN_MASK) << DIGEST_GEN_SHIFT) | slot; }

function home(hash: u32): u32 { return hash >>> dShift; }

// A table cell holds slot + 1 in its low CELL_SLOT_BITS bits (0: empty) and 7 low bits of the
// digest's hash above them. A probe compares those bits before it reads a slot's key: the
// keys are 32 bytes each, far apart in memory, and a cell passed on the way to a match or an
// empty cell would otherwise cost a key read (a cache miss in a large table) each.
const CELL_SLOT_BITS: u32 = 25; // slot + 1 <= MAX_DIGESTS = 2^24
const CELL_SLOT_MASK: u32 = (1 << CELL_SLOT_BITS) - 1;
// @ts-ignore: decorator
@inline function cellTag(hash: u32): u32 { return hash & 0x7f; }
// @ts-ignore: decorator
@inline function cellOf(s: u32, hash: u32): u32 { return (cellTag(hash) << CELL_SLOT_BITS) | (s + 1); }
// @ts-ignore: decorator
@inline function cellSlot(v: u32): u32 { return (v & CELL_SLOT_MASK) - 1; }

/** Size the cell table to the slots' capacity (twice it, a power of two) and rehash, unless
 *  it has that size already. The old table goes first: when it ends where memory ends, the
 *  new one grows over it instead of beside it. */
function resizeTable(): void {
  const size = nextPow2(slotCapacity() * 2);
  if (dTable != 0 && dMask + 1 == size) return;
  release(dTable);
  dShift = 32 - ctz<u32>(size);
  dMask = size - 1;
  dTable = reserve((size as usize) << 2);
  for (let s: u32 = 0; s < dUsed; s++) if (genAt(s) & DIGEST_LIVE) insertSlot(s);
}

function insertSlot(s: u32): void { insertHashed(s, hashAt(s)); }

/** Put slot s, whose key hashes to h, in the first empty cell of its probe run. */
// @ts-ignore: decorator
@inline function insertHashed(s: u32, h: u32): void {
  let i = home(h);
  while (u32At(dTable, i) != 0) i = (i + 1) & dMask;
  setU32(dTable, i, cellOf(s, h));
}

/** Remove table cell i by backward shift (Algorithm R): no tombstones. */
function tableRemoveAt(i: u32): void {
  let hole = i;
  let j = i;
  while (true) {
    j = (j + 1) & dMask;
    const v = u32At(dTable, j);
    if (v == 0) break;
    const k = home(hashAt(cellSlot(v)));
    // Move j into the hole unless its home k lies cyclically in (hole, j].
    const stays = hole <= j ? (k > hole && k <= j) : (k > hole || k <= j);
    if (!stays) { setU32(dTable, hole, v); hole = j; }
  }
  setU32(dTable, hole, 0);
}

/**
 * Make room for `extra` more digests in one step, so bulk interning rehashes at most once.
 * The slots grow to the need (assembly/digest-slots.ts), not to a power of two: only the
 * cell table needs one, and a caller that says how many digests come (a pool sized up
 * front) would otherwise pay up to twice their bytes.
 */
export function digestReserveRoom(extra: u32): void {
  const need = min<u64>((dLive as u64) + (extra as u64), MAX_DIGESTS as u64) as u32;
  if (need > slotCapacity()) growTo(need);
}

function growTo(need: u32): void {
  growSlots(need);
  resizeTable();
}

/** The table cell holding the digest (alg, key[, tail]), or NIL. */
function findCell(alg: u8, key: usize, tail: usize, h: u32): u32 {
  // Cells hold live slots only, whose algorithm is never 0: alg == 0 matches nothing.
  if (dLive == 0) return NIL;
  let i = home(h);
  const tag = cellTag(h);
  while (true) {
    const v = u32At(dTable, i);
    if (v == 0) return NIL;
    const s = cellSlot(v);
    if (v >>> CELL_SLOT_BITS == tag && algAt(s) == alg && eq32(keyAt(s), key) &&
        (alg != ALG_SHA512 || eq32(tailAt(s), tail))) return i;
    i = (i + 1) & dMask;
  }
}

/** The handle of the digest (alg, key[, tail]) if it is interned, or NOT_FOUND. Counts nothing. */
export function digestFind(alg: u8, key: usize, tail: usize): i32 {
  const i = findCell(alg, key, tail, hashKey(key));
  return i == NIL ? NOT_FOUND : handleOf(cellSlot(u32At(dTable, i))) as i32;
}

/** A slot for a new digest: the oldest free one, a never used one, or one after growth. */
function takeSlot(): i32 {
  if (freeHead != NIL) {
    const s = freeHead;
    freeHead = refsOf(s);
    if (freeHead == NIL) freeTail = NIL;
    return s as i32;
  }
  if (dUsed == slotCapacity()) {
    if (dUsed >= MAX_DIGESTS) return ERR_CAPACITY;
    growTo(dUsed + 1);
  }
  return (dUsed++) as i32;
}

/** Intern the digest (alg, key[, tail]), counting one reference; returns its handle. */
export function digestInternKey(alg: u8, key: usize, tail: usize): i32 {
  return internHashed(alg, key, tail, hashKey(key));
}

/** digestInternKey for a key whose hash the caller already has. */
// @ts-ignore: decorator
@inline function internHashed(alg: u8, key: usize, tail: usize, h: u32): i32 {
  const cell = findCell(alg, key, tail, h);
  if (cell != NIL) {
    const found = cellSlot(u32At(dTable, cell));
    const refs = refsOf(found);
    if (refs == 0xffffffff) return ERR_CAPACITY;
    setRefs(found, refs + 1);
    return handleOf(found) as i32;
  }
  const taken = takeSlot();
  if (taken < 0) return taken;
  const s = taken as u32;
  copy32(keyAt(s), key);
  if (alg == ALG_SHA512) {
    if (!hasTail(s)) makeTail(s);
    copy32(tailAt(s), tail);
  }
  setGen(s, (genAt(s) & RELEASES_MASK) | ((alg as u32) << DIGEST_ALG_SHIFT) | DIGEST_LIVE);
  digestSetHint(s, NIL);
  setRefs(s, 1);
  insertHashed(s, h);
  dLive++;
  return handleOf(s) as i32;
}

/** 32 bytes by four loads and stores: memory.copy of so few is a call out of V8's code. */
// @ts-ignore: decorator
@inline function copy32(dst: usize, src: usize): void {
  store<u64>(dst, load<u64>(src));
  store<u64>(dst, load<u64>(src, 8), 8);
  store<u64>(dst, load<u64>(src, 16), 16);
  store<u64>(dst, load<u64>(src, 24), 24);
}

/** The slot of a live handle, or why it is refused (negative). */
export function digestSlot(handle: u32): i32 {
  const s = handle & DIGEST_INDEX_MASK;
  if (handle >>> 31 != 0 || s >= dUsed) return ERR_BAD_HANDLE;
  const gen = genAt(s);
  if (!(gen & DIGEST_LIVE) || (gen & DIGEST_GEN_MASK) != handle >>> DIGEST_GEN_SHIFT) return ERR_DIGEST_RELEASED;
  return s as i32;
}

/** Count one more holder of a live handle; 0 or a negative code. */
export function digestRetain(handle: u32): i32 {
  const s = digestSlot(handle);
  if (s < 0) return s;
  const refs = refsOf(s as u32);
  if (refs == 0xffffffff) return ERR_CAPACITY;
  setRefs(s as u32, refs + 1);
  return 0;
}

/**
 * Drop one holder of a live handle. The last one takes the digest out of the table and
 * queues its slot. Returns the references left (0: released) or a negative code.
 */
export function digestRelease(handle: u32): i32 {
  const r = digestSlot(handle);
  if (r < 0) return r;
  const s = r as u32;
  const refs = refsOf(s) - 1;
  if (refs > 0) { setRefs(s, refs); return refs as i32; }
  const alg = algAt(s);
  const tail: usize = alg == ALG_SHA512 ? tailAt(s) : 0;
  tableRemoveAt(findCell(alg, keyAt(s), tail, hashAt(s)));
  // Not live, no algorithm, one more release counted: every handle given out for it is now stale.
  setGen(s, ((genAt(s) & RELEASES_MASK) + 1) & RELEASES_MASK);
  setRefs(s, NIL);
  if (freeTail != NIL) setRefs(freeTail, s); else freeHead = s;
  freeTail = s;
  dLive--;
  return 0;
}

/** The holders a live handle has, or a negative code. */
export function digestRefCount(handle: u32): i32 {
  const s = digestSlot(handle);
  return s < 0 ? s : refsOf(s as u32) as i32;
}

// Accessors for a handle digestValid() accepted (the slot is its low bits).
export function digestValid(handle: u32): bool { return digestSlot(handle) >= 0; }
export function digestAlgOf(handle: u32): u8 { return algAt(handle & DIGEST_INDEX_MASK); }
export function digestKeyPtr(handle: u32): usize { return keyAt(handle & DIGEST_INDEX_MASK); }
export function digestTailPtr(handle: u32): usize { return tailAt(handle & DIGEST_INDEX_MASK); }
export function digestHashOf(handle: u32): u32 { return hashAt(handle & DIGEST_INDEX_MASK); }
/** The cache slot hint of a digest slot (NIL: none); see the per-slot comment above. */
// @ts-ignore: decorator
@inline export function digestHint(slot: u32): u32 { return load<u32>(metaAt(slot), 4); }
// @ts-ignore: decorator
@inline export function digestSetHint(slot: u32, cacheSlot: u32): void { store<u32>(metaAt(slot), cacheSlot, 4); }
/** Debug check of a cache slot's hint (assembly/lru.ts): false only when digest slot
 *  `dslot` is live with hint `hint` (so a handle of it would be answered from that cache
 *  slot) but holds another digest than (alg, key[, tail]), the key of that slot. */
export function digestHintHolds(dslot: u32, hint: u32, alg: u8, key: usize, tail: usize): bool {
  if (dslot >= dUsed || !(genAt(dslot) & DIGEST_LIVE) || digestHint(dslot) != hint) return true;
  return algAt(dslot) == alg && eq32(keyAt(dslot), key) && (alg != ALG_SHA512 || eq32(tailAt(dslot), tail));
}

/** Clear every hint naming the cache of id `owner` (bits 24..31 of a hint): a freed cache's
 *  id may be given to a new cache, whose slots hold other keys. */
export function digestDropHints(owner: u32): void {
  for (let s: u32 = 0; s < dUsed; s++) if (digestHint(s) >>> 24 == owner) digestSetHint(s, NIL);
}
/** Digests interned now (released ones not counted). */
export function digestCount(): u32 { return dLive; }

/** Parse an ASCII digest at src and intern it; returns the handle or a negative error code. */
export function digestInternAt(src: usize, len: i32): i32 {
  const alg = parseDigestAt(src, len);
  if (alg < 0) return alg;
  return digestInternKey(alg as u8, KEY, KEY + 32);
}

export function digestFormat(handle: u32, dst: usize): i32 {
  const s = digestSlot(handle);
  if (s < 0) return s;
  return formatDigestAt(dst, digestAlgOf(handle), digestKeyPtr(handle), digestTailPtr(handle));
}

/**
 * Debug check: the table holds exactly the live slots, each found from its home; the free
 * queue holds exactly the released slots below dUsed. 0 when consistent, else a code.
 */
export function digestCheck(): i32 {
  let live: u32 = 0;
  for (let s: u32 = 0; s < dUsed; s++) {
    if (!(genAt(s) & DIGEST_LIVE)) continue;
    live++;
    if (refsOf(s) == 0) return 1;
    if (algAt(s) != ALG_SHA256 && algAt(s) != ALG_SHA512) return 2;
    const tail: usize = algAt(s) == ALG_SHA512 ? tailAt(s) : 0;
    const i = findCell(algAt(s), keyAt(s), tail, hashAt(s));
    if (i == NIL || u32At(dTable, i) != cellOf(s, hashAt(s))) return 3;
  }
  if (live != dLive) return 4;
  let cells: u32 = 0;
  if (dTable != 0) for (let i: u32 = 0; i <= dMask; i++) if (u32At(dTable, i) != 0) cells++;
  if (cells != dLive) return 5;
  let free: u32 = 0;
  for (let s = freeHead; s != NIL; s = refsOf(s)) {
    if (s >= dUsed || (genAt(s) & DIGEST_LIVE)) return 6;
    if (++free > dUsed) return 7;
  }
  if (free + dLive != dUsed) return 8;
  return 0;
}

/**
 * Intern `count` digests written packed at `base`: their lengths (u8 each) first, then
 * their ASCII back to back (`bytes` in all), so the host copies a whole batch with one
 * encodeInto. Each handle, or a negative digest error code, goes as i32 to `out`.
 * Returns the number of refused digests. The caller has checked that every byte lies
 * in one region it owns.
 *
 * Digests go in groups of GROUP: the first pass parses a group's keys and hashes them, the
 * second loads each one's home cell, the third interns them. A large table's cell is a
 * cache miss per digest, and the loads of the second pass do not depend on one another, so
 * the processor overlaps their misses instead of waiting for each in turn (group
 * prefetching; wasm has no prefetch instruction, and a plain load does the same here).
 */
export function digestInternPackedAt(base: usize, count: u32, bytes: u32, out: usize): i32 {
  let off = base + (count as usize);
  const end = off + (bytes as usize);
  let refused: i32 = 0;
  for (let g: u32 = 0; g < count; g += GROUP) {
    const n = min<u32>(GROUP, count - g);
    for (let j: u32 = 0; j < n; j++) {
      const len = load<u8>(base + g + j) as usize;
      const alg = off + len > end ? ERR_DIGEST_LENGTH : parseDigestAt(off, len as i32);
      off += len;
      const at = GROUP_KEYS + ((j as usize) << 6);
      store<i32>(GROUP_ALGS + ((j as usize) << 2), alg);
      if (alg < 0) continue;
      copy32(at, KEY);
      if (alg == ALG_SHA512) copy32(at + 32, KEY + 32);
      store<u32>(GROUP_HASHES + ((j as usize) << 2), hashKey(at));
    }
    // The loads on their own, back to back: between two digests' parses lie hundreds of
    // instructions, more than the processor looks ahead, so loads made there wait in turn.
    let touched: u32 = 0;
    if (dTable != 0) for (let j: u32 = 0; j < n; j++) touched += u32At(dTable, home(load<u32>(GROUP_HASHES + ((j as usize) << 2))));
    _groupSink += touched;
    for (let j: u32 = 0; j < n; j++) {
      let id = load<i32>(GROUP_ALGS + ((j as usize) << 2));
      if (id >= 0) {
        const at = GROUP_KEYS + ((j as usize) << 6);
        id = internHashed(id as u8, at, at + 32, load<u32>(GROUP_HASHES + ((j as usize) << 2)));
      }
      if (id < 0) refused++;
      store<i32>(out + (((g + j) as usize) << 2), id);
    }
  }
  return refused;
}

/** Digests per group of digestInternPackedAt, and its working regions (keys 64 bytes each). */
const GROUP: u32 = 64;
const GROUP_KEYS: usize = reserve((GROUP as usize) << 6);
const GROUP_ALGS: usize = reserve((GROUP as usize) << 2);
const GROUP_HASHES: usize = reserve((GROUP as usize) << 2);
/** Where the first pass's loads go, so the optimiser cannot drop them as unused. */
let _groupSink: u32 = 0;
