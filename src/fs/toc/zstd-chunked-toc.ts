// The zstd:chunked manifest (containers/storage's TOC for tar+zstd layers) checked and turned
// into the chunk map every TOC reader shares (toc-index.ts). It is the eStargz TOC's layout
// with zstd frames for gzip members and explicit ends: a non-empty `reg` entry gives the first
// chunk's frame (`offset`) and the end of the file's last frame (`endOffset`); each later chunk
// is a `chunk` entry with `offset` and `chunkOffset`, ending where the next one starts. An
// unchunked file has no chunkSize and no chunkDigest: its one chunk is the whole file, checked
// against the entry's `digest`. A `chunkType` ("zeros" for a run of zeros) is a hint for
// lazy pullers; the zeros are still stored as a frame, so they are read and checked like data.
// Format: containers/storage pkg/chunked (compressor.go, internal/compression.go).
//
// Refused with TocFormatError, as for eStargz (estargz-toc.ts): the wrong shape, more entries
// than the cap, chunks with gaps, overlaps or going backwards, frames outside the data area
// (before `metadataStart`, where the manifest's skippable frame begins), missing digests.

import { isVerifiableDigest } from "../../oci/digest.js";
import { cleanPath } from "../path.js";
import { MAX_TOC_ENTRIES } from "./bounds.js";
import { TocFormatError } from "./errors.js";
import { chunkInFile, intOf, nameOf } from "./toc-fields.js";
import type { LayerToc, TocChunk, TocFile } from "./toc-index.js";

const TYPES = new Set(["dir", "reg", "symlink", "hardlink", "char", "block", "fifo", "chunk"]);

interface OpenFile {
  path: string;
  size: number;
  end: number;
  chunks: Omit<TocChunk, "end">[];
  next: number;
}

/** Parse the manifest JSON `doc` of a blob whose data frames all end by `metadataStart`. */
export function parseZstdChunkedToc(doc: unknown, metadataStart: number, layerDigest: string, what: string): LayerToc {
  const refuse = (why: string) => new TocFormatError(what, `zstd:chunked manifest: ${why}`);
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw refuse("not a JSON object");
  const { version, entries } = doc as { version?: unknown; entries?: unknown };
  if (version !== 1) throw refuse(`version is ${JSON.stringify(version)}, expected 1`);
  if (!Array.isArray(entries)) throw refuse("entries is not an array");
  if (entries.length > MAX_TOC_ENTRIES) throw refuse(`${entries.length} entries, over the ${MAX_TOC_ENTRIES}-entry limit`);

  const files = new Map<string, TocFile | string>();
  let open: OpenFile | null = null;
  const close = (f: OpenFile) => {
    const chunks = f.chunks.map((c, i) => ({ ...c, end: i + 1 < f.chunks.length ? f.chunks[i + 1].offset : f.end }));
    for (const c of chunks) if (c.end <= c.offset) throw refuse(`the frames of ${JSON.stringify(f.path)} end before they start`);
    files.set(f.path, { size: f.size, chunks });
  };
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as Record<string, unknown>;
    const at = `entries[${i}]`;
    if (typeof e !== "object" || e === null || Array.isArray(e)) throw refuse(`${at} is not an object`);
    const type = e.type;
    if (typeof type !== "string" || !TYPES.has(type)) throw refuse(`${at}.type ${JSON.stringify(type)} is not a zstd:chunked entry type`);
    const name = nameOf(e.name, `${at}.name`, refuse, type === "chunk");
    const int = (field: string) => intOf(e[field], `${at}.${field}`, refuse);
    if (open && type !== "chunk") {
      if (open.next !== open.size)
        throw refuse(`${at}: the chunks of ${JSON.stringify(open.path)} stop at byte ${open.next} of ${open.size}`);
      close(open);
      open = null;
    }
    if (type === "hardlink") {
      files.set(cleanPath(name).path, cleanPath(nameOf(e.linkName, `${at}.linkName`, refuse, false)).path);
      continue;
    }
    if (type !== "reg" && type !== "chunk") {
      files.delete(cleanPath(name).path);
      continue;
    }
    if (type === "reg") {
      const path = cleanPath(name).path;
      const size = int("size");
      if (size === 0) {
        files.set(path, { size: 0, chunks: [] });
        continue;
      }
      const end = int("endOffset");
      if (end > metadataStart)
        throw refuse(`${at}: the frames of ${JSON.stringify(path)} end at byte ${end}, past the data (${metadataStart})`);
      if (int("chunkOffset") !== 0)
        throw refuse(`${at}: the first chunk of ${JSON.stringify(path)} is at file byte ${int("chunkOffset")}, not 0`);
      open = { path, size, end, chunks: [], next: 0 };
    }
    if (!open) throw refuse(`${at}: a chunk entry with no regular file before it`);
    const { fileOffset, size } = chunkInFile(open, name, int, at, refuse);
    const offset = int("offset");
    const prev = open.chunks[open.chunks.length - 1];
    if (prev && offset <= prev.offset)
      throw refuse(`${at}: chunk of ${JSON.stringify(open.path)} goes back in the blob (byte ${offset} after ${prev.offset})`);
    if (offset >= open.end)
      throw refuse(`${at}: chunk of ${JSON.stringify(open.path)} at blob byte ${offset}, past the file's end ${open.end}`);
    // An unchunked file's one chunk is checked against the file's digest.
    const digest = e.chunkDigest ?? (type === "reg" && size === open.size ? e.digest : undefined);
    if (!isVerifiableDigest(digest)) throw refuse(`${at}: chunk of ${JSON.stringify(open.path)} has no valid chunkDigest`);
    open.chunks.push({ offset, innerOffset: 0, fileOffset, size, digest: digest as string });
    open.next += size;
  }
  if (open) {
    if (open.next !== open.size) throw refuse(`the chunks of ${JSON.stringify(open.path)} stop at byte ${open.next} of ${open.size}`);
    close(open);
  }
  return { format: "zstd:chunked", layerDigest, files, entries: entries.length };
}
