// LayerPool: the layer records of every image read, kept in the core's record pool
// (assembly/pool.ts) and read and written in place through typed-array views.
//
// acquire() hands back a number (a handle), not an object: the accessors take the handle,
// check its generation against the slot's (one u32 load), and touch the record's bytes
// directly, so steady-state use allocates nothing in JavaScript. A handle used after its
// release throws StaleHandleError; so does a second release.
//
// Record layout and handle format come from the generated ABI mirror (src/wasm/abi.ts).
// After free() every call refuses with FreedError: the views are emptied and the exports
// replaced, so even a kept LayerCursor cannot read the memory another structure now owns.

import { CapacityError, CoreError, FreedError, InvariantError, StaleHandleError } from "./errors.js";
import type { LayerBatch } from "./pool-batch.js";
import { Core, getDefaultCore } from "./wasm/core.js";
import { Reclaimer } from "./wasm/reclaim.js";
import {
  BLOCK_RECORDS,
  BLOCK_SHIFT,
  ERR_BAD_HANDLE,
  ERR_CAPACITY,
  ERR_POOL_BATCHED,
  ERR_POOL_RELEASED,
  ERR_POOL_STALE,
  GENS_OFF,
  GEN_MASK,
  GEN_SHIFT,
  HANDLE_INDEX_MASK as INDEX_MASK,
  MAX_RECORDS,
  NIL,
  FILL_COMPRESSED,
  FILL_FLAGS,
  FILL_IMAGE,
  FILL_PARENT,
  FILL_POSITION,
  FILL_UNCOMPRESSED,
  FILL_USER,
  OFF_COMPRESSED,
  OFF_DIFF_ID_ID,
  OFF_DIGEST_ID,
  OFF_FLAGS,
  OFF_IMAGE,
  OFF_MEDIA,
  OFF_NEXT,
  OFF_PARENT,
  OFF_POSITION,
  OFF_UNCOMPRESSED,
  OFF_USER,
  POOL_BATCH_MAX,
  POOL_FILL_MAX,
  POOL_STATS,
  POOL_VIEW_MAX,
  POOL_VIEW_WORDS_OFF,
  RECORD_BYTES,
} from "./wasm/abi.js";
import { formatDigest, parseDigest, retainDigest, type DigestHandle } from "./digest.js";
import { integerIn, link, storeSize, unlink } from "./pool-checks.js";
import { DOCKER_FOREIGN_LAYER, LAYER_MEDIA_TYPE_TABLE, isNondistributableLayer, layerCompression } from "./oci/media-types.js";

const BLOCK_MASK = BLOCK_RECORDS - 1;

/** A record handle: (generation & GEN_MASK) << GEN_SHIFT | slot index. */
export type LayerHandle = number;

/** Flags the default templates set, from the media type. */
export const LAYER_GZIP = 1;
export const LAYER_ZSTD = 2;
export const LAYER_NONDISTRIBUTABLE = 4;
export const LAYER_FOREIGN = 8;

/** Media type codes with a template (code < 32): index = code, 0 = unknown; from src/oci/media-types.ts. */
export const LAYER_MEDIA_TYPES: readonly string[] = ["", ...LAYER_MEDIA_TYPE_TABLE.map(([t]) => t)];
const TEMPLATE_FLAGS = LAYER_MEDIA_TYPES.map(
  (t) =>
    ({ gzip: LAYER_GZIP, zstd: LAYER_ZSTD, none: 0, unknown: 0 })[layerCompression(t)] |
    (isNondistributableLayer(t) ? LAYER_NONDISTRIBUTABLE : 0) |
    (t === DOCKER_FOREIGN_LAYER ? LAYER_FOREIGN : 0),
);
const MEDIA_CODE = new Map(LAYER_MEDIA_TYPES.map((t, i) => [t, i]));

export interface LayerPoolOptions {
  /** Records reserved up front (rounded up to blocks of 1024). Default 1024. */
  initial?: number;
  /** The most records the pool may ever hold. Default 1,048,576; at most 16,777,216. */
  max?: number;
  /** Install the default per-media-type templates (flags from the media type). Default true. */
  templates?: boolean;
  /** Room reserved up front in the core's digest table for this many more digests (e.g. two
   *  per record: digest and diffID), so filling the pool grows memory once for them, and
   *  rehashes the table's cells once, instead of at each step of its growth. Default 0. */
  digests?: number;
  core?: Core;
}

