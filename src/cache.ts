// MetadataCache: a digest-keyed LRU whose bookkeeping lives in the wasm core (assembly/lru.ts)
// and whose values stay here, in an array indexed by the core's slot numbers.
//
// Keys are OCI digests, given as strings or as handles from parseDigest(); the handle path
// skips the string copy and hex decode. Sizes (maxBytes) and TTL cost nothing unless asked
// for: the core reserves their regions only then.

import { CapacityError, CoreError, FreedError, InvariantError } from "./errors.js";
import { Core, getDefaultCore } from "./wasm/core.js";
import { Reclaimer } from "./wasm/reclaim.js";
import {
  CACHE_BATCH_MAX,
  CACHE_PACKED_KEYS_OFF,
  CACHE_SIZES_OFF,
  CACHE_STATS,
  ERR_BAD_HANDLE,
  ERR_TOO_LARGE,
  EVENT_BYTES,
  GOT_STORED,
  EVENT_REASON,
  EVENT_SEQ,
  EVENT_SLOT,
  LOOKUP_GET,
  LOOKUP_HAS,
  LOOKUP_PEEK,
  NOT_FOUND,
  RECORD_HANDLE,
  REASON_CLEARED,
  REASON_DELETED,
  REASON_EVICTED,
  REASON_EXPIRED,
  REASON_REPLACED,
  SET_EVENTS,
  SET_REPLACED,
  SLOT_MASK,
} from "./wasm/abi.js";
import { DigestLike, MAX_DIGEST_LENGTH, digestError, writeDigestString } from "./digest.js";

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

/** The longest batch record: [len]["sha512:" + 128 hex]. */
const RECORD_MAX = 1 + MAX_DIGEST_LENGTH;
/** Dispose reasons by the core's REASON_* code. */
const REASONS: DisposeReason[] = [];
REASONS[REASON_EVICTED] = "evicted";
REASONS[REASON_DELETED] = "deleted";
REASONS[REASON_REPLACED] = "replaced";
REASONS[REASON_EXPIRED] = "expired";
REASONS[REASON_CLEARED] = "cleared";
const MAX_SIZE = 0xffffffff;

type Entry<V> = readonly [DigestLike, V] | readonly [DigestLike, V, number];
interface CoreEvent {
  slot: number;
  seq: number;
  reason: number;
  key?: string;
}
const encoder = new TextEncoder();
/** Shared and never written: a call that logged nothing allocates nothing. */
const NO_EVENTS: readonly CoreEvent[] = Object.freeze([]);

// The string whose parsed key the core holds from the last single-key string call
// (assembly/lru.ts LAST), so set() after a missed get() of it skips the copy and parse.
// Per core: LAST lives in that core's memory, shared by all its caches.
let lastKey: string | undefined;
let lastCore: Core | undefined;
function remember(core: Core, key: string | undefined): void {
  lastKey = key;
  lastCore = core;
}

/** What a cache dropped without free() gives back: its core region. */
interface HeldCache {
  ex: Core["exports"];
  ptr: number;
}
const reclaimer = new Reclaimer<HeldCache>("MetadataCache", (held) => held.ex.cacheFree(held.ptr));

export class MetadataCache<V = unknown> {
  readonly max: number;
  readonly maxBytes: number;
  readonly ttl: number;
  private readonly core: Core;
  /** The core's exports; after free() an object whose every method throws (see free()). */
  private ex: Core["exports"];
  private readonly ptr: number;
  private readonly ioIn: number;
  private readonly ioInEnd: number;
  private slots: (V | undefined)[];
  /** True while a getOrSet factory runs (see made()). */
  private making = false;
  private readonly now: () => number;
  private readonly dispose?: MetadataCacheOptions<V>["dispose"];
  private readonly sizeOf?: MetadataCacheOptions<V>["sizeOf"];

