// What a layer's table of contents (an eStargz TOC, a zstd:chunked manifest) tells a reader,
// in one shape whatever the format: for each regular file, where its content sits in the
// compressed blob as chunks, each in a compressed member (a gzip member, a zstd frame) that
// decodes on its own, with the digest of the chunk's bytes. The parsers (estargz-toc.ts,
// zstd-chunked-toc.ts) check the invariants below; the chunk reader (chunk-read.ts) relies on
// them:
// - a file's chunks are in file order, back to back from byte 0 to its size, none empty;
// - each chunk's member starts at `offset` and ends at `end` (where the next member starts),
//   offset < end <= the blob's metadata area, members of one file in blob order;
// - every chunk has a digest in the OCI grammar (sha256 or sha512).
// Names are clean paths (fs/path.ts), as the merged view names files; a hard link maps to the
// name of the file it links to.

export type TocFormat = "estargz" | "zstd:chunked";

export interface TocChunk {
  /** Blob offset of the member holding the chunk, and of the first byte after that member. */
  readonly offset: number;
  readonly end: number;
  /** Where the chunk starts in the member's decoded bytes (0 unless several chunks share a member). */
  readonly innerOffset: number;
  /** Offset in the file, and the chunk's decoded length (> 0). */
  readonly fileOffset: number;
  readonly size: number;
  /** Digest of the chunk's decoded bytes. */
  readonly digest: string;
}

export interface TocFile {
  readonly size: number;
  /** Empty for an empty file. */
  readonly chunks: readonly TocChunk[];
}

export interface LayerToc {
  readonly format: TocFormat;
  /** The layer the TOC belongs to (named in every message about its chunks). */
  readonly layerDigest: string;
  /** Regular files by clean path; a string is a hard link's target path. */
  readonly files: ReadonlyMap<string, TocFile | string>;
  /** Entries the TOC listed (chunks included). */
  readonly entries: number;
}

/** The regular file at clean `path` (through one hard link), or undefined when the TOC has none. */
export function tocFile(toc: LayerToc, path: string): TocFile | undefined {
  const found = toc.files.get(path);
  if (typeof found !== "string") return found;
  const target = toc.files.get(found);
  return typeof target === "string" ? undefined : target;
}

/**
 * Give each chunk its member's end: the next member start after its offset, or `metadataStart`
 * (where the TOC itself begins) for the last. `starts` holds every member start of the blob.
 */
export function memberEnd(starts: Float64Array, offset: number, metadataStart: number): number {
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo < starts.length ? starts[lo] : metadataStart;
}