export interface PoolStats {
  inUse: number;
  free: number;
  capacity: number;
  highWater: number;
  acquires: number;
  releases: number;
  templateHits: number;
  growths: number;
  refused: number;
}

/** What a pool dropped without free() gives back: its blocks, and the digests its records hold. */
interface HeldPool {
  ex: Core["exports"];
  ptr: number;
}
const reclaimer = new Reclaimer<HeldPool>("LayerPool", (held) => held.ex.poolFree(held.ptr));

export class LayerPool {
  readonly max: number;
  private readonly core: Core;
  /** The core's exports; after free() an object whose every member throws FreedError. */
  private ex: Core["exports"];
  private readonly ptr: number;
  private bases: number[] = [];
  private known = 0; // capacity the bases cover
  private u32: Uint32Array;
  private u8: Uint8Array;
  private i32 = new Int32Array(0);
  private stage: { buffer: ArrayBufferLike; f64: Float64Array; i32: Int32Array; u32: Uint32Array } | undefined;
  private freed = false;
  private readonly cursor = new LayerCursor(this);
  /** The batches holding records now, so releaseAll() and free() can empty them. */
  private readonly batches: LayerBatch[] = [];

  constructor(options: LayerPoolOptions = {}) {
    const { initial = 1024, max = 1 << 20, templates = true, digests = 0 } = options;
    integerIn("LayerPool", "max", max, 1, MAX_RECORDS);
    integerIn("LayerPool", "initial", initial, 0, max, `max (${max})`);
    integerIn("LayerPool", "digests", digests, 0, 2 ** 24);
    this.max = max;
    this.core = options.core ?? getDefaultCore();
    this.ex = directExports(this.core);
    if (digests > 0) this.ex.digestReserve(digests);
    this.ptr = this.ex.poolNew(initial, max) >>> 0;
    if (!this.ptr) throw new CapacityError(`LayerPool: could not reserve ${initial} records`);
    reclaimer.watch(this, { ex: this.ex, ptr: this.ptr });
    if (templates) {
      for (let code = 1; code < TEMPLATE_FLAGS.length; code++) this.ex.poolTemplateInit(this.ptr, code, TEMPLATE_FLAGS[code]);
    }
    this.u32 = new Uint32Array(this.ex.memory.buffer);
    this.u8 = new Uint8Array(this.ex.memory.buffer);
    this.syncBlocks();
  }

  // ---- acquire / release ----

  /** A fresh record initialised from the media type's template. */
  acquire(mediaType: string | number = 0): LayerHandle {
    const h = this.ex.poolAcquire(this.ptr, this.code(mediaType));
    if (h < 0) {
      throw new CapacityError(h === ERR_CAPACITY ? `LayerPool: all ${this.max} records are in use` : `LayerPool: acquire failed (${h})`);
    }
    if ((h & INDEX_MASK) >= this.known) this.syncBlocks();
    return h;
  }

  /** Give the record back; a second release (or a stale handle) throws StaleHandleError. */
  release(h: LayerHandle): void {
    const r = this.ex.poolRelease(this.ptr, h);
    if (r < 0) throw this.refusal(h, r, "releasing");
  }

  /**
   * Fill `out` with fresh records of `mediaType` in few crossings (the batch form of
   * acquire()). Throws CapacityError, having released what it took, when they do not fit.
   */
  acquireMany(out: Int32Array, mediaType: string | number = 0): Int32Array {
    const code = this.code(mediaType);
    for (let start = 0; start < out.length; start += POOL_BATCH_MAX) {
      const n = Math.min(POOL_BATCH_MAX, out.length - start);
      const got = this.ex.poolAcquireMany(this.ptr, code, n);
      const w = this.ints(),
        from = this.core.ioOut >>> 2;
      for (let i = 0; i < got; i++) out[start + i] = w[from + i]; // a loop, not subarray(): no allocation
      if (got < n) {
        this.releaseMany(out.subarray(0, start + got));
        throw new CapacityError(`LayerPool: ${out.length} more records do not fit (max ${this.max})`);
      }
    }
    if (out.length && maxIndex(out) >= this.known) this.syncBlocks();
    return out;
  }

