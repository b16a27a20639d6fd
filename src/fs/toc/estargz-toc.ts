// The eStargz TOC (stargz.index.json) checked and turned into the chunk map every TOC reader
// shares (toc-index.ts). Only what reading a file's bytes needs is kept: regular files with
// their chunks, and hard links; other entries are counted and checked for shape only.
// Spec: https://github.com/containerd/stargz-snapshotter/blob/main/docs/estargz.md
// ("TOC and TOCEntries"): version 1; a non-empty `reg` entry carries the first chunk (offset
// of its gzip member, chunkSize, chunkDigest), each later chunk is a `chunk` entry right after
// it with chunkOffset; chunkSize 0 means "to the end of the file". Zero-valued numbers may be
// left out (the reference writer marshals them with omitempty). `innerOffset`, written by
// newer writers that put several small chunks in one member, is honoured when present.
//
// Refused with TocFormatError: a TOC that is not this shape, more entries than the cap, a
// number that is not a non-negative safe integer, an offset at or past the TOC itself, a
// file whose chunks leave a gap, overlap, overrun its size or go backwards in the blob, a
// chunk without a valid digest. A TOC is checked whole before any of it is used.

import { isVerifiableDigest } from "../../oci/digest.js";
import { cleanPath } from "../path.js";
import { MAX_TOC_ENTRIES } from "./bounds.js";
import { TocFormatError } from "./errors.js";
import { chunkInFile, intOf, nameOf } from "./toc-fields.js";
import { type LayerToc, memberEnd, type TocChunk, type TocFile } from "./toc-index.js";

const TYPES = new Set(["dir", "reg", "symlink", "hardlink", "char", "block", "fifo", "chunk"]);

interface RawChunk {
  offset: number;
  innerOffset: number;
  fileOffset: number;
  size: number;
  digest: string;
}

interface OpenFile {
  path: string;
  size: number;
  chunks: RawChunk[];
  next: number;
}

/** Parse the TOC JSON `doc` of a blob whose TOC member starts at `tocOffset`. */
export function parseEstargzToc(doc: unknown, tocOffset: number, layerDigest: string, what: string): LayerToc {
  const refuse = (why: string) => new TocFormatError(what, `eStargz TOC: ${why}`);
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw refuse("not a JSON object");
  const { version, entries } = doc as { version?: unknown; entries?: unknown };
  if (version !== 1) throw refuse(`version is ${JSON.stringify(version)}, expected 1`);
  if (!Array.isArray(entries)) throw refuse("entries is not an array");
  if (entries.length > MAX_TOC_ENTRIES) throw refuse(`${entries.length} entries, over the ${MAX_TOC_ENTRIES}-entry limit`);

  // Files whose member ends are not known yet stay OpenFile until every offset has been seen.
  const files = new Map<string, TocFile | string | OpenFile>();
  const pending: OpenFile[] = [];
  let open: OpenFile | null = null;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as Record<string, unknown>;
    const at = `entries[${i}]`;
    if (typeof e !== "object" || e === null || Array.isArray(e)) throw refuse(`${at} is not an object`);
    const type = e.type;
    if (typeof type !== "string" || !TYPES.has(type)) throw refuse(`${at}.type ${JSON.stringify(type)} is not an eStargz entry type`);
    const name = nameOf(e.name, `${at}.name`, refuse, type === "chunk");
    const int = (field: string) => intOf(e[field], `${at}.${field}`, refuse);
    if (open && type !== "chunk")
      throw refuse(`${at}: the chunks of ${JSON.stringify(open.path)} stop at byte ${open.next} of ${open.size}`);
    if (type === "hardlink") {
      const target = nameOf(e.linkName, `${at}.linkName`, refuse, false);
      files.set(cleanPath(name).path, cleanPath(target).path);
      continue;
    }
    if (type !== "reg" && type !== "chunk") {
      files.delete(cleanPath(name).path); // a later entry of the name replaces a file, as in the tar
      continue;
    }
    if (type === "reg") {
      const path = cleanPath(name).path;
      const size = int("size");
      if (size === 0) {
        files.set(path, { size: 0, chunks: [] });
        continue;
      }
      if (int("chunkOffset") !== 0)
        throw refuse(`${at}: the first chunk of ${JSON.stringify(path)} is at file byte ${int("chunkOffset")}, not 0`);
      open = { path, size, chunks: [], next: 0 };
    }
    if (!open) throw refuse(`${at}: a chunk entry with no regular file before it`);
    const { fileOffset, size } = chunkInFile(open, name, int, at, refuse);
    const offset = int("offset");
    if (offset >= tocOffset)
      throw refuse(`${at}: chunk of ${JSON.stringify(open.path)} at blob byte ${offset}, at or past the TOC (${tocOffset})`);
    const innerOffset = int("innerOffset");
    const prev = open.chunks[open.chunks.length - 1];
    if (prev && (offset < prev.offset || (offset === prev.offset && innerOffset < prev.innerOffset + prev.size))) {
      throw refuse(`${at}: chunk of ${JSON.stringify(open.path)} goes back in the blob (byte ${offset} after ${prev.offset})`);
    }
    const digest = e.chunkDigest;
    if (!isVerifiableDigest(digest)) throw refuse(`${at}: chunk of ${JSON.stringify(open.path)} has no valid chunkDigest`);
    open.chunks.push({ offset, innerOffset, fileOffset, size, digest: digest as string });
    open.next += size;
    if (open.next === open.size) {
      pending.push(open);
      files.set(open.path, open);
      open = null;
    }
  }
  if (open) throw refuse(`the chunks of ${JSON.stringify(open.path)} stop at byte ${open.next} of ${open.size}`);

  const starts = memberStarts(pending);
  for (const f of pending) {
    const chunks: TocChunk[] = f.chunks.map((c) => ({ ...c, end: memberEnd(starts, c.offset, tocOffset) }));
    // A later entry of the same name replaces this one, as a later tar entry does.
    if (files.get(f.path) === f) files.set(f.path, { size: f.size, chunks });
  }
  return { format: "estargz", layerDigest, files: files as Map<string, TocFile | string>, entries: entries.length };
}

/** Every distinct member start, ascending. */
function memberStarts(files: { chunks: RawChunk[] }[]): Float64Array {
  let n = 0;
  for (const f of files) n += f.chunks.length;
  const all = new Float64Array(n);
  let i = 0;
  for (const f of files) for (const c of f.chunks) all[i++] = c.offset;
  all.sort();
  let k = 0;
  for (let j = 0; j < all.length; j++) if (j === 0 || all[j] !== all[k - 1]) all[k++] = all[j];
  return all.subarray(0, k);
}
