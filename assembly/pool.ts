// Layer record pool: fixed-size layer records in linear memory, handed out by handle.
//
// Records live in blocks of BLOCK_RECORDS; the pool grows one whole block at a time and
// never moves a block, so an index (and the address the host computed from it) stays
// valid for the pool's life. Blocks, records and the handle format are drawn in
// assembly/layout.ts; field offsets and codes are in assembly/abi.ts.
//
// digestId / diffIdId are handles in the core's digest table (NIL when unset), which holds
// each digest's bytes once (sha256 and sha512 alike); a record keeps no copy. A record (or a template) that
// holds a handle holds one reference to its digest (assembly/digest.ts): the host retains
// before it writes a handle in, and the pool releases it when the record is released, when
// releaseAll or free() drops every record, and when a template is replaced or cleared.
// Acquiring from a template that holds handles retains them for the new record.
//
// Free slots form an intrusive LIFO free list through the records' `next` field (a
// "free list" in Knuth's sense, TAOCP vol. 1, 2.2.3, the AVAIL stack), so acquire and
// release are O(1) and the most recently freed record, still in cache, is reused first.
//
// Invariants: the free list holds exactly the free slots (freeHead -> ... -> NIL); a
// slot's generation word has GEN_LIVE set exactly while it is acquired, and its low bits
// count acquisitions. A handle carries those counts (mod 128) beside the index, the
// "generational index" of entity systems, so a handle kept past its release is refused:
// RELEASED while the slot is free, STALE once it was reused (undetectable only after
// exactly a multiple of 128 reuses of that one slot).
//
// Acquire copies the media type's template (or the blank record) over the slot with
// memory.copy: an acquired record never carries an old record's fields. The debug build
// also poisons released records, so a host that reads a released slot through a raw
// address sees 0xdd bytes rather than plausible old data.

import {
  NIL, ERR_BAD_HANDLE, ERR_CAPACITY, ERR_BAD_ARGUMENT, ERR_POOL_RELEASED, ERR_POOL_STALE,
  RECORD_BYTES, BLOCK_SHIFT, BLOCK_RECORDS, MAX_RECORDS, MEDIA_CODES, POOL_BATCH_MAX, GENS_OFF,
  HANDLE_INDEX_MASK, GEN_SHIFT, GEN_MASK, GEN_LIVE, OFF_MEDIA, OFF_POSITION, OFF_FLAGS,
  OFF_DIGEST_ID, OFF_NEXT, OFF_PARENT, OFF_IMAGE, OFF_DIFF_ID_ID, OFF_COMPRESSED, OFF_UNCOMPRESSED,
  OFF_USER, POOL_FILL_MAX, FILL_COMPRESSED, FILL_UNCOMPRESSED, FILL_POSITION, FILL_FLAGS, FILL_PARENT,
  FILL_IMAGE, FILL_USER,
} from "./abi";
import { IO_IN, IO_OUT, reserve, release } from "./layout";
import { digestRetain, digestRelease } from "./digest";

const BLOCK_BYTES: usize = GENS_OFF + (BLOCK_RECORDS as usize) * 4;

@unmanaged
export class Pool {
  capacity: u32;
  inUse: u32;
  freeHead: u32;
  blockCount: u32;
  maxBlocks: u32;
  highWater: u32;
  templatesSet: u32;
  limit: u32;       // maxRecords exactly (the last block may hold more slots)
  acquires: u64;
  releases: u64;
  templateHits: u64;
  growths: u64;
  refused: u64;
  blocks: usize;    // maxBlocks × u32 block base addresses
  templates: usize; // MEDIA_CODES × RECORD_BYTES, then one blank record
}

// @ts-ignore: decorator
@inline function blockOf(p: Pool, s: u32): usize { return load<u32>(p.blocks + ((s >> BLOCK_SHIFT) << 2)) as usize; }
// @ts-ignore: decorator
@inline function recordAt(p: Pool, s: u32): usize { return blockOf(p, s) + ((s & (BLOCK_RECORDS - 1)) as usize) * (RECORD_BYTES as usize); }
// @ts-ignore: decorator
@inline function genAddr(p: Pool, s: u32): usize { return blockOf(p, s) + GENS_OFF + (((s & (BLOCK_RECORDS - 1)) as usize) << 2); }

