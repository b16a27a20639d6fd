// LayerBatch: a run of layer records taken from a LayerPool in one crossing and filled in
// place, field by field, through the pool's typed-array view of the core's memory.
//
// The core hands out each record's handle and its word address (assembly/pool.ts,
// poolAcquireBatch). A field access is then one bounds check of the batch index and one
// typed-array load or store: no call into the core, no generation check and no object per
// record. That is safe because the core marks a batch's records (GEN_BATCH): a single
// release() of one is refused, so a record cannot be freed under its batch; only
// releaseBatch(), releaseAll() and free() give them back, and those empty the batch first.
// Reuse one batch per round: acquiring into it and releasing it allocate nothing.

import { CoreError, FreedError, StaleHandleError } from "./errors.js";
import type { DigestHandle } from "./digest.js";
import type { LayerHandle, LayerPool } from "./pool.js";
import {
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
  MAX_RECORDS,
} from "./wasm/abi.js";
import { integerIn, isSize, link, refuseSize, storeSize, unlink } from "./pool-checks.js";

// Field offsets in words: a record's address is a multiple of 4 (52-byte records).
const W_COMPRESSED = OFF_COMPRESSED >>> 2;
const W_UNCOMPRESSED = OFF_UNCOMPRESSED >>> 2;
const W_MEDIA = OFF_MEDIA >>> 2;
const W_POSITION = OFF_POSITION >>> 2;
const W_FLAGS = OFF_FLAGS >>> 2;
const W_DIGEST = OFF_DIGEST_ID >>> 2;
const W_NEXT = OFF_NEXT >>> 2;
const W_PARENT = OFF_PARENT >>> 2;
const W_IMAGE = OFF_IMAGE >>> 2;
const W_USER = OFF_USER >>> 2;
const W_DIFF_ID = OFF_DIFF_ID_ID >>> 2;
/** What an empty batch views: shared, so emptying a batch allocates nothing. */
const NO_VIEW = new Uint32Array(0);

export class LayerBatch {
  /** Records the batch holds now (0 before acquireBatch() and after releaseBatch()). */
  length = 0;
  /** The pool whose records the batch holds (undefined while it holds none). */
  pool: LayerPool | undefined = undefined;
  // Plain (TypeScript-private) fields, not #private ones: the accessors must stay small
  // enough for V8 to inline every one of them into a caller's loop.
  private readonly handleAt: Int32Array;
  private readonly wordAt: Int32Array;
  /** Where the batch sits in its pool's list of batches holding records. @internal */
  slot = -1;
  private poolFreed = false;
  /** The pool's u32 view of the core's memory, kept here so an access is one load away;
   *  growth of the memory detaches it (length 0), and mem() then takes the new one. */
  private memView: Uint32Array = NO_VIEW;

  /** A batch of up to `capacity` records; acquire them with pool.acquireBatch(batch). */
  constructor(readonly capacity: number) {
    integerIn("LayerBatch", "capacity", capacity, 1, MAX_RECORDS);
    this.handleAt = new Int32Array(capacity);
    this.wordAt = new Int32Array(capacity);
  }

  /** Record i's handle, for the pool's own accessors (release it with the batch only). */
  handle(i: number): LayerHandle {
    this.word(i);
    return this.handleAt[i];
  }

  /** Copy the handles into `out` (at least `length` long); returns it. */
  handlesInto(out: Int32Array): Int32Array {
    if (out.length < this.length) throw new RangeError(`LayerBatch: ${this.length} handles need an array that long, got ${out.length}`);
    for (let i = 0; i < this.length; i++) out[i] = this.handleAt[i];
    return out;
  }

  // ---- fields of record i, in place ----