  /**
   * Acquire `out.length` records of `mediaType`, record i filled from entry i of every column
   * of `fields`, in one crossing per POOL_FILL_MAX records (the batch form of acquire() and
   * seven setters). The columns are copied into the core whole; sizes are checked there
   * (RangeError, nothing acquired, when one is not a non-negative safe integer).
   */
  acquireFilled(out: Int32Array, fields: LayerColumns, mediaType: string | number = 0): Int32Array {
    if (fields.length < out.length) throw new RangeError(`LayerPool: ${out.length} records need columns that long, got ${fields.length}`);
    const code = this.code(mediaType);
    for (let start = 0; start < out.length; start += POOL_FILL_MAX) {
      const n = Math.min(POOL_FILL_MAX, out.length - start);
      this.stageColumns(fields, start, n);
      const got = this.ex.poolAcquireFilled(this.ptr, code, n);
      if (got < 0) {
        this.releaseMany(out.subarray(0, start));
        throw new RangeError(`LayerPool: a size in records ${start}..${start + n - 1} is not a non-negative safe integer`);
      }
      const w = this.ints(),
        from = this.core.ioOut >>> 2;
      for (let i = 0; i < got; i++) out[start + i] = w[from + i];
      if (got < n) {
        this.releaseMany(out.subarray(0, start + got));
        throw new CapacityError(`LayerPool: ${out.length} more records do not fit (max ${this.max})`);
      }
    }
    if (out.length && maxIndex(out) >= this.known) this.syncBlocks();
    return out;
  }

  /** Release every handle in `handles` (the batch form of release()). All valid ones are
   *  released; then the first refused one, if any, throws StaleHandleError. */
  releaseMany(handles: Int32Array): void {
    let firstBad = -1,
      badCode = 0;
    for (let start = 0; start < handles.length; start += POOL_BATCH_MAX) {
      const n = Math.min(POOL_BATCH_MAX, handles.length - start);
      let w = this.ints();
      const to = this.core.ioIn >>> 2,
        from = this.core.ioOut >>> 2;
      if (n === handles.length) w.set(handles, to);
      else for (let i = 0; i < n; i++) w[to + i] = handles[start + i];
      if (this.ex.poolReleaseMany(this.ptr, n) !== 0 && firstBad < 0) {
        w = this.ints();
        for (let i = 0; i < n; i++)
          if (w[from + i] < 0) {
            firstBad = start + i;
            badCode = w[from + i];
            break;
          }
      }
    }
    if (firstBad >= 0) throw this.refusal(handles[firstBad], badCode, "releasing");
  }

  /**
   * Acquire `count` records of `mediaType` into `batch` in one crossing per POOL_VIEW_MAX
   * records; then fill and read them in place by batch index (LayerBatch). All or nothing:
   * CapacityError, having taken nothing, when they do not fit. A batch's records are given
   * back only by releaseBatch() (or releaseAll()/free()): release() of one is refused.
   */
  acquireBatch(batch: LayerBatch, count: number = batch.capacity, mediaType: string | number = 0): LayerBatch {
    if (batch.length !== 0) {
      throw new CoreError("BAD_ARGUMENT", `LayerPool: the LayerBatch still holds ${batch.length} records; releaseBatch() them first`);
    }
    if (!Number.isInteger(count) || count < 0 || count > batch.capacity) {
      throw new CapacityError(`LayerPool: ${count} records do not fit a LayerBatch of ${batch.capacity}`);
    }
    const code = this.code(mediaType);
    if (count > this.max - this.ex.poolInUse(this.ptr)) {
      throw new CapacityError(`LayerPool: ${count} more records do not fit (max ${this.max}, ${this.size} in use)`);
    }
    for (let start = 0; start < count; start += POOL_VIEW_MAX) {
      const n = Math.min(POOL_VIEW_MAX, count - start);
      const got = this.ex.poolAcquireBatch(this.ptr, code, n);
      // The room was checked above, so the core cannot refuse; if it did, give back what it took.
      if (got !== n) {
        this.giveBack(batch.heldHandles(), start);
        throw new CapacityError(`LayerPool: acquireBatch failed (${got})`);
      }
      const from = this.core.ioOut >>> 2;
      batch.fillFrom(this.ints(), from, from + (POOL_VIEW_WORDS_OFF >>> 2), start, n);
    }
    if (this.ex.poolBlockCount(this.ptr) << BLOCK_SHIFT > this.known) this.syncBlocks();
    batch.attach(this, count, this.batches.length);
    this.batches.push(batch);
    return batch;
  }

