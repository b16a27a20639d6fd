// Staging: one layer blob read end to end (verify + decompress + tar) into a list of entries,
// before anything touches the merged view. The view applies a layer only once its digests
// have been verified, so a corrupt or lying layer never leaves half of itself behind.
// With a facts store (layer-facts.ts) a layer whose verified pass was recorded before is staged
// from that record instead, without reading the blob; every limit is still applied to its
// entries, and a record that does not match the layer's descriptor is ignored.

import type { LayerLike } from "../oci/layer.js";
import { readLayerStream, type LayerReadOptions, type LayerReadResult } from "./decompress.js";
import { type LayerFacts, type LayerFactsStore, loadFacts, saveFacts } from "./layer-facts.js";
import { IndexRecorder, type LayerIndex } from "./layer-index.js";
import { compressionOfMediaType } from "../oci/media-types.js";
import { createSha256, type Sha256 } from "../hash/hasher.js";
import { cleanPath } from "./path.js";
import { SpanRecorder, type SpanDigests } from "./span-digests.js";
import type { SparseLayout } from "./sparse.js";
import { TarReader, type TarEntryType, type TarHeader } from "./tar.js";

export interface StagedEntry {
  /** The name as written in the tar. */
  name: string;
  /** cleanPath(name).path */
  path: string;
  /** The raw name climbed above the root or was absolute (contained, reported). */
  unsafe: boolean;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  /** Nanoseconds past mtime (a PAX mtime's fraction), 0 without one. */
  mtimeNsec: number;
  /** Owner and group names of the header (export writes them back). */
  uname: string;
  gname: string;
  linkname: string;
  devmajor: number;
  devminor: number;
  xattrs: Record<string, string> | null;
  /** Offset of the body (of a sparse file: of its stored data) in the uncompressed tar. */
  dataOffset: number;
  /** A sparse file's map (size is then the real size, the tar holds layout.storedSize bytes). */
  sparse?: SparseLayout;
  /** sha256 of the body (regular files, when hashing was asked for). */
  digest?: string;
}

export interface StagedLayer {
  entries: StagedEntry[];
  read: LayerReadResult;
  /** Chunk digests of every regular file's stored bytes, recorded in this verified pass (recordSpans). */
  spans?: SpanDigests;
  /** The random-access index of a gzip layer (recordIndex, or taken from its facts). */
  index?: LayerIndex;
}

export interface StageOptions extends Omit<LayerReadOptions, "digest" | "diffId" | "mediaType" | "size"> {
  /** Compute the sha256 of every regular file (diff, dedup); off by default. */
  hashFiles?: boolean;
  /** Largest PAX / GNU long-name body accepted (tar.ts default 1 MiB). */
  maxMetaBytes?: number;
  /** Record span digests (span-digests.ts) for later reads to be checked against; off by default. */
  recordSpans?: boolean;
  /** Sees each header (and how many came so far) before it is staged; throws to refuse the layer. */
  onEntry?: (header: Pick<TarHeader, "name" | "type" | "linkname">, count: number) => void;
  /** Record a gzip layer's checkpoint index while it streams (its gzip is then decoded by the core). */
  recordIndex?: boolean;
  /** Stage from, and record to, the layer's facts (layers with a digest; not with recordSpans). */
  facts?: LayerFactsStore;
  /**
   * Reads the layer instead of this thread (a worker pool staging with the same options), asked
   * to record the checkpoint index or not; the facts store is still consulted and written here.
   */
  read?: (layer: LayerLike, recordIndex: boolean) => Promise<StagedLayer>;
}

