// The persistent blob store (L2) in Node: a directory laid out as an OCI image layout
// (oci-layout, blobs/<alg>/<hex>, index.json naming the roots stored), so it is also a local
// image store skopeo, umoci and `layerlens ls oci:DIR:NAME` read. Default place:
// $LAYERLENS_CACHE, else $XDG_CACHE_HOME/layerlens, else ~/.cache/layerlens.
//
// Why it is safe to share between processes:
// - Writes go to a temporary file beside the target (blobs/<alg>/.tmp-…) and are renamed into
//   place: a reader sees a whole blob or none, an interrupted write leaves only a temp file no
//   reader opens, and two processes storing the same blob both rename identical bytes.
// - Every whole open hashes the whole entry before a byte is handed out; a wrong size or digest
//   (a flipped byte, a truncated file) removes the entry and answers "not stored", so the blob
//   is fetched again from its source. A verified entry is remembered for this process by its
//   size and mtime. A ranged open checks the size only and hands out the stored bytes as they
//   are: a range cannot be checked against the blob's digest, and hashing 500 MB to serve 2 MB
//   would defeat it, so ranged readers verify what they get themselves (checkpoint reads check
//   every compressed segment against the verified pass's digests: src/fs/indexed-read.ts).
// - The budget (LAYERLENS_CACHE_MAX_BYTES, default 10 GiB) is kept after each commit by
//   removing the least recently used blobs; use is recorded by setting the file's mtime on
//   every hit, so the order survives across processes without a sidecar to keep consistent.
// Layout spec: https://github.com/opencontainers/image-spec/blob/main/image-layout.md

import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { UsageError } from "../errors.js";
import { parseDigestString } from "../oci/digest.js";
import { OCI_INDEX } from "../oci/media-types.js";
import type { ByteRange, Descriptor } from "../sources/source.js";
import { type BlobStore, type BlobWriter, type StoredBlob, countL2 } from "../sources/cached-source.js";
import { cacheRoot } from "./sample.js";
import { DirectoryFactsStore } from "./facts-store.js";

export const DEFAULT_CACHE_MAX_BYTES = 10 * 1024 ** 3;
const REF_NAME = "org.opencontainers.image.ref.name";
/** Temp files older than this were left by a process that died mid-write. */
const STALE_TEMP_MS = 60 * 60 * 1000;

export interface BlobStoreOptions {
  /** The byte budget; default LAYERLENS_CACHE_MAX_BYTES or 10 GiB. */
  maxBytes?: number;
  /** The layer facts' MAC key file (facts-store.ts; default in the user's config directory). */
  factsKeyFile?: string;
}

/** The budget from the environment, or the default. */
export function cacheMaxBytes(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.LAYERLENS_CACHE_MAX_BYTES;
  if (text === undefined || text === "") return DEFAULT_CACHE_MAX_BYTES;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new UsageError(`LAYERLENS_CACHE_MAX_BYTES must be a whole number of bytes, got ${JSON.stringify(text)}`);
  return n;
}

export class DirectoryBlobStore implements BlobStore {
  readonly maxBytes: number;
  /** Layer facts beside the blobs; a layer's record goes when its blob is evicted. */
  readonly facts: DirectoryFactsStore;
  /** Entries hashed and found good in this process: path -> "size:mtimeMs". */
  private readonly verified = new Map<string, string>();
  private ready: Promise<void> | undefined;

  constructor(
    readonly root: string,
    options: BlobStoreOptions = {},
  ) {
    const max = options.maxBytes ?? cacheMaxBytes();
    if (!Number.isSafeInteger(max) || max < 0)
      throw new RangeError(`DirectoryBlobStore: maxBytes must be a whole number >= 0, got ${String(max)}`);
    this.maxBytes = max;
    this.facts = new DirectoryFactsStore(root, { keyFile: options.factsKeyFile });
  }

  /** The path a blob is stored at. */
  pathOf(digest: string): string {
    const { algorithm, encoded } = parseDigestString(digest);
    return join(this.root, "blobs", algorithm, encoded);
  }

  async sizeOf(digest: string): Promise<number | undefined> {
    const info = await stat(this.pathOf(digest)).catch(() => undefined);
    return info?.isFile() ? info.size : undefined;
  }