  /** Give back every record of `batch`; a batch that holds none (released twice, or emptied
   *  by releaseAll()) throws StaleHandleError. */
  releaseBatch(batch: LayerBatch): void {
    if (batch.pool !== this || batch.length === 0) {
      if (this.freed) throw new FreedError("LayerPool");
      throw new StaleHandleError(-1, "released", "releasing", "a LayerBatch that holds no records of this pool");
    }
    const n = batch.length;
    this.forgetBatch(batch);
    batch.detach();
    const bad = this.giveBack(batch.heldHandles(), n);
    if (bad) throw this.refusal(bad.handle, bad.code, "releasing");
  }

  /** Release every record (e.g. between images); every handle held goes stale. */
  releaseAll(): number {
    this.dropBatches(false);
    return this.ex.poolReleaseAll(this.ptr);
  }

  /** Records acquired for `mediaType` start with these flags (and every other field blank). */
  setTemplate(mediaType: string | number, flags: number): void {
    this.templateResult(this.ex.poolTemplateInit(this.ptr, this.code(mediaType), flags >>> 0), mediaType);
  }

  /** Records acquired for `mediaType` start as a copy of live record `h`. */
  templateFrom(mediaType: string | number, h: LayerHandle): void {
    const r = this.ex.poolTemplateFrom(this.ptr, this.code(mediaType), h);
    if (r === ERR_POOL_RELEASED || r === ERR_POOL_STALE || r === ERR_BAD_HANDLE) throw this.refusal(h, r, "copying");
    this.templateResult(r, mediaType);
  }

  /** Records acquired for `mediaType` start blank again. */
  clearTemplate(mediaType: string | number): void {
    this.templateResult(this.ex.poolTemplateClear(this.ptr, this.code(mediaType)), mediaType);
  }

  /** True while `h` names a live record. */
  isLive(h: LayerHandle): boolean {
    return this.ex.poolCheckHandle(this.ptr, h) >= 0;
  }

  /**
   * Check `h` once and return the pool's one record cursor, positioned on its record: its
   * getters and setters then skip the per-access check. The same cursor object comes back
   * from every record() call (no allocation), so use it before asking for the next one.
   */
  record(h: LayerHandle): LayerCursor {
    const c = this.cursor;
    c.at = this.at(h);
    c.handle = h;
    return c;
  }

  /** The current u32 view of the core's memory (renewed after growth). @internal */
  words(): Uint32Array {
    return this.u32.length === 0 ? this.remap() : this.u32;
  }

  // ---- fields, in place ----

