// The persistent blob store (L2) in browsers: the Origin Private File System, a directory tree
// only this origin sees, laid out like an OCI layout's blobs (<root>/blobs/<alg>/<hex>).
//
// Why it is safe:
// - A blob is written to a temporary file and moved under its digest only on commit, after the
//   reader above checked every byte (cached-source.ts); an abandoned write leaves a temp file
//   no open looks at, and the next commit sweeps such files away.
// - Every whole open hashes the stored file before a byte is handed out; a wrong size or digest
//   removes the entry and answers "not stored", so the blob comes from its source again. The
//   handed-out stream reads the same File snapshot that was hashed (a File does not change
//   under its reader: a file rewritten since fails the read instead).
// - A range is handed out as stored, size checked only, for its reader to verify (checkpoint
//   reads check every segment they inflate).
// - The budget (default 2 GiB) is kept after each commit by removing the least recently used
//   blobs (usage.ts); use is recorded in <root>/usage.json.

import { parseDigestString } from "../../oci/digest.js";
import type { ByteRange } from "../source.js";
import { type BlobStore, type BlobWriter, type StoredBlob, countL2 } from "../cached-source.js";
import { storedBlobIsGood } from "./check.js";
import { UsageBook } from "./usage.js";

export const DEFAULT_OPFS_MAX_BYTES = 2 * 1024 ** 3;
const USAGE_FILE = "usage.json";
const TEMP_PREFIX = ".tmp-";
/** Temp files older than this were left by a page that closed mid-write (a live write touches its file as it goes). */
const STALE_TEMP_MS = 60 * 60 * 1000;

export interface OpfsStoreOptions {
  /** The byte budget (default 2 GiB). */
  maxBytes?: number;
  /** The store's directory under the origin's root (default "layerlens"). */
  directory?: string;
}

type StorageWithDirectory = { getDirectory?: () => Promise<FileSystemDirectoryHandle> };
type Movable = FileSystemFileHandle & { move?: (dir: FileSystemDirectoryHandle, name: string) => Promise<void> };
type Listable = FileSystemDirectoryHandle & { entries(): AsyncIterable<[string, FileSystemHandle]> };

function storage(): StorageWithDirectory | undefined {
  return (globalThis as { navigator?: { storage?: StorageWithDirectory } }).navigator?.storage;
}

export class OpfsBlobStore implements BlobStore {
  /** Whether this runtime has an origin private file system. */
  static available(): boolean {
    return typeof storage()?.getDirectory === "function";
  }

  readonly maxBytes: number;
  readonly directory: string;
  /** Entries hashed and found good by this store: key -> "size:lastModified". */
  private readonly verified = new Map<string, string>();
  private readonly usage: UsageBook;

  constructor(options: OpfsStoreOptions = {}) {
    const max = options.maxBytes ?? DEFAULT_OPFS_MAX_BYTES;
    if (!Number.isSafeInteger(max) || max < 0)
      throw new RangeError(`OpfsBlobStore: maxBytes must be a whole number >= 0, got ${String(max)}`);
    this.maxBytes = max;
    this.directory = options.directory ?? "layerlens";
    this.usage = new UsageBook({
      read: async () => (await (await (await this.rootDir()).getFileHandle(USAGE_FILE)).getFile()).text(),
      write: async (text) => {
        const writable = await (await (await this.rootDir()).getFileHandle(USAGE_FILE, { create: true })).createWritable();
        await writable.write(text);
        await writable.close();
      },
    });
  }

  async sizeOf(digest: string): Promise<number | undefined> {
    const file = await this.fileOf(digest);
    return file?.size;
  }

  async open(blob: StoredBlob, range?: ByteRange): Promise<ReadableStream<Uint8Array> | undefined> {
    const key = keyOf(blob.digest);
    const file = await this.fileOf(blob.digest);
    if (!file) {
      countL2({ misses: 1 });
      return undefined;
    }
    const stamp = `${file.size}:${file.lastModified}`;
    const good =
      file.size === blob.size && (range !== undefined || this.verified.get(key) === stamp || (await storedBlobIsGood(file.stream(), blob)));
    if (!good) {
      this.verified.delete(key);
      await this.remove(blob.digest);
      countL2({ misses: 1, corrupt: 1 });
      return undefined;
    }
    if (!range) this.verified.set(key, stamp);
    await this.usage.touch(key, blob.size);
    const start = Math.min(range?.start ?? 0, blob.size);
    const end = Math.min(range?.end ?? blob.size, blob.size);
    countL2({ hits: 1, bytesServed: Math.max(0, end - start) });
    return file.slice(start, Math.max(start, end)).stream();
  }

