// The persistent blob store (L2) in worker runtimes and browsers that have the Cache API
// (Deno, Chromium, Cloudflare Workers): each blob a cache entry under a URL made of its digest.
//
// Why it is safe:
// - An entry is put from a stream the reader above fills as it checks the blob (cached-source.ts);
//   the Cache API makes an entry visible only once its body is whole, and a write that is
//   aborted makes the put fail, so a half-written blob is never found.
// - Every whole open hashes the entry before a byte is handed out. Entries up to WHOLE_HELD bytes
//   are read once, checked, and handed out from memory; a larger one is checked as it is read,
//   then read again for the caller. A wrong entry is deleted and answers "not stored".
// - Ranges are cut from the stored body (the Cache API keeps no ranges), size checked only.
// - The budget (default 1 GiB) is kept after each commit by deleting the least recently used
//   entries (usage.ts); their record is one more entry of the same cache. The platform may
//   evict entries on its own as well: a missing entry is a miss like any other.

import { parseDigestString } from "../../oci/digest.js";
import type { ByteRange } from "../source.js";
import { type BlobStore, type BlobWriter, type StoredBlob, countL2 } from "../cached-source.js";
import { sliceStream, storedBlobIsGood } from "./check.js";
import { UsageBook } from "./usage.js";

export const DEFAULT_CACHE_API_MAX_BYTES = 1024 ** 3;
/** Entries up to this size are checked and handed out from one read. */
const WHOLE_HELD = 16 << 20;
/** URLs of the entries: any https origin only this store uses. */
const ORIGIN = "https://layerlens-l2.invalid/";
const USAGE_URL = `${ORIGIN}usage`;
const SIZE_HEADER = "X-Layerlens-Size";

type CacheStorageLike = { open(name: string): Promise<Cache> };

export interface CacheApiStoreOptions {
  /** The byte budget (default 1 GiB). */
  maxBytes?: number;
  /** The cache's name (default "layerlens-blobs"). */
  cacheName?: string;
  /** The CacheStorage to use (default globalThis.caches). */
  caches?: CacheStorageLike;
}

function platformCaches(): CacheStorageLike | undefined {
  const caches = (globalThis as { caches?: CacheStorageLike }).caches;
  return caches && typeof caches.open === "function" ? caches : undefined;
}

export class CacheApiBlobStore implements BlobStore {
  /** Whether this runtime has a CacheStorage with open(). */
  static available(): boolean {
    return platformCaches() !== undefined;
  }

  readonly maxBytes: number;
  readonly cacheName: string;
  private readonly caches: CacheStorageLike;
  private cache: Promise<Cache> | undefined;
  private readonly usage: UsageBook;

  constructor(options: CacheApiStoreOptions = {}) {
    const max = options.maxBytes ?? DEFAULT_CACHE_API_MAX_BYTES;
    if (!Number.isSafeInteger(max) || max < 0)
      throw new RangeError(`CacheApiBlobStore: maxBytes must be a whole number >= 0, got ${String(max)}`);
    const caches = options.caches ?? platformCaches();
    if (!caches) throw new TypeError("this runtime has no Cache API");
    this.maxBytes = max;
    this.cacheName = options.cacheName ?? "layerlens-blobs";
    this.caches = caches;
    this.usage = new UsageBook({
      read: async () => (await (await this.open_()).match(USAGE_URL))?.text(),
      write: async (text) => {
        await (await this.open_()).put(USAGE_URL, new Response(text, { headers: { "Content-Type": "application/json" } }));
      },
    });
  }

  /** The URL a blob is kept under. */
  urlOf(digest: string): string {
    const { algorithm, encoded } = parseDigestString(digest);
    return `${ORIGIN}blobs/${algorithm}/${encoded}`;
  }

  async sizeOf(digest: string): Promise<number | undefined> {
    const res = await (await this.open_()).match(this.urlOf(digest)).catch(() => undefined);
    if (!res) return undefined;
    await res.body?.cancel().catch(() => {});
    return sizeHeader(res);
  }

