// MetadataCache: a digest-keyed LRU whose bookkeeping lives in the wasm core (assembly/lru.ts)
// and whose values stay here, in an array indexed by the core's slot numbers.
//
// Keys are OCI digests, given as strings or as handles from parseDigest(); the handle path
// skips the string copy and hex decode. Sizes (maxBytes) and TTL cost nothing unless asked
// for: the core reserves their regions only then.

import { CapacityError, CoreError, InvalidDigestError } from "./errors.js";
import { Core, getDefaultCore } from "./wasm/core.js";
import { ERR_BAD_HANDLE, ERR_TOO_LARGE, NOT_FOUND } from "./wasm/exports.js";
import { DigestLike, digestError, writeDigestString } from "./digest.js";

export type DisposeReason = "evicted" | "deleted" | "replaced" | "expired" | "cleared";

export interface MetadataCacheOptions<V> {
  /** Maximum number of entries (required). */
  max: number;
  /** Optional total size budget; each set() then says the entry's size (or sizeOf does). */
  maxBytes?: number;
  /** Size of a value when set() is not told one (only with maxBytes). */
  sizeOf?: (value: V, key: string) => number;
  /** Default time to live in ms; enables TTL. Entries set with ttl: Infinity never expire. */
  ttl?: number;
  /** Clock in ms for TTL (default Date.now). */
  now?: () => number;
  /** Called when an entry leaves the cache, with the reason. */
  dispose?: (value: V, key: string, reason: DisposeReason) => void;
  /** The core to use (default: the one init() loaded). */
  core?: Core;
}

export interface SetOptions {
  size?: number;
  ttl?: number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  evictions: number;
  expirations: number;
  entries: number;
  bytes: number;
  hitRate: number;
}

const MODE_GET = 0;
const MODE_PEEK = 1;
const MODE_HAS = 2;
const SET_REPLACED = 1 << 28;
const SET_EVENTS = 1 << 29;
const SLOT_MASK = (1 << 28) - 1;
const EVENT_BYTES = 80;
const BATCH_MAX = 2048;
const SIZES_OFF = 16 * 1024;
const REASONS: DisposeReason[] = ["evicted", "evicted", "deleted", "replaced", "expired", "cleared"];
const MAX_SIZE = 0xffffffff;

export class MetadataCache<V = unknown> {
  readonly max: number;
  readonly maxBytes: number;
  readonly ttl: number;
  private readonly core: Core;
  private readonly ex: Core["exports"];
  private readonly ptr: number;
  private readonly ioIn: number;
  private slots: (V | undefined)[];
  private readonly now: () => number;
  private readonly dispose?: MetadataCacheOptions<V>["dispose"];
  private readonly sizeOf?: MetadataCacheOptions<V>["sizeOf"];
  private freed = false;

  constructor(options: MetadataCacheOptions<V>) {
    const { max, maxBytes = 0, ttl = 0 } = options ?? ({} as MetadataCacheOptions<V>);
    if (!Number.isInteger(max) || max < 1 || max > SLOT_MASK) {
      throw new RangeError(`MetadataCache: max must be an integer from 1 to ${SLOT_MASK}, got ${max}`);
    }
    if (!(Number.isFinite(maxBytes) && maxBytes >= 0)) {
      throw new RangeError(`MetadataCache: maxBytes must be a non-negative number, got ${maxBytes}`);
    }
    if (!(ttl >= 0)) throw new RangeError(`MetadataCache: ttl must be >= 0 ms, got ${ttl}`);
    if (options.sizeOf && !maxBytes) throw new RangeError("MetadataCache: sizeOf needs maxBytes");
    this.max = max;
    this.maxBytes = maxBytes;
    this.ttl = ttl;
    this.core = options.core ?? getDefaultCore();
    this.ex = this.core.exports;
    this.ioIn = this.core.ioIn;
    this.now = options.now ?? Date.now;
    this.dispose = options.dispose;
    this.sizeOf = options.sizeOf;
    this.ptr = this.ex.cacheNew(max, BigInt(Math.floor(maxBytes)), ttl > 0 ? 1 : 0, this.dispose ? 1 : 0);
    if (!this.ptr) throw new CapacityError(`MetadataCache: could not reserve memory for ${max} entries`);
    this.slots = new Array(max);
  }