  async begin(blob: StoredBlob): Promise<BlobWriter | undefined> {
    if (blob.size > this.maxBytes) return undefined;
    if ((await this.fileOf(blob.digest))?.size === blob.size) return undefined;
    const { algorithm, encoded } = parseDigestString(blob.digest);
    const dir = await this.blobsDir(algorithm, true);
    const tempName = `${TEMP_PREFIX}${encoded.slice(0, 16)}-${Math.random().toString(36).slice(2, 10)}`;
    const temp = (await dir.getFileHandle(tempName, { create: true })) as Movable;
    const writable = await temp.createWritable();
    let written = 0;
    let open = true;
    return {
      write: async (chunk) => {
        await writable.write(chunk as Uint8Array<ArrayBuffer>);
        written += chunk.length;
      },
      commit: async () => {
        open = false;
        await writable.close();
        if (written !== blob.size) {
          await dir.removeEntry(tempName).catch(() => {});
          throw new RangeError(`blob ${blob.digest}: ${written} bytes written, ${blob.size} expected`);
        }
        await moveInto(dir, temp, tempName, encoded);
        countL2({ bytesWritten: written });
        await this.usage.touch(keyOf(blob.digest), blob.size);
        await this.evict();
      },
      abort: async () => {
        if (open) await writable.abort().catch(() => {});
        open = false;
        await dir.removeEntry(tempName).catch(() => {});
      },
    };
  }

  /** Every stored blob's key and size; temp files left by writes that never ended are removed on the way. */
  async list(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const blobs = await this.rootDir().then((r) => r.getDirectoryHandle("blobs").catch(() => undefined));
    if (!blobs) return out;
    for await (const [algorithm, entry] of (blobs as Listable).entries()) {
      if (entry.kind !== "directory") continue;
      const algDir = entry as Listable;
      for await (const [name, handle] of algDir.entries()) {
        if (handle.kind !== "file") continue;
        const file = await (handle as FileSystemFileHandle).getFile();
        if (!name.startsWith(TEMP_PREFIX)) out.set(`${algorithm}:${name}`, file.size);
        else if (Date.now() - file.lastModified > STALE_TEMP_MS) await algDir.removeEntry(name).catch(() => {});
      }
    }
    return out;
  }

  /** Remove a stored blob (nothing when it is not stored). */
  async remove(digest: string): Promise<void> {
    const { algorithm, encoded } = parseDigestString(digest);
    const dir = await this.blobsDir(algorithm, false);
    await dir?.removeEntry(encoded).catch(() => {});
  }

  private async evict(): Promise<void> {
    const victims = await this.usage.evict(await this.list(), this.maxBytes, (key) => {
      this.verified.delete(key);
      return this.remove(key);
    });
    if (victims.length) countL2({ evictions: victims.length });
  }

  private async fileOf(digest: string): Promise<File | undefined> {
    const { algorithm, encoded } = parseDigestString(digest);
    const dir = await this.blobsDir(algorithm, false);
    const handle = await dir?.getFileHandle(encoded).catch(() => undefined);
    return handle ? handle.getFile().catch(() => undefined) : undefined;
  }

  private async rootDir(): Promise<FileSystemDirectoryHandle> {
    const getDirectory = storage()?.getDirectory;
    if (!getDirectory) throw new TypeError("this runtime has no origin private file system");
    return (await getDirectory.call(storage())).getDirectoryHandle(this.directory, { create: true });
  }

  private async blobsDir(algorithm: string, create: true): Promise<FileSystemDirectoryHandle>;
  private async blobsDir(algorithm: string, create: false): Promise<FileSystemDirectoryHandle | undefined>;
  private async blobsDir(algorithm: string, create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
    try {
      const blobs = await (await this.rootDir()).getDirectoryHandle("blobs", { create });
      return await blobs.getDirectoryHandle(algorithm, { create });
    } catch (e) {
      if (create) throw e;
      return undefined;
    }
  }
}

/** The usage record's key of a digest: "<alg>:<hex>" (the digest itself). */
function keyOf(digest: string): string {
  const { algorithm, encoded } = parseDigestString(digest);
  return `${algorithm}:${encoded}`;
}

/** Give the written temp file its digest's name: a move where the runtime has one, else a copy. */
async function moveInto(dir: FileSystemDirectoryHandle, temp: Movable, tempName: string, name: string): Promise<void> {
  if (typeof temp.move === "function") {
    await dir.removeEntry(name).catch(() => {});
    await temp.move(dir, name);
    return;
  }
  const target = await dir.getFileHandle(name, { create: true });
  const writable = await target.createWritable();
  await (await temp.getFile()).stream().pipeTo(writable);
  await dir.removeEntry(tempName).catch(() => {});
}