  constructor(options: MetadataCacheOptions<V>) {
    if (typeof options !== "object" || options === null) {
      throw new RangeError(`MetadataCache: options must be an object with max, got ${String(options)}`);
    }
    const { max, maxBytes = 0, ttl = 0 } = options;
    if (!Number.isInteger(max) || max < 1 || max > SLOT_MASK) {
      throw new RangeError(`MetadataCache: max must be an integer from 1 to ${SLOT_MASK}, got ${String(max)}`);
    }
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
      throw new RangeError(`MetadataCache: maxBytes must be a non-negative integer, got ${String(maxBytes)}`);
    }
    if (typeof ttl !== "number" || !(ttl >= 0)) {
      throw new RangeError(`MetadataCache: ttl must be a number of ms >= 0 (0: no TTL), got ${String(ttl)}`);
    }
    for (const name of ["sizeOf", "now", "dispose"] as const) {
      if (options[name] !== undefined && typeof options[name] !== "function") {
        throw new RangeError(`MetadataCache: ${name} must be a function, got ${String(options[name])}`);
      }
    }
    if (options.sizeOf && !maxBytes) throw new RangeError("MetadataCache: sizeOf needs maxBytes");
    if (options.now && !ttl) throw new RangeError("MetadataCache: now (the TTL clock) needs ttl");
    this.max = max;
    this.maxBytes = maxBytes;
    this.ttl = ttl;
    this.core = options.core ?? getDefaultCore();
    this.ex = this.core.exports;
    this.ioIn = this.core.ioIn;
    this.ioInEnd = this.core.ioIn + this.core.ioInSize;
    this.now = options.now ?? Date.now;
    this.dispose = options.dispose;
    this.sizeOf = options.sizeOf;
    this.ptr = this.ex.cacheNew(max, BigInt(maxBytes), ttl > 0 ? 1 : 0, this.dispose ? 1 : 0);
    if (!this.ptr) throw new CapacityError(`MetadataCache: linear memory cannot hold ${max} entries`);
    this.slots = new Array<V | undefined>(max);
    reclaimer.watch(this, { ex: this.ex, ptr: this.ptr });
  }

  // ---- single-key operations ----

  /** The value for `key`, marking it most recently used; undefined when absent or expired. */
  get(key: DigestLike): V | undefined {
    const s = this.lookup(key, LOOKUP_GET);
    return s >= 0 ? this.slots[s] : undefined;
  }

  /** Like get() without marking the entry recent or counting a hit or miss. */
  peek(key: DigestLike): V | undefined {
    const s = this.lookup(key, LOOKUP_PEEK);
    return s >= 0 ? this.slots[s] : undefined;
  }

  has(key: DigestLike): boolean {
    return this.lookup(key, LOOKUP_HAS) >= 0;
  }

  /**
   * Insert or update; evicts the least recently used entries while over a budget.
   * Setting a key whose entry has expired disposes the old value as "expired", not
   * "replaced"; setting the value already stored disposes nothing (as lru-cache does).
   */
  set(key: DigestLike, value: V, options?: SetOptions): this {
    this.unchanging();
    const size = this.sizeFor(key, value, options?.size);
    const now = this.ttl ? this.now() : 0;
    const expiresAt = this.expiryFor(options?.ttl, now);
    let r: number;
    if (typeof key === "number") r = this.ex.cacheSetH(this.ptr, this.handle(key), size, expiresAt, now);
    else if (key === lastKey && this.core === lastCore) r = this.ex.cacheSetLast(this.ptr, size, expiresAt, now);
    else {
      const len = writeDigestString(this.core, key, this.ioIn);
      r = len < 0 ? len : this.ex.cacheSetStr(this.ptr, len, size, expiresAt, now);
      remember(this.core, r >= 0 || r === ERR_TOO_LARGE ? key : undefined);
    }
    if (r < 0) throw this.failure(key, r, size);
    this.store(key, r, value, r & SET_EVENTS ? this.takeEvents() : undefined);
    return this;
  }

  /**
   * The value for `key` (marked most recent); when absent, `make(key)`'s value, stored as
   * set() would. Without TTL or maxBytes the lookup and the store are one call into the
   * core, and `make` runs only on a miss, after the key took its slot; while it runs the
   * cache refuses changes (set, delete, clear, ...) with a RangeError. A `make` that throws
   * leaves the cache without the key and throws unchanged.
   */
  getOrSet(key: DigestLike, make: (key: DigestLike) => V): V {
    if (this.ttl || this.maxBytes) {
      const found = this.lookup(key, LOOKUP_GET);
      if (found >= 0) return this.slots[found] as V;
      const made = this.made(key, make);
      this.set(key, made);
      return made;
    }
    this.unchanging();
    let r: number;
    if (typeof key === "number") r = this.ex.cacheGetOrSetH(this.ptr, this.handle(key));
    else {
      const len = writeDigestString(this.core, key, this.ioIn);
      r = len < 0 ? len : this.ex.cacheGetOrSetStr(this.ptr, len);
      remember(this.core, r >= 0 ? key : undefined);
    }
    if (r < 0) throw this.failure(key, r, 0);
    const s = r & SLOT_MASK;
    if (!(r & GOT_STORED)) return this.slots[s] as V;
    // What the store evicted leaves first (its slot may be this very one).
    if (r & SET_EVENTS) for (const ev of this.takeEvents()) this.settle(ev);
    let value: V;
    try {
      value = this.made(key, make);
    } catch (err) {
      this.forget(key);
      throw err;
    }
    this.slots[s] = value;
    return value;
  }

  /** Remove `key`; true when it was there (an expired entry is not: it leaves as expired). */
  delete(key: DigestLike): boolean {
    this.unchanging();
    const now = this.ttl ? this.now() : 0;
    let s: number;
    if (typeof key === "number") s = this.ex.cacheDeleteH(this.ptr, this.handle(key), now);
    else {
      const len = writeDigestString(this.core, key, this.ioIn);
      s = len < 0 ? len : this.ex.cacheDeleteStr(this.ptr, len, now);
      remember(this.core, s >= 0 || s === NOT_FOUND ? key : undefined);
    }
    if (s === NOT_FOUND) {
      if (this.ttl) this.drainEvents();
      return false;
    }
    if (s < 0) throw this.failure(key, s, 0);
    const value = this.slots[s] as V;
    this.slots[s] = undefined;
    if (this.dispose) this.dispose(value, this.keyString(key), "deleted");
    return true;
  }

  /**
   * Evict the least recently used live entry; returns [key, value], or undefined when
   * nothing live is left. Expired entries met on the way leave as "expired".
   */
  evictOldest(): [string, V] | undefined {
    this.unchanging();
    const s = this.ex.cacheEvictOldest(this.ptr, this.ttl ? this.now() : 0);
    const events = this.takeEvents(s >= 0);
    if (s < 0) {
      for (const ev of events) this.settle(ev);
      return undefined;
    }
    // The last event is this eviction; the core logged its key even without dispose.
    const evicted = events[events.length - 1];
    const value = this.slots[s] as V;
    for (const ev of events) this.settle(ev);
    return [evicted.key as string, value];
  }

  /** Remove everything; dispose sees each entry, most recent first, as "cleared" (or "expired"). */
  clear(): void {
    this.unchanging();
    this.ex.cacheClear(this.ptr, this.ttl ? this.now() : 0);
    const events = this.takeEvents();
    const old = this.slots;
    this.slots = new Array<V | undefined>(this.max);
    if (this.dispose) for (const ev of events) this.dispose(old[ev.slot] as V, ev.key as string, REASONS[ev.reason]);
  }

  /** Remove every expired entry now; returns how many went. */
  purgeStale(): number {
    this.unchanging();
    if (!this.ttl) return 0;
    const n = this.ex.cachePurgeStale(this.ptr, this.now());
    this.drainEvents();
    return n;
  }

  /** Entries stored, counting expired ones no operation has reached yet (as lru-cache). */
  get size(): number {
    return this.ex.cacheCount(this.ptr);
  }

  /** Sum of entry sizes (0 without maxBytes). */
  get bytes(): number {
    return this.ex.cacheBytes(this.ptr);
  }

  // ---- batches: one crossing for many keys ----
  // Each behaves like the single call in a loop: keys are processed in order, and the
  // first refused key throws its error after the keys before it took effect.

  getMany(keys: readonly DigestLike[]): (V | undefined)[] {
    return this.lookupMany(keys, LOOKUP_GET, (s) => (s >= 0 ? this.slots[s] : undefined));
  }

  hasMany(keys: readonly DigestLike[]): boolean[] {
    return this.lookupMany(keys, LOOKUP_HAS, (s) => s >= 0);
  }

  /**
   * getOrSet for each key in order, as the single calls in a loop would, in one crossing per
   * chunk of keys: no [key, value] pairs, and a packed string batch is copied in once.
   * `make(key, index)` runs for the misses only, in order, after the chunk's keys took their
   * slots. A refused key throws after the keys before it took effect; a `make` that throws
   * leaves its key and the chunk's later misses out of the cache and throws unchanged.
   */
  getOrSetMany(keys: readonly DigestLike[], make: (key: DigestLike, index: number) => V): V[] {
    // Kept typed: Array.isArray narrows `keys` itself to any[].
    const list: readonly DigestLike[] = keys;
    if (!Array.isArray(keys)) throw new RangeError(`MetadataCache: batch calls take an array of keys, got ${String(keys)}`);
    const out: V[] = [];
    if (this.ttl || this.maxBytes) {
      for (let i = 0; i < keys.length; i++) out.push(this.getOrSet(list[i], (k) => make(k, i)));
      return out;
    }
    this.unchanging();
    for (let start = 0; start < keys.length;) {
      const staged = this.stageKeys(keys, start);
      const n = staged.count;
      if (!staged.packed && !staged.handles) {
        // Strings mixed with handles: one call each (the record format has no fused loop).
        for (let i = start; i < start + n; i++) out.push(this.getOrSet(list[i], (k) => make(k, i)));
      } else {
        const done = staged.packed ? this.ex.cacheGetOrSetManyPacked(this.ptr, n) : this.ex.cacheGetOrSetManyH(this.ptr, n);
        this.fillMany(keys, start, n, done, make, out);
      }
      if (staged.refused) throw staged.refused;
      start += n;
    }
    return out;
  }

  /** Set many entries: [key, value] or [key, value, size], in order (default ttl). */
  setMany(entries: readonly Entry<V>[]): this {
    this.unchanging();
    if (!Array.isArray(entries)) throw new RangeError(`MetadataCache: setMany takes an array of entries, got ${String(entries)}`);
    for (let start = 0; start < entries.length;) start += this.setChunk(entries, start);
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
    const f = new Float64Array(this.ex.memory.buffer, this.core.ioOut, CACHE_STATS);
    const [hits, misses, sets, deletes, evictions, expirations] = f;
    return {
      hits,
      misses,
      sets,
      deletes,
      evictions,
      expirations,
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
    if (code !== 0) throw new InvariantError(`MetadataCache: core invariant ${code} broken`);
  }

  /**
   * Give the core's memory for this cache back. Every later call throws FreedError
   * instead of touching memory another cache may now own; the check costs the hot paths
   * nothing because it lives in the replacement exports object. A cache dropped without
   * free() is given back when the garbage collector finalizes it.
   */
  free(): void {
    this.unchanging();
    if (this.ex === this.core.exports) {
      reclaimer.forget(this);
      this.ex.cacheFree(this.ptr);
    }
    this.ex = freedExports();
    this.slots = [];
  }

  // ---- internals ----

  /** Settle a fused batch's answers in key order: events first, then the value made or found. */
  private fillMany(
    keys: readonly DigestLike[],
    start: number,
    n: number,
    done: number,
    make: (key: DigestLike, index: number) => V,
    out: V[],
  ): void {
    // A copy: make() may read this cache, and a read may use the IO window.
    const res = new Int32Array(this.ex.memory.buffer, this.core.ioOut, n).slice();
    const events = this.takeEvents();
    let e = 0;
    for (let i = 0; i < done; i++) {
      while (e < events.length && events[e].seq === i) this.settle(events[e++]);
      const r = res[i];
      const s = r & SLOT_MASK;
      if (!(r & GOT_STORED)) {
        out.push(this.slots[s] as V);
        continue;
      }
      let value: V;
      try {
        value = this.made(keys[start + i], (k) => make(k, start + i));
      } catch (err) {
        while (e < events.length) this.settle(events[e++]);
        for (let j = i; j < done; j++) if (res[j] & GOT_STORED) this.forget(keys[start + j]);
        throw err;
      }
      this.slots[s] = value;
      out.push(value);
    }
    while (e < events.length) this.settle(events[e++]);
    if (done < n) throw this.failure(keys[start + done], res[done], 0);
  }

  /** make(key) with every change to this cache refused while it runs (its slot waits for the value). */
  private made(key: DigestLike, make: (key: DigestLike) => V): V {
    if (typeof make !== "function")
      throw new RangeError(`MetadataCache: getOrSet needs a function that makes the value, got ${String(make)}`);
    this.making = true;
    try {
      return make(key);
    } finally {
      this.making = false;
    }
  }

  /** Refuse a change while a getOrSet factory runs: its key's slot is not filled yet. */
  private unchanging(): void {
    if (this.making) throw new RangeError("MetadataCache: the cache cannot change while a getOrSet factory runs");
  }

  /** Take out, unseen by dispose, the key a getOrSet stored for a value its factory did not make. */
  private forget(key: DigestLike): void {
    const s =
      typeof key === "number"
        ? this.ex.cacheDeleteH(this.ptr, key, 0)
        : this.ex.cacheDeleteStr(this.ptr, writeDigestString(this.core, key, this.ioIn), 0);
    if (s >= 0) this.slots[s] = undefined;
    remember(this.core, undefined);
  }

  /** A number key must be a u32 handle: wasm would truncate 1.5 or NaN to a real one. */
  private handle(key: number): number {
    if (key >>> 0 !== key) throw this.failure(key, ERR_BAD_HANDLE, 0);
    return key;
  }

  private lookup(key: DigestLike, mode: number): number {
    const now = this.ttl ? this.now() : 0;
    let s: number;
    if (typeof key === "number") s = this.ex.cacheLookupH(this.ptr, this.handle(key), mode, now);
    else {
      const len = writeDigestString(this.core, key, this.ioIn);
      s = len < 0 ? len : this.ex.cacheLookupStr(this.ptr, len, mode, now);
      remember(this.core, s >= 0 || s === NOT_FOUND ? key : undefined);
    }
    if (s < NOT_FOUND || (s < 0 && s > NOT_FOUND)) throw this.failure(key, s, 0);
    if (s < 0 && this.ttl) this.drainEvents();
    return s;
  }

  private lookupMany<T>(keys: readonly DigestLike[], mode: number, pick: (slot: number) => T): T[] {
    if (!Array.isArray(keys)) throw new RangeError(`MetadataCache: batch calls take an array of keys, got ${String(keys)}`);
    const out: T[] = [];
    for (let start = 0; start < keys.length;) {
      const now = this.ttl ? this.now() : 0;
      const staged = this.stageKeys(keys, start);
      const n = staged.count;
      const done = staged.packed
        ? this.ex.cacheLookupManyPacked(this.ptr, n, mode, now)
        : staged.handles
          ? this.ex.cacheLookupManyH(this.ptr, n, mode, now)
          : this.ex.cacheLookupManyStr(this.ptr, n, mode, now);
      const res = new Int32Array(this.ex.memory.buffer, this.core.ioOut, n);
      for (let i = 0; i < done; i++) out.push(pick(res[i]));
      const code = done < n ? res[done] : 0;
      if (this.ttl) this.drainEvents();
      if (done < n) throw this.failure(keys[start + done], code, 0);
      if (staged.refused) throw staged.refused;
      start += n;
    }
    return out;
  }

  /**
   * Put keys from `start` in the IO window, as many as fit (at most CACHE_BATCH_MAX), stopping
   * before a key refused without the core's help (not ASCII, too long, not a u32).
   * All handles go as a u32 array; anything else as records mixing strings and handles.
   */
  private stageKeys(keys: readonly DigestLike[], start: number): { count: number; handles: boolean; packed?: boolean; refused?: Error } {
    const end = Math.min(keys.length, start + CACHE_BATCH_MAX);
    const packed = this.stagePacked(keys, start, end);
    if (packed > 0) return { count: packed, handles: false, packed: true };
    let handles = true;
    for (let i = start; i < end; i++) {
      const k = keys[i];
      if (typeof k !== "number" || k >>> 0 !== k) {
        handles = false;
        break;
      }
    }
    if (handles) {
      new Uint32Array(this.ex.memory.buffer, this.ioIn, end - start).set(keys.slice(start, end) as number[]);
      return { count: end - start, handles };
    }
    const u8 = this.core.u8;
    let off = this.ioIn;
    let i = start;
    for (; i < end && off + RECORD_MAX <= this.ioInEnd; i++) {
      const k = keys[i];
      if (typeof k === "number") {
        if (k >>> 0 !== k) return { count: i - start, handles, refused: this.failure(k, ERR_BAD_HANDLE, 0) };
        u8[off] = RECORD_HANDLE; // then the handle, little-endian as wasm loads it
        u8[off + 1] = k;
        u8[off + 2] = k >>> 8;
        u8[off + 3] = k >>> 16;
        u8[off + 4] = k >>> 24;
        off += 5;
        continue;
      }
      const len = writeDigestString(this.core, k, off + 1);
      if (len < 0) return { count: i - start, handles, refused: digestError(String(k), len) };
      u8[off] = len;
      off += 1 + len;
    }
    return { count: i - start, handles };
  }

  /**
   * Stage keys[start, end) as a packed string batch when they are all strings short enough
   * to be digests: their lengths (u8 each) at ioIn, their characters back to back from
   * ioIn + CACHE_PACKED_KEYS_OFF, written by ONE encodeInto of the joined keys instead of
   * one per key. Returns how many keys it staged (as many as fit), or 0 when the batch is
   * not all such strings or holds a non-ASCII one (the per-record path then says which).
   */
  private stagePacked(keys: readonly DigestLike[], start: number, end: number): number {
    const room = this.core.ioInSize - CACHE_PACKED_KEYS_OFF;
    let bytes = 0;
    let stop = start;
    for (; stop < end; stop++) {
      const k = keys[stop];
      if (typeof k !== "string" || k.length > MAX_DIGEST_LENGTH) return 0;
      if (bytes + k.length > room) break;
      bytes += k.length;
    }
    const joined = start === 0 && stop === keys.length ? keys.join("") : keys.slice(start, stop).join("");
    const u8 = this.core.u8;
    const dst = new Uint8Array(u8.buffer, this.ioIn + CACHE_PACKED_KEYS_OFF, room);
    const { read, written } = encoder.encodeInto(joined, dst);
    // UTF-8 equals the UTF-16 units exactly when every character is ASCII (see Core.writeAscii).
    if (read !== joined.length || written !== joined.length) return 0;
    for (let i = start, at = this.ioIn; i < stop; i++, at++) u8[at] = (keys[i] as string).length;
    return stop - start;
  }

  /** One crossing of setMany from entries[start]; returns how many entries it consumed. */
  private setChunk(entries: readonly Entry<V>[], start: number): number {
    // Sizes are worked out first: a refused size ends the chunk before that entry.
    const end = Math.min(entries.length, start + CACHE_BATCH_MAX);
    const sizes: number[] = [];
    let sizeRefused: unknown;
    for (let i = start; i < end; i++) {
      const e = entries[i];
      try {
        if (!Array.isArray(e))
          throw new RangeError(`MetadataCache: setMany entries are [key, value] or [key, value, size], got ${String(e)}`);
        // Array.isArray narrows to any[]; the annotation restores the entry's own types.
        const [key, value, size]: Entry<V> = e;
        sizes.push(this.sizeFor(key, value, size));
      } catch (err) {
        sizeRefused = err;
        break;
      }
    }
    const keys = entries.slice(start, start + sizes.length).map((e) => e[0]);
    const staged = this.stageKeys(keys, 0);
    const n = staged.count;
    // A key refused before crossing comes first; a refused size only once every entry
    // before it was staged (a full window leaves the rest, and the refusal, to the next chunk).
    const refused = staged.refused ?? (n === sizes.length ? sizeRefused : undefined);
    const now = this.ttl ? this.now() : 0;
    const expiresAt = this.expiryFor(undefined, now);
    // Sizes are read only under a byte budget.
    if (this.maxBytes) new Uint32Array(this.ex.memory.buffer, this.core.ioOut + CACHE_SIZES_OFF, n).set(sizes.slice(0, n));
    const done = staged.packed
      ? this.ex.cacheSetManyPacked(this.ptr, n, expiresAt, now)
      : staged.handles
        ? this.ex.cacheSetManyH(this.ptr, n, expiresAt, now)
        : this.ex.cacheSetManyStr(this.ptr, n, expiresAt, now);
    const results = new Int32Array(this.ex.memory.buffer, this.core.ioOut, n).slice();
    // Events carry the batch index they happened at; settle them in order with the sets.
    const events = this.takeEvents();
    let e = 0;
    for (let i = 0; i < done; i++) {
      const first = e;
      while (e < events.length && events[e].seq === i) e++;
      this.store(keys[i], results[i], entries[start + i][1], events, first, e);
    }
    while (e < events.length) this.settle(events[e++]);
    if (done < n) throw this.failure(keys[done], results[done], sizes[done]);
    // Rethrown as caught: a sizeOf callback may throw any value, and the caller sees it unchanged.
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a deferred rethrow of a caught value
    if (refused !== undefined) throw refused;
    return n;
  }

  /**
   * Record set() result r for `key`, settling the events [from, to) the set caused in
   * the order they happened: a replaced value first (the update came before any
   * eviction it caused), else the evictions first (they may have freed this very slot).
   */
  private store(key: DigestLike, r: number, value: V, events?: readonly CoreEvent[], from = 0, to = events?.length ?? 0): void {
    const s = r & SLOT_MASK;
    if (r & SET_REPLACED) {
      const old = this.slots[s] as V;
      this.slots[s] = value;
      if (this.dispose && old !== value) this.dispose(old, this.keyString(key), "replaced");
      if (events) for (let e = from; e < to; e++) this.settle(events[e]);
    } else {
      if (events) for (let e = from; e < to; e++) this.settle(events[e]);
      this.slots[s] = value;
    }
  }

  private sizeFor(key: DigestLike, value: V, size: number | undefined): number {
    if (!this.maxBytes) {
      if (size !== undefined) throw new RangeError(`MetadataCache: a size (${String(size)}) needs the maxBytes option`);
      return 0;
    }
    // null is a (bad) size, not "no size": only undefined falls back to sizeOf.
    const n = size !== undefined ? size : this.sizeOf ? this.sizeOf(value, this.keyString(key)) : undefined;
    if (n === undefined) throw new RangeError(`MetadataCache: set() needs a size when maxBytes is set (entry ${this.keyString(key)})`);
    if (!Number.isInteger(n) || n < 0 || n > MAX_SIZE)
      throw new RangeError(`MetadataCache: size must be an integer from 0 to ${MAX_SIZE}, got ${String(n)}`);
    return n;
  }

  private expiryFor(ttl: number | undefined, now: number): number {
    if (!this.ttl) {
      if (ttl !== undefined && ttl !== Infinity)
        throw new RangeError(`MetadataCache: a per-entry ttl (${String(ttl)}) needs the ttl option`);
      return 0;
    }
    const t = ttl !== undefined ? ttl : this.ttl;
    if (typeof t !== "number" || !(t > 0)) throw new RangeError(`MetadataCache: ttl must be > 0 ms or Infinity, got ${String(t)}`);
    return t === Infinity ? Infinity : now + t;
  }

  /** Copy out and drain the core's event log; keys are formatted when dispose (or `withKeys`) wants them. */
  private takeEvents(withKeys = false): readonly CoreEvent[] {
    const n = this.ex.cacheEventCount(this.ptr);
    if (n === 0) return NO_EVENTS;
    const base = this.ex.cacheEvents(this.ptr);
    const u32 = new Uint32Array(this.ex.memory.buffer);
    const out: CoreEvent[] = [];
    for (let i = 0; i < n; i++) {
      const w = (base + i * EVENT_BYTES) >>> 2;
      out.push({ slot: u32[w + EVENT_SLOT / 4], seq: u32[w + EVENT_SEQ / 4], reason: u32[w + EVENT_REASON / 4] });
    }
    // Keys are formatted before draining, while the records are intact.
    if (this.dispose) for (let i = 0; i < n; i++) out[i].key = this.eventKey(i);
    else if (withKeys) out[n - 1].key = this.eventKey(n - 1);
    this.ex.cacheEventsDrained(this.ptr);
    return out;
  }

  private drainEvents(): void {
    for (const ev of this.takeEvents()) this.settle(ev);
  }

  private settle(ev: CoreEvent): void {
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
    if (len < 0) throw this.failure(key, ERR_BAD_HANDLE, 0);
    return this.core.readAscii(this.core.ioOut, len);
  }

  private failure(key: unknown, code: number, size: number): Error {
    if (code === ERR_TOO_LARGE) {
      return new CapacityError(
        `MetadataCache: entry ${this.keyString(key as DigestLike)} of ${size} bytes exceeds maxBytes ${this.maxBytes}`,
      );
    }
    if (code === ERR_BAD_HANDLE)
      return new CoreError("BAD_HANDLE", `MetadataCache: ${String(key)} is not a digest handle from parseDigest()`);
    return digestError(String(key), code);
  }
}

/** Exports that refuse every call: what a freed cache talks to. */
function freedExports(): Core["exports"] {
  return new Proxy({} as Core["exports"], {
    get: () => {
      throw new FreedError("MetadataCache");
    },
  });
}