  compressedSize(h: LayerHandle): number {
    return this.u64(this.at(h) + OFF_COMPRESSED);
  }
  setCompressedSize(h: LayerHandle, v: number): void {
    this.setU64(this.at(h) + OFF_COMPRESSED, v);
  }
  uncompressedSize(h: LayerHandle): number {
    return this.u64(this.at(h) + OFF_UNCOMPRESSED);
  }
  setUncompressedSize(h: LayerHandle, v: number): void {
    this.setU64(this.at(h) + OFF_UNCOMPRESSED, v);
  }
  mediaCode(h: LayerHandle): number {
    return this.u32[(this.at(h) + OFF_MEDIA) >>> 2];
  }
  mediaType(h: LayerHandle): string {
    return LAYER_MEDIA_TYPES[this.mediaCode(h)] ?? "";
  }
  flags(h: LayerHandle): number {
    return this.u32[(this.at(h) + OFF_FLAGS) >>> 2];
  }
  setFlags(h: LayerHandle, v: number): void {
    this.u32[(this.at(h) + OFF_FLAGS) >>> 2] = v;
  }
  /** Position of the layer in its image (0 = base), or -1 when unset. */
  position(h: LayerHandle): number {
    return link(this.u32[(this.at(h) + OFF_POSITION) >>> 2]);
  }
  setPosition(h: LayerHandle, v: number): void {
    this.u32[(this.at(h) + OFF_POSITION) >>> 2] = unlink(v);
  }
  /** Links to other records (slot indexes, -1 = none): next in the image, parent, image. */
  next(h: LayerHandle): number {
    return link(this.u32[(this.at(h) + OFF_NEXT) >>> 2]);
  }
  setNext(h: LayerHandle, v: number): void {
    this.u32[(this.at(h) + OFF_NEXT) >>> 2] = unlink(v);
  }
  parent(h: LayerHandle): number {
    return link(this.u32[(this.at(h) + OFF_PARENT) >>> 2]);
  }
  setParent(h: LayerHandle, v: number): void {
    this.u32[(this.at(h) + OFF_PARENT) >>> 2] = unlink(v);
  }
  image(h: LayerHandle): number {
    return link(this.u32[(this.at(h) + OFF_IMAGE) >>> 2]);
  }
  setImage(h: LayerHandle, v: number): void {
    this.u32[(this.at(h) + OFF_IMAGE) >>> 2] = unlink(v);
  }
  user(h: LayerHandle): number {
    return this.u32[(this.at(h) + OFF_USER) >>> 2];
  }
  setUser(h: LayerHandle, v: number): void {
    this.u32[(this.at(h) + OFF_USER) >>> 2] = v >>> 0;
  }

  /** The layer's digest as a digest-table handle (-1 when unset); the fast path. */
  digestHandle(h: LayerHandle): number {
    return link(this.u32[(this.at(h) + OFF_DIGEST_ID) >>> 2]);
  }
  diffIdHandle(h: LayerHandle): number {
    return link(this.u32[(this.at(h) + OFF_DIFF_ID_ID) >>> 2]);
  }

  /** Set the digest from a string (validated, interned) or a handle from parseDigest(). */
  setDigest(h: LayerHandle, digest: string | DigestHandle): void {
    this.setDigestAt(h, OFF_DIGEST_ID, digest);
  }
  setDiffId(h: LayerHandle, digest: string | DigestHandle): void {
    this.setDigestAt(h, OFF_DIFF_ID_ID, digest);
  }
  digest(h: LayerHandle): string | undefined {
    return this.digestAt(h, OFF_DIGEST_ID);
  }
  diffId(h: LayerHandle): string | undefined {
    return this.digestAt(h, OFF_DIFF_ID_ID);
  }

  /** The digest's first 32 raw bytes (a view into the core's digest table, valid until the
   *  table or the memory grows); 32 zero bytes when unset. */
  digestBytes(h: LayerHandle): Uint8Array {
    const id = this.u32[(this.at(h) + OFF_DIGEST_ID) >>> 2];
    if (id === NIL) return new Uint8Array(32);
    const a = this.ex.digestKeyAddress(id) >>> 0;
    return new Uint8Array(this.ex.memory.buffer, a, 32);
  }

  // ---- stats and checks ----

  get size(): number {
    return this.ex.poolInUse(this.ptr);
  }
  get capacity(): number {
    return this.ex.poolCapacity(this.ptr);
  }

  get stats(): PoolStats {
    this.ex.poolStats(this.ptr);
    const f = new Float64Array(this.ex.memory.buffer, this.core.ioOut, POOL_STATS);
    return {
      inUse: f[0],
      free: f[1],
      capacity: f[2],
      highWater: f[3],
      acquires: f[4],
      releases: f[5],
      templateHits: f[6],
      growths: f[7],
      refused: f[8],
    };
  }

  /** Throws when the core's free list, generations and counters disagree. */
  checkInvariants(): void {
    const r = this.ex.poolCheck(this.ptr);
    if (r !== 0) throw new InvariantError(`LayerPool: core invariant ${r} broken`);
  }

