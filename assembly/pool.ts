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
  HANDLE_INDEX_MASK, GEN_SHIFT, GEN_MASK, GEN_LIVE, GEN_BATCH, GEN_COUNT_MASK, ERR_POOL_BATCHED,
  POOL_VIEW_MAX, POOL_VIEW_WORDS_OFF, OFF_MEDIA, OFF_POSITION, OFF_FLAGS,
  OFF_DIGEST_ID, OFF_NEXT, OFF_PARENT, OFF_IMAGE, OFF_DIFF_ID_ID, OFF_COMPRESSED, OFF_UNCOMPRESSED,
  OFF_USER, POOL_FILL_MAX, FILL_COMPRESSED, FILL_UNCOMPRESSED, FILL_POSITION, FILL_FLAGS, FILL_PARENT,
  FILL_IMAGE, FILL_USER,
} from "./abi";
import { IO_IN, IO_OUT, reserve, release } from "./layout";
import { digestRetain, digestRelease } from "./digest";

const BLOCK_BYTES: usize = GENS_OFF + (BLOCK_RECORDS as usize) * 4;
/** A slab grown on demand is at most 8 · SLAB_STEPS + 1 blocks (see slabFor). */
const SLAB_STEPS: u32 = 2;

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
  slabs: usize;     // maxBlocks × u32: the regions blocks were carved from (slabCount used)
  slabCount: u32;
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

/** A record's 52 bytes copied by plain loads and stores: memory.copy of so few bytes is a
 *  call out of the compiled code in V8, several times the cost of these seven moves. */
// @ts-ignore: decorator
@inline function copyRecord(dst: usize, src: usize): void {
  store<u64>(dst, load<u64>(src));
  store<u64>(dst, load<u64>(src, 8), 8);
  store<u64>(dst, load<u64>(src, 16), 16);
  store<u64>(dst, load<u64>(src, 24), 24);
  store<u64>(dst, load<u64>(src, 32), 32);
  store<u64>(dst, load<u64>(src, 40), 40);
  store<u32>(dst, load<u32>(src, 48), 48);
}

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
  p.slabs = reserve((p.maxBlocks as usize) << 2);
  p.templates = reserve(((MEDIA_CODES + 1) as usize) * (RECORD_BYTES as usize));
  writeBlank(blankRecord(p), 0);
  // What is asked for up front comes as one region: no page's tail is left unused per block.
  if (initialRecords > 0) grow(p, (initialRecords + BLOCK_RECORDS - 1) >> BLOCK_SHIFT);
  p.growths = 0; // construction is not growth
  return changetype<usize>(p);
}

export function poolFree(ptr: usize): void {
  const p = changetype<Pool>(ptr);
  for (let s: u32 = 0; s < p.capacity; s++) if (load<u32>(genAddr(p, s)) & GEN_LIVE) dropDigests(recordAt(p, s));
  for (let m: u32 = 0; m < MEDIA_CODES; m++) if (p.templatesSet & (1 << m)) dropDigests(templateAt(p, m));
  for (let i: u32 = 0; i < p.slabCount; i++) release(load<u32>(p.slabs + ((i as usize) << 2)) as usize);
  release(p.blocks);
  release(p.slabs);
  release(p.templates);
  release(ptr);
}

/**
 * The blocks a pool grown on demand adds next. A block is 56 KiB, so one per region leaves
 * 8 KiB of its 64 KiB page unused (an eighth of the pool); 8m + 1 blocks and the region's
 * header fit 7m + 1 pages with under 8 KiB to spare. So a small pool grows a block at a
 * time (it stays small), and from 8 blocks on it grows by 9, 17, 33 and at most 65 blocks
 * (3.6 MiB): about double while small, then steps whose slack is a few bytes per record.
 */
function slabFor(p: Pool): u32 {
  if (p.blockCount < 8) return 1;
  return 8 * min<u32>(p.blockCount >> 3, SLAB_STEPS) + 1;
}

/** Add `blocks` blocks (fewer at maxBlocks) as one region and thread their slots onto the
 *  free list, lowest index first. False when the pool has every block it may have. */
function grow(p: Pool, blocks: u32 = 0): bool {
  if (p.blockCount >= p.maxBlocks) return false;
  if (blocks == 0) blocks = slabFor(p);
  blocks = min<u32>(blocks, p.maxBlocks - p.blockCount);
  // Whole pages: TLSF would grow the memory by its current size for each region it lacks.
  const slab = reserve((blocks as usize) * BLOCK_BYTES, true);
  store<u32>(p.slabs + ((p.slabCount as usize) << 2), slab as u32);
  p.slabCount++;
  let next = p.freeHead;
  for (let b = blocks; b > 0; b--) {
    const base = slab + ((b - 1) as usize) * BLOCK_BYTES;
    store<u32>(p.blocks + (((p.blockCount + b - 1) as usize) << 2), base as u32);
    const first = (p.blockCount + b - 1) << BLOCK_SHIFT;
    for (let i = BLOCK_RECORDS; i > 0; i--) {
      store<u32>(base + ((i - 1) as usize) * (RECORD_BYTES as usize) + OFF_NEXT, next);
      next = first + i - 1;
    }
  }
  p.freeHead = next;
  p.blockCount += blocks;
  p.capacity += blocks << BLOCK_SHIFT;
  p.growths++;
  return true;
}

