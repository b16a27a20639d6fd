// What the service keeps between requests, by digest: manifests, small blobs and finished API
// answers (an answer for a digest never changes). Two levels: the core's MetadataCache with a
// byte budget in this isolate (evicts least recently used), then the platform's Cache API
// where it has one (workerd, Deno), which outlives the isolate. Only answers read without a
// caller's credentials are ever stored or served from here: a digest is not a secret, so a
// private image read with one user's rights must not reach the next, anonymous, caller.

import { MetadataCache } from "../cache.js";
import { getDefaultCore } from "../wasm/core.js";
import { bytesBody } from "./http.js";

export interface Stored {
  bytes: Uint8Array;
  /** Content-Type to answer with. */
  type: string;
}

export interface StoreOptions {
  /** Bytes held in memory (default 64 MiB). */
  maxBytes?: number;
  /** Entries held in memory (default 4096). */
  maxEntries?: number;
  /** Use the platform's Cache API too when it has one (default true). */
  platformCache?: boolean;
}

/** The Cache API's URL for a key: any https URL the service alone uses. */
const CACHE_ORIGIN = "https://layerlens-store.invalid/";

type PlatformCaches = { open(name: string): Promise<Cache> };

export class Store {
  private readonly memory: MetadataCache<Stored>;
  private platform: Promise<Cache | undefined> | undefined;
  hits = 0;
  misses = 0;

  constructor(options: StoreOptions = {}) {
    this.memory = new MetadataCache<Stored>({
      max: options.maxEntries ?? 4096,
      maxBytes: options.maxBytes ?? 64 << 20,
      sizeOf: (v) => v.bytes.length,
      core: getDefaultCore(),
    });
    const caches = (globalThis as { caches?: PlatformCaches }).caches;
    if (options.platformCache !== false && caches && typeof caches.open === "function") {
      this.platform = caches.open("layerlens").catch(() => undefined);
    }
  }

  /** Bytes stored under `digest` ("sha256:…"), from memory or the platform cache. */
  async get(digest: string): Promise<Stored | undefined> {
    const held = this.memory.get(digest);
    if (held) {
      this.hits++;
      return held;
    }
    const cache = await this.platform;
    const res = cache ? await cache.match(CACHE_ORIGIN + digest).catch(() => undefined) : undefined;
    if (!res) {
      this.misses++;
      return undefined;
    }
    const value = { bytes: new Uint8Array(await res.arrayBuffer()), type: res.headers.get("Content-Type") ?? "application/octet-stream" };
    this.remember(digest, value);
    this.hits++;
    return value;
  }

  async put(digest: string, value: Stored): Promise<void> {
    this.remember(digest, value);
    const cache = await this.platform;
    if (!cache) return;
    const headers = { "Content-Type": value.type, "Cache-Control": "public, max-age=31536000, immutable" };
    await cache.put(CACHE_ORIGIN + digest, new Response(bytesBody(value.bytes), { headers })).catch(() => undefined);
  }

  private remember(digest: string, value: Stored): void {
    // Larger than the whole budget: not kept (the cache would refuse it with CAPACITY).
    if (value.bytes.length <= this.memory.maxBytes) this.memory.set(digest, value);
  }
}
