// Staging: one layer blob read end to end (verify + decompress + tar) into a list of entries,
// before anything touches the merged view. The view applies a layer only once its digests
// have been verified, so a corrupt or lying layer never leaves half of itself behind.

import type { LayerLike } from "../oci/layer.js";
import { readLayerStream, type LayerReadOptions, type LayerReadResult } from "./decompress.js";
import { createSha256, type Sha256 } from "../hash/hasher.js";
import { cleanPath } from "./path.js";
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
}

export interface StageOptions extends Omit<LayerReadOptions, "digest" | "diffId" | "mediaType" | "size"> {
  /** Compute the sha256 of every regular file (diff, dedup); off by default. */
  hashFiles?: boolean;
  /** Largest PAX / GNU long-name body accepted (tar.ts default 1 MiB). */
  maxMetaBytes?: number;
  /** Sees each header (and how many came so far) before it is staged; throws to refuse the layer. */
  onEntry?: (header: TarHeader, count: number) => void;
}

export async function stageLayer(layer: LayerLike, options: StageOptions = {}): Promise<StagedLayer> {
  const entries: StagedEntry[] = [];
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
          linkname: h.linkname,
          devmajor: h.devmajor,
          devminor: h.devminor,
          xattrs: h.xattrs,
          dataOffset: h.dataOffset,
        };
        if (h.sparse && h.type === "file") current.sparse = h.sparse;
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
  const read = await readLayerStream(stream, (chunk) => tar.push(chunk), {
    ...options,
    digest: layer.digest,
    diffId: layer.diffId,
    mediaType: layer.mediaType,
    size: layer.size,
  });
  tar.end();
  return { entries, read };
}