  // ---- single-key operations ----

  /** The value for `key`, marking it most recently used; undefined when absent or expired. */
  get(key: DigestLike): V | undefined {
    const s = this.lookup(key, MODE_GET);
    return s >= 0 ? this.slots[s] : undefined;
  }

  /** Like get() without marking the entry recent or counting a hit or miss. */
  peek(key: DigestLike): V | undefined {
    const s = this.lookup(key, MODE_PEEK);
    return s >= 0 ? this.slots[s] : undefined;
  }

  has(key: DigestLike): boolean {
    return this.lookup(key, MODE_HAS) >= 0;
  }

  /** Insert or update; evicts the least recently used entries while over a budget. */
  set(key: DigestLike, value: V, options?: SetOptions): this {
    const size = this.sizeFor(key, value, options?.size);
    const expiresAt = this.expiryFor(options?.ttl);
    let r: number;
    if (typeof key === "number") r = this.ex.cacheSetH(this.ptr, key, size, expiresAt);
    else {
      const len = writeDigestString(this.core, key, this.ioIn);
      r = len < 0 ? len : this.ex.cacheSetStr(this.ptr, len, size, expiresAt);
    }
    if (r < 0) throw this.failure(key, r, size);
    if (r & SET_EVENTS) this.drainEvents();
    this.store(key, r, value);
    return this;
  }

  /** Remove `key`; true when it was there. */
  delete(key: DigestLike): boolean {
    let s: number;
    if (typeof key === "number") s = this.ex.cacheDeleteH(this.ptr, key);
    else {
      const len = writeDigestString(this.core, key, this.ioIn);
      s = len < 0 ? len : this.ex.cacheDeleteStr(this.ptr, len);
    }
    if (s === NOT_FOUND) return false;
    if (s < 0) throw this.failure(key, s, 0);
    const value = this.slots[s] as V;
    this.slots[s] = undefined;
    if (this.dispose) this.dispose(value, this.keyString(key), "deleted");
    return true;
  }

  /** Evict the least recently used entry; returns [key, value] or undefined when empty. */
  evictOldest(): [string, V] | undefined {
    if (this.ex.cacheCount(this.ptr) === 0) return undefined;
    const key = this.slotKey(this.ex.cacheTail(this.ptr));
    const s = this.ex.cacheEvictOldest(this.ptr);
    const value = this.slots[s] as V;
    this.drainEvents();
    return [key, value];
  }

  clear(): void {
    if (this.dispose) {
      for (const [key, value] of this.entries()) this.dispose(value, key, "cleared");
    }
    this.ex.cacheClear(this.ptr);
    this.slots = new Array(this.max);
  }

  /** Remove every expired entry now; returns how many went. */
  purgeStale(): number {
    if (!this.ttl) return 0;
    const n = this.ex.cachePurgeStale(this.ptr, this.now());
    this.drainEvents();
    return n;
  }

  get size(): number {
    return this.ex.cacheCount(this.ptr);
  }

  /** Sum of entry sizes (0 without maxBytes). */
  get bytes(): number {
    return this.ex.cacheBytes(this.ptr);
  }

  // ---- batches: one crossing for many keys ----

  getMany(keys: readonly DigestLike[]): (V | undefined)[] {
    return this.lookupMany(keys, MODE_GET).map((s) => (s >= 0 ? this.slots[s] : undefined));
  }

  hasMany(keys: readonly DigestLike[]): boolean[] {
    return this.lookupMany(keys, MODE_HAS).map((s) => s >= 0);
  }

  /** Set many entries: [key, value] or [key, value, size]. Stops at the first invalid key. */
  setMany(entries: readonly (readonly [DigestLike, V] | readonly [DigestLike, V, number])[]): this {
    for (let start = 0; start < entries.length; start += BATCH_MAX) {
      const chunk = entries.slice(start, start + BATCH_MAX);
      const results = this.setChunk(chunk);
      for (let i = 0; i < chunk.length; i++) if (results[i] < 0) throw this.failure(chunk[i][0], results[i], 0);
    }
    return this;
  }

  // ---- iteration, most recent first; expired entries are skipped ----

