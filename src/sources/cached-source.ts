// A second level of blob cache in front of any ImageSource: blobs are looked up by digest in a
// BlobStore first (content-addressed, so whichever source or repository stored a blob, its
// bytes are the same) and read from the wrapped source only when the store has none. Portable:
// the store is an interface, so Node keeps blobs in a directory (src/node/blob-store.ts) and
// other runtimes may keep them elsewhere.
//
// Invariants this module keeps for every store:
// - A blob is written to the store only from a whole read whose size and digest matched: the
//   bytes are teed as they stream and the write is committed after the last byte was checked,
//   aborted on any error, short read or cancel. A ranged read is never stored.
// - A store hands out only whole blobs it verified again on open (a corrupt or truncated entry
//   is the store's to detect and drop); a store that has no good copy answers undefined and the
//   blob comes from the source, so corruption costs a refetch, never a wrong answer. Readers
//   above (image.ts) verify every blob once more as they always do. A range is handed out
//   unverified, as a registry's would be: its reader checks it (src/fs/indexed-read.ts).
// - Failing to write the store never fails a read: the cache is an optimisation.
// Tags are not blobs: root() of a tag always asks the wrapped source (which has its own TTL).

import { describedCheck } from "../oci/blob.js";
import { checkDigestString } from "../oci/digest.js";
import { OCI_INDEX, OCI_MANIFEST } from "../oci/media-types.js";
import type { ByteRange, Descriptor, ImageSource } from "./source.js";
import type { LayerFactsStore } from "../fs/layer-facts.js";

/** A blob as a store is asked for it: digest and size are both known. */
export interface StoredBlob {
  digest: string;
  size: number;
}

/** One pending write: chunks go in, and nothing is visible until commit() resolves. */
export interface BlobWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Make the blob visible (the caller has verified every byte given). */
  commit(): Promise<void>;
  /** Drop what was written; the store is as if the write never started. */
  abort(): Promise<void>;
}

export interface BlobStore {
  /** A stream of the stored blob, verified by the store (a `range`: as stored, for the reader to verify); undefined when it has no good copy. */
  open(blob: StoredBlob, range?: ByteRange): Promise<ReadableStream<Uint8Array> | undefined>;
  /** Begin storing `blob`; undefined when it is stored already or will not be (over the budget). */
  begin(blob: StoredBlob): Promise<BlobWriter | undefined>;
  /** The size of a stored blob, when it is stored (a reference by digest knows no size). */
  sizeOf?(digest: string): Promise<number | undefined>;
  /** Name a stored manifest or index (an OCI layout's index.json entry), so other tools can find it. */
  name?(desc: Descriptor, refName: string): Promise<void>;
  /** Verified per-layer results kept beside the blobs (src/fs/layer-facts.ts), when the store keeps them. */
  readonly facts?: LayerFactsStore;
}

/** What every store in this process did, counted since the process started (report/stats.ts takes differences). */
export interface L2Counters {
  hits: number;
  misses: number;
  /** Bytes handed out from the store (the ranges asked for). */
  bytesServed: number;
  /** Bytes of blobs committed to the store. */
  bytesWritten: number;
  evictions: number;
  /** Entries found corrupt or truncated on open (then dropped and refetched). */
  corrupt: number;
}

const counters: L2Counters = { hits: 0, misses: 0, bytesServed: 0, bytesWritten: 0, evictions: 0, corrupt: 0 };

/** The process-wide L2 counters (stores add to them; read-only for everyone else). */
export function l2Counters(): Readonly<L2Counters> {
  return counters;
}

/** For stores: add to the process-wide counters. */
export function countL2(delta: Partial<L2Counters>): void {
  for (const k of Object.keys(delta) as (keyof L2Counters)[]) counters[k] += delta[k] ?? 0;
}

export interface CachedSourceOptions {
  /** The reference's digest when it names one: root() is then answered from the store when it holds the manifest. */
  rootDigest?: string;
  /** The name to record a stored root under (an OCI ref.name: "host/repo:tag" or "host/repo@sha256:…"). */
  refName?: string;
}

/** `source` with `store` in front of its blobs. */
export class CachedSource implements ImageSource {
  readonly name: string;
  private rootDesc: Descriptor | undefined;
  private named = false;

  constructor(
    readonly inner: ImageSource,
    readonly store: BlobStore,
    private readonly options: CachedSourceOptions = {},
  ) {
    this.name = inner.name;
    if (inner.layerMediaType) this.layerMediaType = (d) => inner.layerMediaType!(d);
    if (inner.referrers) this.referrers = (s, t) => inner.referrers!(s, t);
  }