  compressedSize(i: number): number {
    const a = this.word(i),
      w = this.mem();
    return w[a + W_COMPRESSED] + w[a + W_COMPRESSED + 1] * 0x100000000;
  }
  setCompressedSize(i: number, v: number): void {
    this.setU64(this.word(i) + W_COMPRESSED, v);
  }
  uncompressedSize(i: number): number {
    const a = this.word(i),
      w = this.mem();
    return w[a + W_UNCOMPRESSED] + w[a + W_UNCOMPRESSED + 1] * 0x100000000;
  }
  setUncompressedSize(i: number, v: number): void {
    this.setU64(this.word(i) + W_UNCOMPRESSED, v);
  }
  mediaCode(i: number): number {
    const a = this.word(i);
    return this.mem()[a + W_MEDIA];
  }
  flags(i: number): number {
    const a = this.word(i);
    return this.mem()[a + W_FLAGS];
  }
  setFlags(i: number, v: number): void {
    const a = this.word(i);
    this.mem()[a + W_FLAGS] = v;
  }
  /** Position of the layer in its image (0 = base), or -1 when unset. */
  position(i: number): number {
    const a = this.word(i);
    return link(this.mem()[a + W_POSITION]);
  }
  setPosition(i: number, v: number): void {
    const a = this.word(i);
    this.mem()[a + W_POSITION] = unlink(v);
  }
  /** Links to other records (slot indexes, -1 = none), as LayerPool's. */
  next(i: number): number {
    const a = this.word(i);
    return link(this.mem()[a + W_NEXT]);
  }
  setNext(i: number, v: number): void {
    const a = this.word(i);
    this.mem()[a + W_NEXT] = unlink(v);
  }
  parent(i: number): number {
    const a = this.word(i);
    return link(this.mem()[a + W_PARENT]);
  }
  setParent(i: number, v: number): void {
    const a = this.word(i);
    this.mem()[a + W_PARENT] = unlink(v);
  }
  image(i: number): number {
    const a = this.word(i);
    return link(this.mem()[a + W_IMAGE]);
  }
  setImage(i: number, v: number): void {
    const a = this.word(i);
    this.mem()[a + W_IMAGE] = unlink(v);
  }
  user(i: number): number {
    const a = this.word(i);
    return this.mem()[a + W_USER];
  }
  setUser(i: number, v: number): void {
    const a = this.word(i);
    this.mem()[a + W_USER] = v >>> 0;
  }
  /**
   * Write the seven scalar fields of record i at once: one index check and one view for all
   * of them (links -1 = none; sizes non-negative safe integers, checked before any store).
   */
  setFields(
    i: number,
    compressedSize: number,
    uncompressedSize: number,
    position: number,
    flags: number,
    parent: number,
    image: number,
    user: number,
  ): void {
    const a = this.word(i);
    if (!isSize(compressedSize)) refuseSize("LayerBatch", compressedSize);
    if (!isSize(uncompressedSize)) refuseSize("LayerBatch", uncompressedSize);
    const w = this.mem();
    w[a + W_COMPRESSED] = compressedSize >>> 0;
    w[a + W_COMPRESSED + 1] = compressedSize > 0xffffffff ? Math.floor(compressedSize / 0x100000000) : 0;
    w[a + W_UNCOMPRESSED] = uncompressedSize >>> 0;
    w[a + W_UNCOMPRESSED + 1] = uncompressedSize > 0xffffffff ? Math.floor(uncompressedSize / 0x100000000) : 0;
    w[a + W_POSITION] = unlink(position);
    w[a + W_FLAGS] = flags;
    w[a + W_PARENT] = unlink(parent);
    w[a + W_IMAGE] = unlink(image);
    w[a + W_USER] = user >>> 0;
  }

  /** The digest-table handles of the record's digests (-1 when unset). */
  digestHandle(i: number): number {
    const a = this.word(i);
    return link(this.mem()[a + W_DIGEST]);
  }
  diffIdHandle(i: number): number {
    const a = this.word(i);
    return link(this.mem()[a + W_DIFF_ID]);
  }
  /** Digests go through the pool, which validates, interns and counts the reference. */
  setDigest(i: number, digest: string | DigestHandle): void {
    this.word(i);
    this.pool!.setDigest(this.handleAt[i], digest);
  }
  setDiffId(i: number, digest: string | DigestHandle): void {
    this.word(i);
    this.pool!.setDiffId(this.handleAt[i], digest);
  }
  digest(i: number): string | undefined {
    this.word(i);
    return this.pool!.digest(this.handleAt[i]);
  }
  diffId(i: number): string | undefined {
    this.word(i);
    return this.pool!.diffId(this.handleAt[i]);
  }

  // ---- the pool's side ----

  /** Take the records the core just handed out: handles and word addresses from `w`. @internal */
  fillFrom(w: Int32Array, handlesAt: number, wordsAt: number, start: number, n: number): void {
    const hs = this.handleAt,
      ws = this.wordAt;
    for (let i = 0; i < n; i++) {
      hs[start + i] = w[handlesAt + i];
      ws[start + i] = w[wordsAt + i];
    }
  }

  /** The handles, for the pool to give back (read only). @internal */
  heldHandles(): Int32Array {
    return this.handleAt;
  }

  /** The batch now holds `n` records of `pool`. @internal */
  attach(pool: LayerPool, n: number, slot: number): void {
    this.pool = pool;
    this.memView = pool.words();
    this.length = n;
    this.slot = slot;
  }

  /** The batch holds nothing any more; `freed`: because its pool was freed. @internal */
  detach(freed = false): void {
    this.length = 0;
    this.slot = -1;
    this.poolFreed = freed;
    this.memView = NO_VIEW;
    if (!freed) this.pool = undefined;
  }

  // ---- internals ----

  /** The word address of record i, or the typed error for an index the batch does not hold. */
  private word(i: number): number {
    if (i >>> 0 !== i || i >= this.length) this.refuse(i);
    return this.wordAt[i];
  }

  private mem(): Uint32Array {
    const w = this.memView;
    return w.length !== 0 ? w : this.renewView();
  }

  private renewView(): Uint32Array {
    return (this.memView = this.pool!.words());
  }

  private refuse(i: number): never {
    throw this.refusal(i);
  }

  private refusal(i: number): Error {
    if (this.poolFreed) return new FreedError("LayerBatch's pool");
    if (this.length === 0) return new StaleHandleError(i, "released", "using", `LayerBatch record ${i} (the batch holds no records)`);
    return new CoreError("BAD_ARGUMENT", `LayerBatch: record ${String(i)} is not one of the batch's ${this.length}`);
  }

  private setU64(a: number, v: number): void {
    storeSize(this.mem(), a, v, "LayerBatch");
  }
}