  async open(blob: StoredBlob, range?: ByteRange): Promise<ReadableStream<Uint8Array> | undefined> {
    const cache = await this.open_();
    const url = this.urlOf(blob.digest);
    const res = await cache.match(url).catch(() => undefined);
    if (!res?.body) {
      countL2({ misses: 1 });
      return undefined;
    }
    let out: ReadableStream<Uint8Array> | undefined;
    if (sizeHeader(res) !== blob.size) {
      await res.body.cancel().catch(() => {});
    } else if (range) {
      const start = Math.min(range.start, blob.size);
      out = sliceStream(res.body, start, Math.max(start, Math.min(range.end ?? blob.size, blob.size)));
    } else if (blob.size <= WHOLE_HELD) {
      const bytes = new Uint8Array(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
      if (await storedBlobIsGood(streamOf(bytes), blob)) out = streamOf(bytes);
    } else if (await storedBlobIsGood(res.body, blob)) {
      out = (await cache.match(url).catch(() => undefined))?.body ?? undefined;
    }
    if (!out) {
      await cache.delete(url).catch(() => false);
      countL2({ misses: 1, corrupt: 1 });
      return undefined;
    }
    await this.usage.touch(keyOf(blob.digest), blob.size);
    countL2({
      hits: 1,
      bytesServed: range ? Math.max(0, Math.min(range.end ?? blob.size, blob.size) - Math.min(range.start, blob.size)) : blob.size,
    });
    return out;
  }

  async begin(blob: StoredBlob): Promise<BlobWriter | undefined> {
    if (blob.size > this.maxBytes) return undefined;
    if ((await this.sizeOf(blob.digest)) === blob.size) return undefined;
    const cache = await this.open_();
    const url = this.urlOf(blob.digest);
    const pipe = new TransformStream<Uint8Array, Uint8Array>();
    const writer = pipe.writable.getWriter();
    const headers = { "Content-Type": "application/octet-stream", "Content-Length": String(blob.size), [SIZE_HEADER]: String(blob.size) };
    const put = cache.put(url, new Response(pipe.readable, { headers }));
    // A put that fails before commit (the platform refused the entry) must not become an unhandled rejection.
    put.catch(() => {});
    let written = 0;
    return {
      write: async (chunk) => {
        await writer.write(chunk);
        written += chunk.length;
      },
      commit: async () => {
        if (written !== blob.size) {
          await writer.abort(new RangeError("short")).catch(() => {});
          await put.catch(() => {});
          await cache.delete(url).catch(() => false);
          throw new RangeError(`blob ${blob.digest}: ${written} bytes written, ${blob.size} expected`);
        }
        await writer.close();
        await put;
        countL2({ bytesWritten: written });
        await this.usage.touch(keyOf(blob.digest), blob.size);
        await this.evict();
      },
      abort: async () => {
        await writer.abort(new Error("the blob was not stored")).catch(() => {});
        await put.catch(() => {});
        await cache.delete(url).catch(() => false);
      },
    };
  }

  /**
   * Every stored blob's key ("<alg>:<hex>") and size. Where the cache cannot list its keys
   * (Deno's has no keys()), the usage record is the list: an entry it lost is left to the
   * platform's own eviction.
   */
  async list(): Promise<Map<string, number>> {
    const cache = await this.open_();
    const out = new Map<string, number>();
    if (typeof cache.keys !== "function") {
      for (const [key, entry] of Object.entries(await this.usage.entries())) out.set(key, entry.size);
      return out;
    }
    for (const req of await cache.keys()) {
      const m = /\/blobs\/([a-z0-9+._-]+)\/([a-zA-Z0-9=_-]+)$/.exec(new URL(req.url).pathname);
      if (!m) continue;
      const res = await cache.match(req).catch(() => undefined);
      if (!res) continue;
      await res.body?.cancel().catch(() => {});
      const size = sizeHeader(res);
      if (size !== undefined) out.set(`${m[1]}:${m[2]}`, size);
    }
    return out;
  }

  async remove(digest: string): Promise<void> {
    await (await this.open_()).delete(this.urlOf(digest)).catch(() => false);
  }

  private async evict(): Promise<void> {
    const victims = await this.usage.evict(await this.list(), this.maxBytes, (key) => this.remove(key));
    if (victims.length) countL2({ evictions: victims.length });
  }

  private open_(): Promise<Cache> {
    this.cache ??= this.caches.open(this.cacheName);
    return this.cache;
  }
}

function keyOf(digest: string): string {
  const { algorithm, encoded } = parseDigestString(digest);
  return `${algorithm}:${encoded}`;
}

function sizeHeader(res: Response): number | undefined {
  const n = Number(res.headers.get(SIZE_HEADER));
  return Number.isSafeInteger(n) && n >= 0 && res.headers.get(SIZE_HEADER) !== null ? n : undefined;
}

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      if (bytes.length) c.enqueue(bytes);
      c.close();
    },
  });
}