function blankRecord(p: Pool): usize { return p.templates + (MEDIA_CODES as usize) * (RECORD_BYTES as usize); }

/** A blank record: zero digests and sizes, every link NIL. */
function writeBlank(rec: usize, media: u32): void {
  memory.fill(rec, 0, RECORD_BYTES);
  store<u32>(rec + OFF_MEDIA, media);
  store<u32>(rec + OFF_POSITION, NIL);
  store<u32>(rec + OFF_DIGEST_ID, NIL);
  store<u32>(rec + OFF_NEXT, NIL);
  store<u32>(rec + OFF_PARENT, NIL);
  store<u32>(rec + OFF_IMAGE, NIL);
  store<u32>(rec + OFF_DIFF_ID_ID, NIL);
}

/** Give back the digest references record `rec` holds, and forget them. */
function dropDigests(rec: usize): void {
  const d = load<u32>(rec + OFF_DIGEST_ID);
  if (d != NIL) digestRelease(d);
  const f = load<u32>(rec + OFF_DIFF_ID_ID);
  if (f != NIL) digestRelease(f);
  store<u32>(rec + OFF_DIGEST_ID, NIL);
  store<u32>(rec + OFF_DIFF_ID_ID, NIL);
}

/** Count the new holder of the digests a record copied from a template names. */
function retainDigests(rec: usize): void {
  const d = load<u32>(rec + OFF_DIGEST_ID);
  if (d != NIL && digestRetain(d) < 0) store<u32>(rec + OFF_DIGEST_ID, NIL);
  const f = load<u32>(rec + OFF_DIFF_ID_ID);
  if (f != NIL && digestRetain(f) < 0) store<u32>(rec + OFF_DIFF_ID_ID, NIL);
}

function templateAt(p: Pool, media: u32): usize { return p.templates + (media as usize) * (RECORD_BYTES as usize); }

/**
 * A pool with room for `initialRecords` (rounded up to whole blocks) that may grow to
 * `maxRecords`. Returns 0 when the arguments are out of range.
 */
export function poolNew(initialRecords: u32, maxRecords: u32): usize {
  if (maxRecords == 0 || maxRecords > MAX_RECORDS || initialRecords > maxRecords) return 0;
  const p = changetype<Pool>(reserve(offsetof<Pool>()));
  p.freeHead = NIL;
  p.limit = maxRecords;
  p.maxBlocks = (maxRecords + BLOCK_RECORDS - 1) >> BLOCK_SHIFT;
  p.blocks = reserve((p.maxBlocks as usize) << 2);
  p.templates = reserve(((MEDIA_CODES + 1) as usize) * (RECORD_BYTES as usize));
  writeBlank(blankRecord(p), 0);
  while (p.capacity < initialRecords) grow(p);
  p.growths = 0; // construction is not growth
  return changetype<usize>(p);
}

export function poolFree(ptr: usize): void {
  const p = changetype<Pool>(ptr);
  for (let s: u32 = 0; s < p.capacity; s++) if (load<u32>(genAddr(p, s)) & GEN_LIVE) dropDigests(recordAt(p, s));
  for (let m: u32 = 0; m < MEDIA_CODES; m++) if (p.templatesSet & (1 << m)) dropDigests(templateAt(p, m));
  for (let b: u32 = 0; b < p.blockCount; b++) release(load<u32>(p.blocks + ((b as usize) << 2)) as usize);
  release(p.blocks);
  release(p.templates);
  release(ptr);
}

/** Add one block and thread its slots onto the free list, lowest index first. */
function grow(p: Pool): bool {
  if (p.blockCount >= p.maxBlocks) return false;
  // Whole pages: TLSF would grow the memory by its current size for each block it lacks.
  const base = reserve(BLOCK_BYTES, true);
  store<u32>(p.blocks + ((p.blockCount as usize) << 2), base as u32);
  const first = p.blockCount << BLOCK_SHIFT;
  let next = p.freeHead;
  for (let i = BLOCK_RECORDS; i > 0; i--) {
    store<u32>(base + ((i - 1) as usize) * (RECORD_BYTES as usize) + OFF_NEXT, next);
    next = first + i - 1;
  }
  p.freeHead = first;
  p.blockCount++;
  p.capacity += BLOCK_RECORDS;
  p.growths++;
  return true;
}