export async function stageLayer(layer: LayerLike, options: StageOptions = {}): Promise<StagedLayer> {
  const digest = layer.digest;
  const store = options.facts && digest !== undefined && !options.recordSpans ? options.facts : undefined;
  if (store) {
    const known = await loadFacts(store, digest!);
    const staged = known && fromFacts(layer, known, options);
    if (staged) return staged;
  }
  const recordIndex = options.recordIndex === true || store !== undefined;
  const staged = await (options.read ? options.read(layer, recordIndex) : readLayer(layer, { ...options, recordIndex }));
  const { read } = staged;
  // Only what the pass verified against the digest is kept: a layer without a diff_id to check
  // still had its blob digest checked, and the diff_id recorded is the one computed.
  if (store && read.digest === digest && read.diffId !== undefined) {
    await saveFacts(store, {
      digest: digest!,
      diffId: read.diffId,
      compression: read.compression,
      compressedBytes: read.compressedBytes,
      uncompressedBytes: read.uncompressedBytes,
      entries: staged.entries,
      hashed: options.hashFiles === true,
      index: staged.index,
    });
  }
  return staged;
}

/** The staged layer its facts describe, or undefined when they do not fit this layer or these options. */
function fromFacts(layer: LayerLike, f: LayerFacts, options: StageOptions): StagedLayer | undefined {
  if (!f.entries || (options.hashFiles && !f.hashed)) return undefined;
  if ((layer.size !== undefined && f.compressedBytes !== layer.size) || (layer.diffId !== undefined && f.diffId !== layer.diffId))
    return undefined;
  // Over the limit: the real pass refuses it with the error a first look gives.
  if (f.uncompressedBytes > (options.maxBytes ?? Infinity)) return undefined;
  f.entries.forEach((e, i) => options.onEntry?.(e, i + 1));
  const declared = compressionOfMediaType(layer.mediaType);
  const read: LayerReadResult = {
    compression: f.compression,
    compressedBytes: f.compressedBytes,
    uncompressedBytes: f.uncompressedBytes,
    digest: f.digest,
    diffId: f.diffId,
    stopped: false,
    mislabelled: declared !== undefined && declared !== f.compression,
  };
  return { entries: f.entries, read, index: f.index };
}

async function readLayer(layer: LayerLike, options: StageOptions): Promise<StagedLayer> {
  const index = options.recordIndex ? new IndexRecorder() : undefined;
  const entries: StagedEntry[] = [];
  const spans = options.recordSpans ? new SpanRecorder() : null;
  let hasher: Sha256 | null = null;
  let current: StagedEntry | null = null;
  const tar = new TarReader(
    {
      entry(h: TarHeader) {
        options.onEntry?.(h, entries.length + 1);
        const clean = cleanPath(h.name);
        current = {
          name: h.name,
          path: clean.path,
          unsafe: clean.escaped || clean.absolute,
          type: h.type,
          mode: h.mode,
          uid: h.uid,
          gid: h.gid,
          size: h.type === "file" ? h.size : 0,
          mtime: h.mtime,
          mtimeNsec: h.mtimeNsec,
          uname: h.uname,
          gname: h.gname,
          linkname: h.linkname,
          devmajor: h.devmajor,
          devminor: h.devminor,
          xattrs: h.xattrs,
          dataOffset: h.dataOffset,
        };
        if (h.sparse && h.type === "file") current.sparse = h.sparse;
        if (spans && h.type === "file") spans.expect(h.dataOffset, h.sparse ? h.sparse.storedSize : h.size);
        entries.push(current);
        hasher = options.hashFiles && h.type === "file" ? createSha256() : null;
      },
      data: options.hashFiles ? (chunk) => hasher?.update(chunk) : undefined,
      entryEnd() {
        if (hasher && current) current.digest = hasher.digest();
        hasher = null;
      },
    },
    // No hole() handler: the content digest is of the real bytes, so holes are hashed as zeros.
    { maxMetaBytes: options.maxMetaBytes, what: options.what },
  );
  const stream = await layer.open();
  // The tar parses a chunk first, so the spans whose headers it holds are known when the
  // recorder hashes the same chunk.
  const read = await readLayerStream(
    stream,
    (chunk) => {
      tar.push(chunk);
      spans?.push(chunk);
    },
    {
      ...options,
      digest: layer.digest,
      diffId: layer.diffId,
      mediaType: layer.mediaType,
      size: layer.size,
      index,
    },
  );
  tar.end();
  return { entries, read, spans: spans?.finish(), index: read.compression === "gzip" ? index?.finish(read.compressedBytes) : undefined };
}