  /** Return the pool's memory to the core. Every later call throws FreedError. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.dropBatches(true);
    reclaimer.forget(this);
    this.ex.poolFree(this.ptr);
    // Empty views make at() and words() remap, and remapping asks the refusing exports.
    this.ex = freedExports();
    this.u32 = new Uint32Array(0);
    this.u8 = new Uint8Array(0);
    this.i32 = new Int32Array(0);
    this.bases = [];
    this.known = 0;
  }

  // ---- internals ----

  /** Byte address of a live record, or throw StaleHandleError. */
  private at(h: LayerHandle): number {
    let u32 = this.u32;
    if (u32.length === 0) u32 = this.remap(); // the core's memory grew: old views detach
    const s = h & INDEX_MASK;
    if (s >= this.known || h < 0) {
      if (s < this.capacity && h >= 0) this.syncBlocks();
      else throw this.refusal(h, ERR_BAD_HANDLE, "using");
    }
    const base = this.bases[s >>> BLOCK_SHIFT];
    const gen = u32[(base + GENS_OFF + ((s & BLOCK_MASK) << 2)) >>> 2];
    if (gen >>> 31 === 0 || (gen & GEN_MASK) !== h >>> GEN_SHIFT) {
      throw this.refusal(h, gen >>> 31 === 0 ? ERR_POOL_RELEASED : ERR_POOL_STALE, "using");
    }
    return base + (s & BLOCK_MASK) * RECORD_BYTES;
  }

  /** An Int32Array over the core's whole memory (renewed after growth). */
  private ints(): Int32Array {
    if (this.i32.length === 0 || this.i32.buffer !== this.ex.memory.buffer) this.i32 = new Int32Array(this.ex.memory.buffer);
    return this.i32;
  }

  private remap(): Uint32Array {
    this.u32 = new Uint32Array(this.ex.memory.buffer);
    this.u8 = new Uint8Array(this.ex.memory.buffer);
    return this.u32;
  }

  private syncBlocks(): void {
    const n = this.ex.poolBlockCount(this.ptr);
    for (let b = this.bases.length; b < n; b++) this.bases.push(this.ex.poolBlockBase(this.ptr, b) >>> 0);
    this.known = n << BLOCK_SHIFT;
    this.remap();
  }

  private u64(a: number): number {
    const u32 = this.u32;
    return u32[a >>> 2] + u32[(a >>> 2) + 1] * 0x100000000;
  }

  private setU64(a: number, v: number): void {
    storeSize(this.u32, a >>> 2, v, "LayerPool");
  }

  /**
   * The record holds one reference to the digest it names (the core gives it back when the
   * record is released): taken here before the old one, if any, is dropped.
   */
  private setDigestAt(h: LayerHandle, idOff: number, digest: string | DigestHandle): void {
    this.at(h); // refuse a stale handle before interning anything
    const id = typeof digest === "number" ? retainDigest(digest, this.core) : parseDigest(digest, this.core);
    // parseDigest may have grown memory: recompute the address afterwards.
    const a = this.at(h);
    const old = this.u32[(a + idOff) >>> 2];
    this.u32[(a + idOff) >>> 2] = id;
    if (old !== NIL) this.ex.digestRelease(old);
  }

  /** Copy entries start..start+n of every column into the core's fill window (IO_IN). */
  private stageColumns(f: LayerColumns, start: number, n: number): void {
    const buf = this.ex.memory.buffer;
    const base = this.core.ioIn;
    if (this.stage?.buffer !== buf)
      this.stage = { buffer: buf, f64: new Float64Array(buf), i32: new Int32Array(buf), u32: new Uint32Array(buf) };
    const { f64, i32, u32 } = this.stage;
    const whole = start === 0 && n === f.length;
    putColumn(f64, (base + FILL_COMPRESSED) >>> 3, f.compressedSize, start, n, whole);
    putColumn(f64, (base + FILL_UNCOMPRESSED) >>> 3, f.uncompressedSize, start, n, whole);
    putColumn(i32, (base + FILL_POSITION) >>> 2, f.position, start, n, whole);
    putColumn(u32, (base + FILL_FLAGS) >>> 2, f.flags, start, n, whole);
    putColumn(i32, (base + FILL_PARENT) >>> 2, f.parent, start, n, whole);
    putColumn(i32, (base + FILL_IMAGE) >>> 2, f.image, start, n, whole);
    putColumn(u32, (base + FILL_USER) >>> 2, f.user, start, n, whole);
  }