/** Take a record initialised from `media`'s template; returns its handle or ERR_CAPACITY. */
export function poolAcquire(ptr: usize, media: u32): i32 {
  const p = changetype<Pool>(ptr);
  if (p.inUse >= p.limit || (p.freeHead == NIL && !grow(p))) return ERR_CAPACITY;
  const s = p.freeHead;
  const rec = recordAt(p, s);
  p.freeHead = load<u32>(rec + OFF_NEXT);
  const g = genAddr(p, s);
  const count = (load<u32>(g) + 1) & ~GEN_LIVE;
  store<u32>(g, count | GEN_LIVE);
  if (media < MEDIA_CODES && (p.templatesSet & (1 << media))) {
    memory.copy(rec, templateAt(p, media), RECORD_BYTES);
    retainDigests(rec);
    p.templateHits++;
  } else {
    memory.copy(rec, blankRecord(p), RECORD_BYTES);
    store<u32>(rec + OFF_MEDIA, media);
  }
  p.acquires++;
  if (++p.inUse > p.highWater) p.highWater = p.inUse;
  return (((count & GEN_MASK) << GEN_SHIFT) | s) as i32;
}

/** The slot index of a live handle, or why it is refused (negative). */
export function poolCheckHandle(ptr: usize, h: i32): i32 {
  const p = changetype<Pool>(ptr);
  const s = (h as u32) & HANDLE_INDEX_MASK;
  if (h < 0 || s >= p.capacity) return ERR_BAD_HANDLE;
  const gen = load<u32>(genAddr(p, s));
  if (!(gen & GEN_LIVE)) return ERR_POOL_RELEASED;
  if ((gen & GEN_MASK) != ((h as u32) >> GEN_SHIFT)) return ERR_POOL_STALE;
  return s as i32;
}

/** Give a record back. Double release and stale handles are refused, never trapped on. */
export function poolRelease(ptr: usize, h: i32): i32 {
  const p = changetype<Pool>(ptr);
  const s = poolCheckHandle(ptr, h);
  if (s < 0) { p.refused++; return s; }
  const g = genAddr(p, s as u32);
  store<u32>(g, load<u32>(g) & ~GEN_LIVE);
  const rec = recordAt(p, s as u32);
  dropDigests(rec);
  if (ASC_OPTIMIZE_LEVEL == 0) memory.fill(rec, 0xdd, RECORD_BYTES);
  store<u32>(rec + OFF_NEXT, p.freeHead);
  p.freeHead = s as u32;
  p.inUse--;
  p.releases++;
  return 0;
}

// ---- batches: many records in one crossing ----
// Handles go out as i32 at IO_OUT and come in as i32 at IO_IN (at most POOL_BATCH_MAX each).

/** Acquire `count` records of `media`; handles at IO_OUT. Returns how many were acquired
 *  (fewer than count only when the pool is full). */
export function poolAcquireMany(ptr: usize, media: u32, count: u32): i32 {
  if (count > POOL_BATCH_MAX) return ERR_BAD_ARGUMENT;
  for (let i: u32 = 0; i < count; i++) {
    const h = poolAcquire(ptr, media);
    if (h < 0) return i as i32;
    store<i32>(IO_OUT + ((i as usize) << 2), h);
  }
  return count as i32;
}

/** A size the host may store: an integer in [0, 2^53) (a JS number's exact range). */
// @ts-ignore: decorator
@inline function sizeOk(v: f64): bool { return v >= 0 && v <= 9007199254740991 && Math.floor(v) == v; }

/** A link column's value: a negative number is "none". */
// @ts-ignore: decorator
@inline function linkAt(col: usize, i: u32): u32 { const v = load<i32>(col + ((i as usize) << 2)); return v < 0 ? NIL : v as u32; }

/**
 * Acquire `count` records of `media` and fill each from the columns at IO_IN (FILL_*
 * offsets in assembly/abi.ts), so a batch of layers crosses once: record i takes entry i
 * of every column. Handles go to IO_OUT. Every size is checked before anything is taken:
 * ERR_BAD_ARGUMENT when one is not an integer in [0, 2^53); otherwise returns how many
 * were acquired (fewer than count only when the pool is full).
 */
