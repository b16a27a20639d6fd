// Staging: one layer blob read end to end (verify + decompress + tar) into a list of entries,
// before anything touches the merged view. The view applies a layer only once its digests
// have been verified, so a corrupt or lying layer never leaves half of itself behind.

import type { LayerLike } from "../oci/layer.js";
import { readLayerStream, type LayerReadOptions, type LayerReadResult } from "./decompress.js";
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
}

export interface StageOptions extends Omit<LayerReadOptions, "digest" | "diffId" | "mediaType" | "size"> {
  /** Compute the sha256 of every regular file (diff, dedup); off by default. */
  hashFiles?: boolean;
  /** Largest PAX / GNU long-name body accepted (tar.ts default 1 MiB). */
  maxMetaBytes?: number;
  /** Record span digests (span-digests.ts) for later reads to be checked against; off by default. */
  recordSpans?: boolean;
  /** Sees each header (and how many came so far) before it is staged; throws to refuse the layer. */
  onEntry?: (header: TarHeader, count: number) => void;
}

export async function stageLayer(layer: LayerLike, options: StageOptions = {}): Promise<StagedLayer> {
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
    },
  );
  tar.end();
  return { entries, read, spans: spans?.finish() };
}