  private digestAt(h: LayerHandle, idOff: number): string | undefined {
    const id = this.u32[(this.at(h) + idOff) >>> 2];
    return id === NIL ? undefined : formatDigest(id as DigestHandle, this.core);
  }

  private code(mediaType: string | number): number {
    return typeof mediaType === "number" ? mediaType >>> 0 : (MEDIA_CODE.get(mediaType) ?? 0);
  }

  private templateResult(r: number, mediaType: string | number): void {
    if (r < 0) throw new RangeError(`LayerPool: no template slot for media type ${JSON.stringify(mediaType)} (codes 0-31)`);
  }

  private refusal(h: number, code: number, doing: string): Error {
    const reason =
      code === ERR_POOL_RELEASED ? "released" : code === ERR_POOL_STALE ? "reused" : code === ERR_POOL_BATCHED ? "batched" : "invalid";
    return new StaleHandleError(h, reason, doing);
  }

  /** Release the batch records handles[0..n) in the core; the first refused one, if any. */
  private giveBack(handles: Int32Array, n: number): { handle: number; code: number } | undefined {
    let bad: { handle: number; code: number } | undefined;
    for (let start = 0; start < n; start += POOL_BATCH_MAX) {
      const k = Math.min(POOL_BATCH_MAX, n - start);
      let w = this.ints();
      const to = this.core.ioIn >>> 2;
      if (start === 0 && k === handles.length) w.set(handles, to);
      else for (let i = 0; i < k; i++) w[to + i] = handles[start + i];
      // The core names the first handle it refused (its index, then the code) at IO_OUT.
      if (this.ex.poolReleaseBatch(this.ptr, k) !== 0 && !bad) {
        w = this.ints();
        const from = this.core.ioOut >>> 2;
        bad = { handle: handles[start + w[from]], code: w[from + 1] };
      }
    }
    return bad;
  }

  /** Take `batch` off the list of batches holding records (swap with the last: no allocation). */
  private forgetBatch(batch: LayerBatch): void {
    const last = this.batches.pop()!;
    if (last !== batch) {
      this.batches[batch.slot] = last;
      last.slot = batch.slot;
    }
  }

  /** Empty every batch: their records go (releaseAll) or their memory does (free). */
  private dropBatches(freed: boolean): void {
    for (const b of this.batches) b.detach(freed);
    this.batches.length = 0;
  }
}

/**
 * The core's exports without @assemblyscript/loader's per-call wrapper, which spreads a
 * rest array (a JS allocation per call) to record the argument count for optional
 * parameters. None of the pool/graph exports has optional parameters, and every call
 * here passes all arguments, so the raw functions are equivalent and allocation-free.
 */
const direct = new WeakMap<Core, Core["exports"]>();
function directExports(core: Core): Core["exports"] {
  const known = direct.get(core);
  if (known) return known;
  const ex = core.exports as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(ex)) {
    const f = ex[k];
    const original = typeof f === "function" ? (f as { original?: unknown }).original : undefined;
    out[k] = typeof original === "function" ? original : f;
  }
  direct.set(core, out as unknown as Core["exports"]);
  return out as unknown as Core["exports"];
}

/** Exports that refuse every call: what a freed pool talks to. */
function freedExports(): Core["exports"] {
  return new Proxy({} as Core["exports"], {
    get: () => {
      throw new FreedError("LayerPool");
    },
  });
}

/** Entries start..start+n of `col` into `dst` from index `at`: one memcpy for a whole column. */
function putColumn<T extends Float64Array | Int32Array | Uint32Array>(
  dst: T,
  at: number,
  col: T,
  start: number,
  n: number,
  whole: boolean,
): void {
  if (whole) dst.set(col, at);
  else for (let i = 0; i < n; i++) dst[at + i] = col[start + i];
}

function maxIndex(hs: Int32Array): number {
  let m = 0;
  for (let i = 0; i < hs.length; i++) m = Math.max(m, hs[i] & INDEX_MASK);
  return m;
}