export function poolAcquireFilled(ptr: usize, media: u32, count: u32): i32 {
  if (count > POOL_FILL_MAX) return ERR_BAD_ARGUMENT;
  for (let i: u32 = 0; i < count; i++) {
    const at = (i as usize) << 3;
    if (!sizeOk(load<f64>(IO_IN + FILL_COMPRESSED + at)) || !sizeOk(load<f64>(IO_IN + FILL_UNCOMPRESSED + at))) return ERR_BAD_ARGUMENT;
  }
  const p = changetype<Pool>(ptr);
  // Every field but the media code, the digests and `next` comes from the columns, so only
  // those are taken from the template (or left blank), not the whole record copied.
  const templated = media < MEDIA_CODES && (p.templatesSet & (1 << media)) != 0;
  const t = templated ? templateAt(p, media) : blankRecord(p);
  for (let i: u32 = 0; i < count; i++) {
    if (p.inUse >= p.limit || (p.freeHead == NIL && !grow(p))) return i as i32;
    const s = p.freeHead;
    const rec = recordAt(p, s);
    p.freeHead = load<u32>(rec + OFF_NEXT);
    const g = genAddr(p, s);
    const gen = (load<u32>(g) + 1) & ~GEN_LIVE;
    store<u32>(g, gen | GEN_LIVE);
    const h = (((gen & GEN_MASK) << GEN_SHIFT) | s) as i32;
    store<u32>(rec + OFF_MEDIA, media);
    store<u32>(rec + OFF_NEXT, load<u32>(t + OFF_NEXT));
    store<u32>(rec + OFF_DIGEST_ID, load<u32>(t + OFF_DIGEST_ID));
    store<u32>(rec + OFF_DIFF_ID_ID, load<u32>(t + OFF_DIFF_ID_ID));
    if (templated) { retainDigests(rec); p.templateHits++; }
    p.acquires++;
    if (++p.inUse > p.highWater) p.highWater = p.inUse;
    const at = (i as usize) << 3;
    store<u64>(rec + OFF_COMPRESSED, load<f64>(IO_IN + FILL_COMPRESSED + at) as u64);
    store<u64>(rec + OFF_UNCOMPRESSED, load<f64>(IO_IN + FILL_UNCOMPRESSED + at) as u64);
    store<u32>(rec + OFF_POSITION, linkAt(IO_IN + FILL_POSITION, i));
    store<u32>(rec + OFF_FLAGS, load<u32>(IO_IN + FILL_FLAGS + ((i as usize) << 2)));
    store<u32>(rec + OFF_PARENT, linkAt(IO_IN + FILL_PARENT, i));
    store<u32>(rec + OFF_IMAGE, linkAt(IO_IN + FILL_IMAGE, i));
    store<u32>(rec + OFF_USER, load<u32>(IO_IN + FILL_USER + ((i as usize) << 2)));
    store<i32>(IO_OUT + ((i as usize) << 2), h);
  }
  return count as i32;
}

/** Release the `count` handles at IO_IN. Returns 0, or the number refused, with each
 *  handle's result (0 or a negative code) at IO_OUT; the others are released all the same. */
export function poolReleaseMany(ptr: usize, count: u32): i32 {
  if (count > POOL_BATCH_MAX) return ERR_BAD_ARGUMENT;
  let refused: i32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const r = poolRelease(ptr, load<i32>(IO_IN + ((i as usize) << 2)));
    store<i32>(IO_OUT + ((i as usize) << 2), r);
    if (r < 0) refused++;
  }
  return refused;
}

/** Release every live record at once (between images); handles held elsewhere go stale. */
export function poolReleaseAll(ptr: usize): u32 {
  const p = changetype<Pool>(ptr);
  let n: u32 = 0;
  p.freeHead = NIL;
  for (let s = p.capacity; s > 0; s--) {
    const g = genAddr(p, s - 1);
    const gen = load<u32>(g);
    if (gen & GEN_LIVE) { store<u32>(g, gen & ~GEN_LIVE); dropDigests(recordAt(p, s - 1)); n++; }
    store<u32>(recordAt(p, s - 1) + OFF_NEXT, p.freeHead);
    p.freeHead = s - 1;
  }
  p.inUse = 0;
  p.releases += n;
  return n;
}