  *entries(): IterableIterator<[string, V]> {
    const now = this.ttl ? this.now() : 0;
    for (let s = this.ex.cacheHead(this.ptr); s >= 0; s = this.ex.cacheNext(this.ptr, s)) {
      if (this.ttl && this.ex.cacheIsExpired(this.ptr, s, now)) continue;
      yield [this.slotKey(s), this.slots[s] as V];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): IterableIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  // ---- stats and checks ----

  get stats(): CacheStats {
    this.ex.cacheStats(this.ptr);
    const f = new Float64Array(this.ex.memory.buffer, this.core.ioOut, 6);
    const [hits, misses, sets, deletes, evictions, expirations] = f;
    return {
      hits, misses, sets, deletes, evictions, expirations,
      entries: this.size,
      bytes: this.bytes,
      hitRate: hits + misses > 0 ? hits / (hits + misses) : 0,
    };
  }

  resetStats(): void {
    this.ex.cacheResetStats(this.ptr);
  }

  /** Throws when the core's links, table, free list or byte total disagree. */
  checkInvariants(): void {
    const code = this.ex.cacheCheck(this.ptr);
    if (code !== 0) throw new CoreError("CACHE_INVARIANT", `MetadataCache invariant ${code} broken`);
  }

  /** Give the core's memory for this cache back; the cache is unusable afterwards. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.ex.cacheFree(this.ptr);
    this.slots = [];
  }

  // ---- internals ----

  private lookup(key: DigestLike, mode: number): number {
    const now = this.ttl ? this.now() : 0;
    let s: number;
    if (typeof key === "number") s = this.ex.cacheLookupH(this.ptr, key, mode, now);
    else {
      const len = writeDigestString(this.core, key, this.ioIn);
      s = len < 0 ? len : this.ex.cacheLookupStr(this.ptr, len, mode, now);
    }
    if (s < NOT_FOUND || (s < 0 && s > NOT_FOUND)) throw this.failure(key, s, 0);
    if (s < 0 && this.ttl) this.drainEvents();
    return s;
  }

  private lookupMany(keys: readonly DigestLike[], mode: number): number[] {
    const out: number[] = [];
    const now = this.ttl ? this.now() : 0;
    for (let start = 0; start < keys.length; start += BATCH_MAX) {
      const n = Math.min(BATCH_MAX, keys.length - start);
      const handles = this.writeKeys(keys, start, n);
      if (handles) this.ex.cacheLookupManyH(this.ptr, n, mode, now);
      else this.ex.cacheLookupManyStr(this.ptr, n, mode, now);
      const res = new Int32Array(this.ex.memory.buffer, this.core.ioOut, n);
      for (let i = 0; i < n; i++) {
        const s = res[i];
        if (s < NOT_FOUND || (s < 0 && s > NOT_FOUND)) throw this.failure(keys[start + i], s, 0);
        out.push(s);
      }
      if (this.ttl) this.drainEvents();
    }
    return out;
  }

  /**
   * Put keys[start..start+n) in the IO window: all handles as u32s, else all as
   * [len][ascii] records (handles formatted back to strings). Returns true for handles.
   */
  private writeKeys(keys: readonly DigestLike[], start: number, n: number): boolean {
    let allHandles = true;
    for (let i = 0; i < n; i++) if (typeof keys[start + i] !== "number") { allHandles = false; break; }
    if (allHandles) {
      const u32 = new Uint32Array(this.ex.memory.buffer, this.ioIn, n);
      for (let i = 0; i < n; i++) u32[i] = keys[start + i] as number;
      return true;
    }
    let off = this.ioIn;
    for (let i = 0; i < n; i++) {
      const k = this.keyString(keys[start + i]);
      const len = writeDigestString(this.core, k, off + 1);
      if (len < 0) throw digestError(String(k), len);
      this.core.u8[off] = len;
      off += 1 + len;
    }
    return false;
  }

  private setChunk(chunk: readonly (readonly [DigestLike, V] | readonly [DigestLike, V, number])[]): Int32Array {
    const n = chunk.length;
    const keys = chunk.map((e) => e[0]);
    const sizes = chunk.map((e) => this.sizeFor(e[0], e[1], e[2]));
    const expiresAt = this.expiryFor(undefined);
    const handles = this.writeKeys(keys, 0, n);
    new Uint32Array(this.ex.memory.buffer, this.core.ioOut + SIZES_OFF, n).set(sizes);
    if (handles) this.ex.cacheSetManyH(this.ptr, n, expiresAt);
    else this.ex.cacheSetManyStr(this.ptr, n, expiresAt);
    const results = new Int32Array(this.ex.memory.buffer, this.core.ioOut, n).slice();
    // Events carry the batch index they happened at; settle them in order with the sets.
    const events = this.takeEvents();
    let e = 0;
    for (let i = 0; i < n; i++) {
      while (e < events.length && events[e].seq === i) this.settle(events[e++]);
      if (results[i] >= 0) this.store(keys[i], results[i], chunk[i][1]);
    }
    while (e < events.length) this.settle(events[e++]);
    return results;
  }

  private store(key: DigestLike, r: number, value: V): void {
    const s = r & SLOT_MASK;
    if (r & SET_REPLACED && this.dispose) {
      const old = this.slots[s] as V;
      if (old !== value) this.dispose(old, this.keyString(key), "replaced");
    }
    this.slots[s] = value;
  }

  private sizeFor(key: DigestLike, value: V, size: number | undefined): number {
    if (!this.maxBytes) return 0;
    const n = size ?? (this.sizeOf ? this.sizeOf(value, this.keyString(key)) : undefined);
    if (n === undefined) throw new RangeError("MetadataCache: set() needs a size when maxBytes is set");
    if (!Number.isInteger(n) || n < 0 || n > MAX_SIZE) throw new RangeError(`MetadataCache: size must be an integer from 0 to ${MAX_SIZE}, got ${n}`);
    return n;
  }

  private expiryFor(ttl: number | undefined): number {
    if (!this.ttl) {
      if (ttl !== undefined && ttl !== Infinity) throw new RangeError("MetadataCache: per-entry ttl needs the ttl option");
      return 0;
    }
    const t = ttl ?? this.ttl;
    if (!(t > 0)) throw new RangeError(`MetadataCache: ttl must be > 0 ms or Infinity, got ${t}`);
    return t === Infinity ? Infinity : this.now() + t;
  }

  private takeEvents(): { slot: number; seq: number; reason: number; index: number }[] {
    const n = this.ex.cacheEventCount(this.ptr);
    if (n === 0) return [];
    const base = this.ex.cacheEvents(this.ptr);
    const u32 = new Uint32Array(this.ex.memory.buffer);
    const out = [];
    for (let i = 0; i < n; i++) {
      const w = (base + i * EVENT_BYTES) >>> 2;
      out.push({ slot: u32[w], seq: u32[w + 1], reason: u32[w + 2], index: i });
    }
    // Keys are formatted before draining, while the records are intact.
    if (this.dispose) for (const ev of out) (ev as { key?: string }).key = this.eventKey(ev.index);
    this.ex.cacheEventsDrained(this.ptr);
    return out;
  }

  private drainEvents(): void {
    for (const ev of this.takeEvents()) this.settle(ev);
  }

  private settle(ev: { slot: number; reason: number; key?: string }): void {
    const value = this.slots[ev.slot] as V;
    this.slots[ev.slot] = undefined;
    if (this.dispose) this.dispose(value, ev.key as string, REASONS[ev.reason]);
  }

  private eventKey(e: number): string {
    const len = this.ex.cacheFormatEventKey(this.ptr, e);
    return this.core.readAscii(this.core.ioOut, len);
  }

  private slotKey(s: number): string {
    const len = this.ex.cacheFormatKey(this.ptr, s);
    return this.core.readAscii(this.core.ioOut, len);
  }


  private keyString(key: DigestLike): string {
    if (typeof key === "string") return key;
    const len = this.ex.digestWrite(key);
    if (len < 0) throw new InvalidDigestError(String(key), "format");
    return this.core.readAscii(this.core.ioOut, len);
  }

  private failure(key: DigestLike, code: number, size: number): Error {
    if (code === ERR_TOO_LARGE) {
      return new CapacityError(`MetadataCache: entry ${this.keyString(key)} of ${size} bytes exceeds maxBytes ${this.maxBytes}`);
    }
    if (code === ERR_BAD_HANDLE) return new CoreError("BAD_HANDLE", `MetadataCache: ${key} is not a digest handle`);
    return digestError(String(key), code);
  }
}
