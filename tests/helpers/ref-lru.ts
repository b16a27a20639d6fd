// A plain Map-based reference LRU: the model the wasm MetadataCache is checked against
// (tests/property/cache-model.test.ts). Written for obviousness, not speed: a Map keeps
// insertion order, so "most recent" is simply "last"; every rule is spelled out once.
//
// The rules it encodes (as MetadataCache documents them):
// - get marks recent and counts a hit or miss; peek and has do neither.
// - With TTL, an entry is expired once now >= its expiry; it is invisible, and whatever
//   reaches it first (get/peek/has/set/delete of its key, eviction from the tail, clear,
//   purgeStale) removes it as "expired" and counts an expiration. size and bytes still
//   count expired entries nobody has reached yet (as lru-cache does).
// - set: a size over maxBytes is refused and changes nothing. An update disposes the old
//   value as "replaced" (unless it is the same value), then evicts while over maxBytes;
//   an insert evicts the tail first when full, then while over maxBytes (never itself).
// - Batch calls are the single calls in a loop.

export type Reason = "evicted" | "deleted" | "replaced" | "expired" | "cleared";
export type DisposeCall = [value: unknown, key: string, reason: Reason];

export interface RefOptions {
  max: number;
  maxBytes?: number;
  ttl?: number;
}

interface Entry {
  value: unknown;
  size: number;
  expiresAt: number;
}

export class TooLarge extends Error {}

export class RefLru {
  readonly map = new Map<string, Entry>(); // least recent first
  readonly disposed: DisposeCall[] = [];
  now = 0;
  bytes = 0;
  hits = 0;
  misses = 0;
  sets = 0;
  deletes = 0;
  evictions = 0;
  expirations = 0;

  constructor(readonly options: RefOptions) {}

  private isExpired(e: Entry): boolean {
    return !!this.options.ttl && e.expiresAt <= this.now;
  }

  private remove(key: string, reason: Reason): void {
    const e = this.map.get(key) as Entry;
    this.map.delete(key);
    this.bytes -= e.size;
    this.disposed.push([e.value, key, reason]);
  }

  private expire(key: string): void {
    this.remove(key, "expired");
    this.expirations++;
  }

  private oldest(): string | undefined {
    return this.map.keys().next().value;
  }

  private evictTail(): void {
    const key = this.oldest() as string;
    if (this.isExpired(this.map.get(key) as Entry)) this.expire(key);
    else {
      this.remove(key, "evicted");
      this.evictions++;
    }
  }

  /** The live entry for key, removing it first if it has expired. */
  private live(key: string): Entry | undefined {
    const e = this.map.get(key);
    if (e && this.isExpired(e)) {
      this.expire(key);
      return undefined;
    }
    return e;
  }

  get(key: string): unknown {
    const e = this.live(key);
    if (!e) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  peek(key: string): unknown {
    return this.live(key)?.value;
  }

  has(key: string): boolean {
    return this.live(key) !== undefined;
  }

  set(key: string, value: unknown, size = 0, ttl?: number): void {
    const { maxBytes = 0 } = this.options;
    if (maxBytes && size > maxBytes) throw new TooLarge(key);
    this.sets++;
    const t = ttl ?? this.options.ttl ?? 0;
    const expiresAt = t === Infinity ? Infinity : this.now + t;
    const e = this.live(key);
    if (e) {
      this.map.delete(key);
      this.map.set(key, { value, size: maxBytes ? size : 0, expiresAt });
      this.bytes += (maxBytes ? size : 0) - e.size;
      if (e.value !== value) this.disposed.push([e.value, key, "replaced"]);
    } else {
      if (this.map.size === this.options.max) this.evictTail();
      this.map.set(key, { value, size: maxBytes ? size : 0, expiresAt });
      this.bytes += maxBytes ? size : 0;
    }
    while (maxBytes && this.bytes > maxBytes && this.oldest() !== key) this.evictTail();
  }

  delete(key: string): boolean {
    if (!this.live(key)) return false;
    this.remove(key, "deleted");
    this.deletes++;
    return true;
  }

  evictOldest(): [string, unknown] | undefined {
    while (this.map.size && this.isExpired(this.map.get(this.oldest() as string) as Entry)) this.expire(this.oldest() as string);
    const key = this.oldest();
    if (key === undefined) return undefined;
    const value = (this.map.get(key) as Entry).value;
    this.remove(key, "evicted");
    this.evictions++;
    return [key, value];
  }

  clear(): void {
    for (const key of [...this.map.keys()].reverse()) {
      if (this.isExpired(this.map.get(key) as Entry)) this.expire(key);
      else this.remove(key, "cleared");
    }
  }

  purgeStale(): number {
    if (!this.options.ttl) return 0;
    let n = 0;
    for (const key of [...this.map.keys()].reverse()) {
      if (this.isExpired(this.map.get(key) as Entry)) {
        this.expire(key);
        n++;
      }
    }
    return n;
  }

  /** Live entries, most recent first (what MetadataCache iteration yields). */
  entries(): [string, unknown][] {
    const out: [string, unknown][] = [];
    for (const [k, e] of this.map) if (!this.isExpired(e)) out.push([k, e.value]);
    return out.reverse();
  }

  get size(): number {
    return this.map.size;
  }

  get stats() {
    const { hits, misses, sets, deletes, evictions, expirations } = this;
    return {
      hits,
      misses,
      sets,
      deletes,
      evictions,
      expirations,
      entries: this.map.size,
      bytes: this.bytes,
      hitRate: hits + misses > 0 ? hits / (hits + misses) : 0,
    };
  }
}