  layerMediaType?(desc: Descriptor): string | undefined;
  referrers?(subject: Descriptor, artifactType?: string): Promise<Descriptor[]>;

  async root(): Promise<Descriptor> {
    this.rootDesc = (await this.storedRoot()) ?? (await this.inner.root());
    return { ...this.rootDesc };
  }

  async openBlob(desc: Descriptor, range?: ByteRange): Promise<ReadableStream<Uint8Array>> {
    if (!storable(desc)) return this.inner.openBlob(desc, range);
    const blob = { digest: desc.digest, size: desc.size };
    // A store that fails (permissions, a full disk) is a miss: the cache never fails a read.
    const stored = await this.store.open(blob, range).catch(() => undefined);
    if (stored) {
      await this.nameRoot(desc);
      return stored;
    }
    const stream = await this.inner.openBlob(desc, range);
    if (range) return stream;
    const writer = await this.store.begin(blob).catch(() => undefined);
    return writer ? teeInto(stream, desc, writer, () => this.nameRoot(desc)) : stream;
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }

  /** The root from the store, for a reference by digest whose manifest is stored. */
  private async storedRoot(): Promise<Descriptor | undefined> {
    const digest = this.options.rootDigest;
    if (!digest) return undefined;
    const bytes = await this.readStoredDocument(digest);
    if (!bytes) return undefined;
    let doc: { mediaType?: unknown; manifests?: unknown };
    try {
      doc = JSON.parse(new TextDecoder().decode(bytes)) as typeof doc;
    } catch {
      return undefined; // a verified blob that is not JSON cannot be a root: ask the source
    }
    const mediaType = typeof doc.mediaType === "string" ? doc.mediaType : Array.isArray(doc.manifests) ? OCI_INDEX : OCI_MANIFEST;
    return { mediaType, digest, size: bytes.length };
  }

  /** A stored document's bytes by digest alone: the layout's size is found by the store's own check. */
  private async readStoredDocument(digest: string): Promise<Uint8Array | undefined> {
    const size = await this.store.sizeOf?.(digest);
    if (size === undefined || size > 4 << 20) return undefined;
    const stream = await this.store.open({ digest, size });
    if (!stream) return undefined;
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  /** Record the root in the store's index once it is stored (the first time it is seen there). */
  private async nameRoot(desc: Descriptor): Promise<void> {
    if (this.named || !this.options.refName || !this.store.name || desc.digest !== this.rootDesc?.digest) return;
    this.named = true;
    await this.store
      .name({ mediaType: this.rootDesc.mediaType, digest: desc.digest, size: desc.size }, this.options.refName)
      .catch(() => {});
  }
}

/** The layer facts store behind `source`'s blob cache, when it has one (layers read through the cache only). */
export function factsStoreOf(source: ImageSource): LayerFactsStore | undefined {
  return source instanceof CachedSource ? source.store.facts : undefined;
}

/** Blobs the store can hold: a verifiable digest and a known size, not embedded data. */
function storable(desc: Descriptor): boolean {
  if (desc.data !== undefined || !Number.isSafeInteger(desc.size) || desc.size < 0) return false;
  try {
    checkDigestString(desc.digest);
    return true;
  } catch {
    return false;
  }
}

/**
 * The source's stream, unchanged for the reader, with every chunk also written to `writer`;
 * committed only when the stream ended with the descriptor's size and digest, aborted otherwise.
 */
function teeInto(
  stream: ReadableStream<Uint8Array>,
  desc: Descriptor,
  writer: BlobWriter,
  onCommit: () => Promise<void>,
): ReadableStream<Uint8Array> {
  const check = describedCheck(`blob ${desc.digest} (for the cache)`, desc);
  const reader = stream.getReader();
  let writing = true;
  const drop = async () => {
    if (!writing) return;
    writing = false;
    await writer.abort().catch(() => {});
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (err) {
        await drop();
        throw err;
      }
      if (next.done) {
        if (writing) {
          try {
            check.finish();
            writing = false;
            await writer.commit();
            await onCommit();
          } catch {
            // A mismatch is the reader's to report (it verifies too); the cache just keeps nothing.
            await drop();
          }
        }
        controller.close();
        return;
      }
      const chunk = next.value;
      if (writing) {
        try {
          check.update(chunk);
          await writer.write(chunk);
        } catch {
          await drop();
        }
      }
      controller.enqueue(chunk);
    },
    async cancel(reason) {
      await drop();
      await reader.cancel(reason);
    },
  });
}