// ---- templates ----

/** Make a blank record with `flags` the template of `media`. */
export function poolTemplateInit(ptr: usize, media: u32, flags: u32): i32 {
  const p = changetype<Pool>(ptr);
  if (media >= MEDIA_CODES) return ERR_BAD_ARGUMENT;
  const t = templateAt(p, media);
  if (p.templatesSet & (1 << media)) dropDigests(t);
  writeBlank(t, media);
  store<u32>(t + OFF_FLAGS, flags);
  p.templatesSet |= 1 << media;
  return 0;
}

/** Make a copy of live record `h` the template of `media` (its media field is set to media). */
export function poolTemplateFrom(ptr: usize, media: u32, h: i32): i32 {
  const p = changetype<Pool>(ptr);
  if (media >= MEDIA_CODES) return ERR_BAD_ARGUMENT;
  const s = poolCheckHandle(ptr, h);
  if (s < 0) return s;
  const t = templateAt(p, media);
  if (p.templatesSet & (1 << media)) dropDigests(t);
  memory.copy(t, recordAt(p, s as u32), RECORD_BYTES);
  retainDigests(t);
  store<u32>(t + OFF_MEDIA, media);
  p.templatesSet |= 1 << media;
  return 0;
}

export function poolTemplateClear(ptr: usize, media: u32): i32 {
  const p = changetype<Pool>(ptr);
  if (media >= MEDIA_CODES) return ERR_BAD_ARGUMENT;
  if (p.templatesSet & (1 << media)) dropDigests(templateAt(p, media));
  p.templatesSet &= ~(1 << media);
  return 0;
}

// ---- addresses and stats ----

/** Base address of block b (records at base + i·RECORD_BYTES, generations after them). */
export function poolBlockBase(ptr: usize, b: u32): usize {
  const p = changetype<Pool>(ptr);
  return b < p.blockCount ? load<u32>(p.blocks + ((b as usize) << 2)) as usize : 0;
}
export function poolBlockCount(ptr: usize): u32 { return changetype<Pool>(ptr).blockCount; }
export function poolCapacity(ptr: usize): u32 { return changetype<Pool>(ptr).capacity; }
export function poolInUse(ptr: usize): u32 { return changetype<Pool>(ptr).inUse; }

/** Stats as f64 into IO_OUT: inUse, free, capacity, highWater, acquires, releases,
 *  templateHits, growths, refused. */
export function poolStats(ptr: usize): void {
  const p = changetype<Pool>(ptr);
  store<f64>(IO_OUT, p.inUse as f64);
  store<f64>(IO_OUT, (p.capacity - p.inUse) as f64, 8);
  store<f64>(IO_OUT, p.capacity as f64, 16);
  store<f64>(IO_OUT, p.highWater as f64, 24);
  store<f64>(IO_OUT, p.acquires as f64, 32);
  store<f64>(IO_OUT, p.releases as f64, 40);
  store<f64>(IO_OUT, p.templateHits as f64, 48);
  store<f64>(IO_OUT, p.growths as f64, 56);
  store<f64>(IO_OUT, p.refused as f64, 64);
}

/**
 * Check the invariants: the free list holds only free slots, once each, and free + live
 * slots add up to the capacity. Returns 0 when consistent, else a positive code.
 */
export function poolCheck(ptr: usize): i32 {
  const p = changetype<Pool>(ptr);
  if (p.capacity != p.blockCount << BLOCK_SHIFT) return 1;
  if (p.inUse > p.capacity || p.highWater < p.inUse) return 2;
  let live: u32 = 0;
  for (let s: u32 = 0; s < p.capacity; s++) if (load<u32>(genAddr(p, s)) & GEN_LIVE) live++;
  if (live != p.inUse) return 3;
  let free: u32 = 0;
  let s = p.freeHead;
  while (s != NIL) {
    if (s >= p.capacity) return 4;
    if (load<u32>(genAddr(p, s)) & GEN_LIVE) return 5;
    if (++free > p.capacity - p.inUse) return 6; // a loop in the free list
    s = load<u32>(recordAt(p, s) + OFF_NEXT);
  }
  if (free != p.capacity - p.inUse) return 7;
  if (p.acquires - p.releases != (p.inUse as u64)) return 8;
  return 0;
}