  async open(blob: StoredBlob, range?: ByteRange): Promise<ReadableStream<Uint8Array> | undefined> {
    const path = this.pathOf(blob.digest);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) {
      countL2({ misses: 1 });
      return undefined;
    }
    const good = range ? info.size === blob.size : await this.isGood(path, blob, info.size, info.mtimeMs);
    if (!good) {
      this.verified.delete(path);
      await rm(path, { force: true });
      countL2({ misses: 1, corrupt: 1 });
      return undefined;
    }
    const now = new Date();
    await utimes(path, now, now).catch(() => {});
    // Touching the file changed its mtime: a whole check just made is remembered under the new one.
    if (!range || this.verified.get(path) === `${info.size}:${info.mtimeMs}`)
      this.verified.set(path, `${info.size}:${(await stat(path).catch(() => info)).mtimeMs}`);
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? blob.size, blob.size);
    countL2({ hits: 1, bytesServed: Math.max(0, end - start) });
    if (end <= start) return new ReadableStream({ start: (c) => c.close() });
    return Readable.toWeb(createReadStream(path, { start, end: end - 1, highWaterMark: 1 << 20 })) as ReadableStream<Uint8Array>;
  }

  async begin(blob: StoredBlob): Promise<BlobWriter | undefined> {
    if (blob.size > this.maxBytes) return undefined;
    const path = this.pathOf(blob.digest);
    if ((await stat(path).catch(() => undefined))?.size === blob.size) return undefined;
    await this.ensureLayout();
    const dir = join(path, "..");
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `.tmp-${parseDigestString(blob.digest).encoded.slice(0, 16)}-${process.pid}-${randomBytes(4).toString("hex")}`);
    const handle = await open(temp, "wx");
    let written = 0;
    let closed = false;
    const close = async () => {
      if (!closed) await handle.close();
      closed = true;
    };
    return {
      write: async (chunk) => {
        await handle.write(chunk);
        written += chunk.length;
      },
      commit: async () => {
        // No fsync before the rename: after a crash the name may point at fewer bytes, and the
        // check on open drops such an entry like any other damage.
        await close();
        if (written !== blob.size) throw new RangeError(`blob ${blob.digest}: ${written} bytes written, ${blob.size} expected`);
        await rename(temp, path);
        countL2({ bytesWritten: written });
        // Verified as it streamed in: this process need not hash it again on its next open.
        const info = await stat(path).catch(() => undefined);
        if (info) this.verified.set(path, `${info.size}:${info.mtimeMs}`);
        await this.evict(path);
      },
      abort: async () => {
        await close().catch(() => {});
        await rm(temp, { force: true });
      },
    };
  }

  async name(desc: Descriptor, refName: string): Promise<void> {
    await this.ensureLayout();
    const index = await this.readIndex();
    const manifests = index.manifests.filter((m) => m.annotations?.[REF_NAME] !== refName);
    manifests.push({ mediaType: desc.mediaType, digest: desc.digest, size: desc.size, annotations: { [REF_NAME]: refName } });
    await this.writeIndex({ ...index, manifests });
  }

  /** Every stored blob with its size and last use, oldest use first. */
  async entries(): Promise<{ path: string; digest: string; size: number; usedMs: number }[]> {
    const out: { path: string; digest: string; size: number; usedMs: number }[] = [];
    const blobs = join(this.root, "blobs");
    for (const alg of await readdir(blobs).catch(() => [] as string[])) {
      for (const name of await readdir(join(blobs, alg)).catch(() => [] as string[])) {
        const path = join(blobs, alg, name);
        const info = await stat(path).catch(() => undefined);
        if (!info?.isFile()) continue;
        if (name.startsWith(".tmp-")) {
          if (Date.now() - info.mtimeMs > STALE_TEMP_MS) await rm(path, { force: true });
          continue;
        }
        out.push({ path, digest: `${alg}:${name}`, size: info.size, usedMs: info.mtimeMs });
      }
    }
    return out.sort((a, b) => a.usedMs - b.usedMs);
  }

  /** Remove least recently used blobs until the store is within its budget (never `keep`: begin() refuses blobs over it). */
  async evict(keep?: string): Promise<number> {
    const all = await this.entries();
    let total = all.reduce((n, e) => n + e.size, 0);
    const gone: string[] = [];
    for (const e of all) {
      if (total <= this.maxBytes) break;
      if (e.path === keep) continue;
      await rm(e.path, { force: true });
      await this.facts.remove(e.digest).catch(() => {});
      this.verified.delete(e.path);
      total -= e.size;
      gone.push(e.digest);
    }
    if (gone.length) {
      countL2({ evictions: gone.length });
      const index = await this.readIndex();
      const manifests = index.manifests.filter((m) => !gone.includes(m.digest));
      if (manifests.length !== index.manifests.length) await this.writeIndex({ ...index, manifests });
    }
    return gone.length;
  }

  /** Hash the whole entry (unless this process did for the same size and mtime). */
  private async isGood(path: string, blob: StoredBlob, size: number, mtimeMs: number): Promise<boolean> {
    if (size !== blob.size) return false;
    if (this.verified.get(path) === `${size}:${mtimeMs}`) return true;
    const { algorithm } = parseDigestString(blob.digest);
    const hash = createHash(algorithm);
    let seen = 0;
    try {
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        seen += chunk.length;
      }
    } catch {
      return false;
    }
    return seen === blob.size && `${algorithm}:${hash.digest("hex")}` === blob.digest;
  }

  private ensureLayout(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(join(this.root, "blobs"), { recursive: true });
      if (!(await stat(join(this.root, "oci-layout")).catch(() => undefined))) {
        await this.atomicWrite("oci-layout", JSON.stringify({ imageLayoutVersion: "1.0.0" }));
      }
      if (!(await stat(join(this.root, "index.json")).catch(() => undefined))) {
        await this.writeIndex({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] });
      }
    })();
    return this.ready;
  }

  private async readIndex(): Promise<IndexJson> {
    try {
      const doc = JSON.parse(await readFile(join(this.root, "index.json"), "utf8")) as IndexJson;
      if (Array.isArray(doc.manifests)) return doc;
    } catch {
      // missing or unreadable: start a new one (it only names what is stored)
    }
    return { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
  }

  private writeIndex(index: IndexJson): Promise<void> {
    return this.atomicWrite("index.json", JSON.stringify(index, null, 2) + "\n");
  }

  private async atomicWrite(name: string, text: string): Promise<void> {
    const temp = join(this.root, `.tmp-${name}-${process.pid}-${randomBytes(4).toString("hex")}`);
    await writeFile(temp, text);
    await rename(temp, join(this.root, name));
  }
}

interface IndexJson {
  schemaVersion: number;
  mediaType?: string;
  manifests: (Descriptor & { annotations?: Record<string, string> })[];
}

/** The store at $LAYERLENS_CACHE (or the XDG default) with the environment's budget. */
export function defaultBlobStore(): DirectoryBlobStore {
  return new DirectoryBlobStore(cacheRoot());
}