/**
 * Take the free list's first record, marked `mark` (GEN_LIVE, with GEN_BATCH for a batch),
 * initialised from `media`'s template; its handle, or ERR_CAPACITY.
 */
// @ts-ignore: decorator
@inline function take(p: Pool, media: u32, mark: u32): i32 {
  if (p.inUse >= p.limit || (p.freeHead == NIL && !grow(p))) return ERR_CAPACITY;
  const s = p.freeHead;
  const rec = recordAt(p, s);
  p.freeHead = load<u32>(rec + OFF_NEXT);
  const g = genAddr(p, s);
  const count = (load<u32>(g) + 1) & GEN_COUNT_MASK;
  store<u32>(g, count | mark);
  if (media < MEDIA_CODES && (p.templatesSet & (1 << media))) {
    copyRecord(rec, templateAt(p, media));
    retainDigests(rec);
    p.templateHits++;
  } else {
    copyRecord(rec, blankRecord(p));
    store<u32>(rec + OFF_MEDIA, media);
  }
  p.acquires++;
  if (++p.inUse > p.highWater) p.highWater = p.inUse;
  return (((count & GEN_MASK) << GEN_SHIFT) | s) as i32;
}

/** Take a record initialised from `media`'s template; returns its handle or ERR_CAPACITY. */
export function poolAcquire(ptr: usize, media: u32): i32 {
  return take(changetype<Pool>(ptr), media, GEN_LIVE);
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

/** Give a record back. Double release and stale handles are refused, never trapped on;
 *  so is a batch's record, which only its batch gives back (poolReleaseBatch). */
export function poolRelease(ptr: usize, h: i32): i32 {
  const p = changetype<Pool>(ptr);
  const s = poolCheckHandle(ptr, h);
  if (s < 0) { p.refused++; return s; }
  if (load<u32>(genAddr(p, s as u32)) & GEN_BATCH) { p.refused++; return ERR_POOL_BATCHED; }
  freeSlot(p, s as u32);
  return 0;
}

/** Put live slot s back on the free list, dropping what its record holds. */
// @ts-ignore: decorator
@inline function freeSlot(p: Pool, s: u32): void {
  const g = genAddr(p, s);
  store<u32>(g, load<u32>(g) & GEN_COUNT_MASK);
  const rec = recordAt(p, s);
  dropDigests(rec);
  if (ASC_OPTIMIZE_LEVEL == 0) memory.fill(rec, 0xdd, RECORD_BYTES);
  store<u32>(rec + OFF_NEXT, p.freeHead);
  p.freeHead = s;
  p.inUse--;
  p.releases++;
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
    const gen = (load<u32>(g) + 1) & GEN_COUNT_MASK;
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

// ---- batches the host fills in place ----

/**
 * Acquire `count` records of `media` as one batch: their handles go to IO_OUT and each
 * record's word address (byte address / 4) to IO_OUT + POOL_VIEW_WORDS_OFF, so the host
 * writes and reads the fields through its own typed-array view with no call per record.
 * The records carry GEN_BATCH until poolReleaseBatch gives them back: that the host writes
 * through raw addresses is safe only while no single release can free one. All or nothing:
 * ERR_CAPACITY, having taken nothing, when `count` more do not fit.
 *
 * The loop keeps the pool's fields and the template's words in locals: stores to records
 * could alias the pool's own fields, so a loop through take() reloads them every record.
 */
export function poolAcquireBatch(ptr: usize, media: u32, count: u32): i32 {
  if (count > POOL_VIEW_MAX) return ERR_BAD_ARGUMENT;
  const p = changetype<Pool>(ptr);
  if (count > p.limit - p.inUse) return ERR_CAPACITY;
  while (p.capacity - p.inUse < count) if (!grow(p)) return ERR_CAPACITY;
  const templated = media < MEDIA_CODES && (p.templatesSet & (1 << media)) != 0;
  const t = templated ? templateAt(p, media) : blankRecord(p);
  const holdsDigests = load<u32>(t + OFF_DIGEST_ID) != NIL || load<u32>(t + OFF_DIFF_ID_ID) != NIL;
  const w0 = load<u64>(t), w1 = load<u64>(t, 8), w3 = load<u64>(t, 24), w4 = load<u64>(t, 32), w5 = load<u64>(t, 40);
  const w6 = load<u32>(t, 48);
  // Bytes 16..23 are the media code and the position: the blank record's code is 0.
  const w2 = (load<u64>(t, 16) & 0xffffffff00000000) | (media as u64);
  const blocks = p.blocks;
  let head = p.freeHead;
  for (let i: u32 = 0; i < count; i++) {
    const s = head;
    const base = load<u32>(blocks + ((s >> BLOCK_SHIFT) << 2)) as usize;
    const k = (s & (BLOCK_RECORDS - 1)) as usize;
    const rec = base + k * (RECORD_BYTES as usize);
    head = load<u32>(rec + OFF_NEXT);
    const g = base + GENS_OFF + (k << 2);
    const gen = (load<u32>(g) + 1) & GEN_COUNT_MASK;
    store<u32>(g, gen | GEN_LIVE | GEN_BATCH);
    store<u64>(rec, w0);
    store<u64>(rec, w1, 8);
    store<u64>(rec, w2, 16);
    store<u64>(rec, w3, 24);
    store<u64>(rec, w4, 32);
    store<u64>(rec, w5, 40);
    store<u32>(rec, w6, 48);
    if (holdsDigests) retainDigests(rec);
    store<i32>(IO_OUT + ((i as usize) << 2), (((gen & GEN_MASK) << GEN_SHIFT) | s) as i32);
    store<u32>(IO_OUT + POOL_VIEW_WORDS_OFF + ((i as usize) << 2), (rec >> 2) as u32);
  }
  p.freeHead = head;
  p.acquires += count;
  if (templated) p.templateHits += count;
  p.inUse += count;
  if (p.inUse > p.highWater) p.highWater = p.inUse;
  return count as i32;
}

/**
 * Release the batch records whose `count` handles are at IO_IN. Returns 0, or the number
 * refused (not live, or not a batch's) with the first refused one's index at IO_OUT and its
 * code after it; the others are released all the same.
 */
export function poolReleaseBatch(ptr: usize, count: u32): i32 {
  if (count > POOL_BATCH_MAX) return ERR_BAD_ARGUMENT;
  const p = changetype<Pool>(ptr);
  const blocks = p.blocks;
  const capacity = p.capacity;
  let head = p.freeHead;
  let refused: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const h = load<u32>(IO_IN + ((i as usize) << 2));
    const s = h & HANDLE_INDEX_MASK;
    let code: i32 = 0;
    if ((h as i32) < 0 || s >= capacity) code = ERR_BAD_HANDLE;
    else {
      const base = load<u32>(blocks + ((s >> BLOCK_SHIFT) << 2)) as usize;
      const k = (s & (BLOCK_RECORDS - 1)) as usize;
      const g = base + GENS_OFF + (k << 2);
      const gen = load<u32>(g);
      if (!(gen & GEN_LIVE)) code = ERR_POOL_RELEASED;
      else if ((gen & GEN_MASK) != h >>> GEN_SHIFT) code = ERR_POOL_STALE;
      else if (!(gen & GEN_BATCH)) code = ERR_BAD_ARGUMENT;
      else {
        store<u32>(g, gen & GEN_COUNT_MASK);
        const rec = base + k * (RECORD_BYTES as usize);
        if (load<u32>(rec + OFF_DIGEST_ID) != NIL || load<u32>(rec + OFF_DIFF_ID_ID) != NIL) dropDigests(rec);
        if (ASC_OPTIMIZE_LEVEL == 0) memory.fill(rec, 0xdd, RECORD_BYTES);
        store<u32>(rec + OFF_NEXT, head);
        head = s;
      }
    }
    if (code != 0 && refused++ == 0) {
      store<u32>(IO_OUT, i);
      store<i32>(IO_OUT, code, 4);
    }
  }
  const released = count - refused;
  p.freeHead = head;
  p.inUse -= released;
  p.releases += released;
  p.refused += refused;
  return refused as i32;
}

/** Release every live record at once (between images); handles held elsewhere go stale. */
export function poolReleaseAll(ptr: usize): u32 {
  const p = changetype<Pool>(ptr);
  let n: u32 = 0;
  p.freeHead = NIL;
  for (let s = p.capacity; s > 0; s--) {
    const g = genAddr(p, s - 1);
    const gen = load<u32>(g);
    if (gen & GEN_LIVE) { store<u32>(g, gen & GEN_COUNT_MASK); dropDigests(recordAt(p, s - 1)); n++; }
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
  for (let s: u32 = 0; s < p.capacity; s++) {
    const gen = load<u32>(genAddr(p, s));
    if (gen & GEN_LIVE) live++;
    else if (gen & GEN_BATCH) return 9; // a free slot still marked as a batch's
  }
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