/**
 * Column-wise fields for LayerPool.acquireFilled(): entry i of each array is record i's field.
 * Links (position, parent, image) are -1 for "none"; sizes are non-negative safe integers.
 * Reuse one instance per batch size: filling it allocates nothing.
 */
export class LayerColumns {
  readonly compressedSize: Float64Array;
  readonly uncompressedSize: Float64Array;
  readonly position: Int32Array;
  readonly flags: Uint32Array;
  readonly parent: Int32Array;
  readonly image: Int32Array;
  readonly user: Uint32Array;
  constructor(readonly length: number) {
    if (!Number.isInteger(length) || length < 0) throw new RangeError(`LayerColumns: length must be a non-negative integer, got ${length}`);
    this.compressedSize = new Float64Array(length);
    this.uncompressedSize = new Float64Array(length);
    this.position = new Int32Array(length).fill(-1);
    this.flags = new Uint32Array(length);
    this.parent = new Int32Array(length).fill(-1);
    this.image = new Int32Array(length).fill(-1);
    this.user = new Uint32Array(length);
  }
}

/**
 * A movable view of one record (LayerPool.record()). Fields read and write the core's
 * memory directly; the handle was checked when the cursor was positioned.
 */
export class LayerCursor {
  /** Byte address of the record and the handle it was positioned with. */
  at = 0;
  handle: LayerHandle = -1;
  constructor(private readonly pool: LayerPool) {}

  get compressedSize(): number {
    const w = this.pool.words(),
      i = (this.at + OFF_COMPRESSED) >>> 2;
    return w[i] + w[i + 1] * 0x100000000;
  }
  set compressedSize(v: number) {
    this.setU64(OFF_COMPRESSED, v);
  }
  get uncompressedSize(): number {
    const w = this.pool.words(),
      i = (this.at + OFF_UNCOMPRESSED) >>> 2;
    return w[i] + w[i + 1] * 0x100000000;
  }
  set uncompressedSize(v: number) {
    this.setU64(OFF_UNCOMPRESSED, v);
  }
  get mediaCode(): number {
    return this.pool.words()[(this.at + OFF_MEDIA) >>> 2];
  }
  get flags(): number {
    return this.pool.words()[(this.at + OFF_FLAGS) >>> 2];
  }
  set flags(v: number) {
    this.pool.words()[(this.at + OFF_FLAGS) >>> 2] = v;
  }
  get position(): number {
    return link(this.pool.words()[(this.at + OFF_POSITION) >>> 2]);
  }
  set position(v: number) {
    this.pool.words()[(this.at + OFF_POSITION) >>> 2] = unlink(v);
  }
  get next(): number {
    return link(this.pool.words()[(this.at + OFF_NEXT) >>> 2]);
  }
  set next(v: number) {
    this.pool.words()[(this.at + OFF_NEXT) >>> 2] = unlink(v);
  }
  get parent(): number {
    return link(this.pool.words()[(this.at + OFF_PARENT) >>> 2]);
  }
  set parent(v: number) {
    this.pool.words()[(this.at + OFF_PARENT) >>> 2] = unlink(v);
  }
  get image(): number {
    return link(this.pool.words()[(this.at + OFF_IMAGE) >>> 2]);
  }
  set image(v: number) {
    this.pool.words()[(this.at + OFF_IMAGE) >>> 2] = unlink(v);
  }
  get user(): number {
    return this.pool.words()[(this.at + OFF_USER) >>> 2];
  }
  set user(v: number) {
    this.pool.words()[(this.at + OFF_USER) >>> 2] = v >>> 0;
  }
  get digest(): string | undefined {
    return this.pool.digest(this.handle);
  }
  set digest(d: string | DigestHandle) {
    this.pool.setDigest(this.handle, d);
  }
  get diffId(): string | undefined {
    return this.pool.diffId(this.handle);
  }
  set diffId(d: string | DigestHandle) {
    this.pool.setDiffId(this.handle, d);
  }

  private setU64(off: number, v: number): void {
    storeSize(this.pool.words(), (this.at + off) >>> 2, v, "LayerPool");
  }
}
