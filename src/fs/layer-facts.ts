// Layer facts: what one verified pass over a layer blob found, kept by the blob's digest so a
// later look at the same layer need not read it again -- its diff_id and sizes, its compression,
// its tar's entry table (what a merged view applies) and, for gzip, its random-access index
// (layer-index.ts). A blob's bytes never change for its digest, so neither do these facts.
//
// Trust: a record is a cache of what WE computed from bytes verified against the digest, never
// a statement anyone else makes. It is written only after the pass verified the blob (digest,
// size and diff_id), and a store hands back only records it authenticated (node/facts-store.ts
// binds each to the digest and FACTS_FORMAT with a key kept outside the cache directory).
// decodeFacts() still checks every field's type and every invariant the readers rely on, so a
// record that is damaged, truncated, of another format or for another digest is refused
// (undefined), and the layer is read and verified again, which writes a new record.
//
// Layout of an encoded record: u32 (little endian) length of a JSON header, the header, then
// the checkpoint windows back to back (their lengths are in the header).

import { cleanPath } from "./path.js";
import type { Compression } from "./decompress.js";
import type { Checkpoint } from "./inflate.js";
import { INFLATE_WINDOW_BYTES } from "../wasm/abi.js";
import type { LayerIndex } from "./layer-index.js";
import type { StagedEntry } from "./stage.js";
import type { TarEntryType } from "./tar.js";

/** Bumped whenever the record's meaning or layout changes: older records are then ignored. */
export const FACTS_FORMAT = 1;

export interface LayerFacts {
  /** The blob digest the facts were verified against. */
  digest: string;
  /** The diff_id computed over the uncompressed tar. */
  diffId: string;
  compression: Compression;
  compressedBytes: number;
  uncompressedBytes: number;
  /** The tar's entries, when the pass parsed the tar (inspect's does not). */
  entries?: StagedEntry[];
  /** Every regular file entry carries its sha256 (the pass hashed files). */
  hashed?: boolean;
  index?: LayerIndex;
}

/** Where records are kept: bytes by blob digest. A store returns only records it authenticated. */
export interface LayerFactsStore {
  load(digest: string): Promise<Uint8Array | undefined>;
  save(digest: string, record: Uint8Array): Promise<void>;
  /** Told when a record it returned was refused on decoding (it may drop it). */
  refused?(digest: string): Promise<void>;
}

const TYPES: readonly TarEntryType[] = ["file", "hardlink", "symlink", "chardev", "blockdev", "directory", "fifo", "other"];
const COMPRESSIONS: readonly Compression[] = ["gzip", "zstd", "none"];

type EntryRow = [
  name: string,
  type: TarEntryType,
  mode: number,
  uid: number,
  gid: number,
  size: number,
  mtime: number,
  mtimeNsec: number,
  uname: string,
  gname: string,
  linkname: string,
  devmajor: number,
  devminor: number,
  xattrs: Record<string, string> | null,
  dataOffset: number,
  sparse: { segments: { offset: number; length: number }[]; storedSize: number } | null,
  digest: string | null,
];

interface Header {
  format: number;
  digest: string;
  diffId: string;
  compression: Compression;
  compressedBytes: number;
  uncompressedBytes: number;
  hashed: boolean;
  entries: EntryRow[] | null;
  index: { checkpoints: [inBit: number, outOffset: number, memberOut: number, crc: number, window: number][]; segments: string[] } | null;
}

export function encodeFacts(f: LayerFacts): Uint8Array {
  const windows = f.index?.checkpoints.map((c) => c.window) ?? [];
  const header: Header = {
    format: FACTS_FORMAT,
    digest: f.digest,
    diffId: f.diffId,
    compression: f.compression,
    compressedBytes: f.compressedBytes,
    uncompressedBytes: f.uncompressedBytes,
    hashed: f.hashed === true,
    entries: f.entries?.map(entryRow) ?? null,
    index: f.index
      ? {
          checkpoints: f.index.checkpoints.map((c) => [c.inBit, c.outOffset, c.memberOut, c.crc, c.window.length]),
          segments: [...f.index.segments],
        }
      : null,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(4 + json.length + windows.reduce((n, w) => n + w.length, 0));
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  let at = 4 + json.length;
  for (const w of windows) {
    out.set(w, at);
    at += w.length;
  }
  return out;
}

/** The facts in `bytes` when they are a whole, well-formed record of this format for `digest`; else undefined. */
export function decodeFacts(bytes: Uint8Array, digest: string): LayerFacts | undefined {
  try {
    return decode(bytes, digest);
  } catch {
    return undefined; // malformed JSON or a field of the wrong shape: not a record we wrote
  }
}

function decode(bytes: Uint8Array, digest: string): LayerFacts | undefined {
  if (bytes.length < 4) return undefined;
  const jsonLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (4 + jsonLength > bytes.length) return undefined;
  const h = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(4, 4 + jsonLength))) as Header;
  if (h.format !== FACTS_FORMAT || h.digest !== digest || typeof h.diffId !== "string" || !COMPRESSIONS.includes(h.compression))
    return undefined;
  if (!count(h.compressedBytes) || !count(h.uncompressedBytes)) return undefined;
  const facts: LayerFacts = {
    digest,
    diffId: h.diffId,
    compression: h.compression,
    compressedBytes: h.compressedBytes,
    uncompressedBytes: h.uncompressedBytes,
    hashed: h.hashed === true,
  };
  if (h.entries !== null) {
    if (!Array.isArray(h.entries)) return undefined;
    const entries: StagedEntry[] = [];
    for (const row of h.entries) {
      const e = stagedEntry(row, h.uncompressedBytes, facts.hashed === true);
      if (!e) return undefined;
      entries.push(e);
    }
    facts.entries = entries;
  }
  let at = 4 + jsonLength;
  if (h.index !== null) {
    const ix = h.index;
    if (!Array.isArray(ix.checkpoints) || !Array.isArray(ix.segments) || ix.segments.length !== ix.checkpoints.length + 1) return undefined;
    if (!ix.segments.every((s) => typeof s === "string" && /^sha256:[0-9a-f]{64}$/.test(s))) return undefined;
    const checkpoints: Checkpoint[] = [];
    let lastByte = 0;
    let lastOut = -1;
    for (const row of ix.checkpoints) {
      if (!Array.isArray(row) || row.length !== 5 || !row.every(count)) return undefined;
      const [inBit, outOffset, memberOut, crc, length] = row;
      const inByte = Math.floor(inBit / 8);
      // Ascending, inside the blob and the tar, a window as long as the member's output allows.
      if (inByte <= lastByte || inByte >= h.compressedBytes || outOffset <= lastOut || outOffset > h.uncompressedBytes) return undefined;
      if (crc > 0xffffffff || memberOut > outOffset || length !== Math.min(memberOut, INFLATE_WINDOW_BYTES)) return undefined;
      if (at + length > bytes.length) return undefined;
      checkpoints.push({ inBit, outOffset, memberOut, crc, window: bytes.slice(at, at + length) });
      at += length;
      lastByte = inByte;
      lastOut = outOffset;
    }
    facts.index = { checkpoints, segments: ix.segments, compressedBytes: h.compressedBytes };
  }
  return at === bytes.length ? facts : undefined;
}

function entryRow(e: StagedEntry): EntryRow {
  return [
    e.name,
    e.type,
    e.mode,
    e.uid,
    e.gid,
    e.size,
    e.mtime,
    e.mtimeNsec,
    e.uname,
    e.gname,
    e.linkname,
    e.devmajor,
    e.devminor,
    e.xattrs,
    e.dataOffset,
    e.sparse ? { segments: e.sparse.segments.map((s) => ({ offset: s.offset, length: s.length })), storedSize: e.sparse.storedSize } : null,
    e.digest ?? null,
  ];
}

function stagedEntry(row: unknown, tarBytes: number, hashed: boolean): StagedEntry | undefined {
  if (!Array.isArray(row) || row.length !== 17) return undefined;
  const [
    name,
    type,
    mode,
    uid,
    gid,
    size,
    mtime,
    mtimeNsec,
    uname,
    gname,
    linkname,
    devmajor,
    devminor,
    xattrs,
    dataOffset,
    sparse,
    digest,
  ] = row as EntryRow;
  if (typeof name !== "string" || !TYPES.includes(type) || typeof uname !== "string" || typeof gname !== "string") return undefined;
  if (typeof linkname !== "string" || ![mode, uid, gid, size, devmajor, devminor, dataOffset, mtimeNsec].every(count)) return undefined;
  if (!Number.isSafeInteger(mtime) || mtimeNsec > 999_999_999) return undefined;
  if (xattrs !== null && (typeof xattrs !== "object" || !Object.values(xattrs).every((v) => typeof v === "string"))) return undefined;
  if (type !== "file" && size !== 0) return undefined;
  const stored = sparse ? sparse.storedSize : size;
  if (!count(stored) || dataOffset + stored > tarBytes) return undefined;
  if (sparse !== null && !validSparse(sparse, size)) return undefined;
  if (digest !== null && (typeof digest !== "string" || !/^sha256:[0-9a-f]{64}$/.test(digest))) return undefined;
  if (hashed && type === "file" && digest === null) return undefined;
  const clean = cleanPath(name);
  const e: StagedEntry = {
    name,
    path: clean.path,
    unsafe: clean.escaped || clean.absolute,
    type,
    mode,
    uid,
    gid,
    size,
    mtime,
    mtimeNsec,
    uname,
    gname,
    linkname,
    devmajor,
    devminor,
    xattrs,
    dataOffset,
  };
  if (sparse) e.sparse = sparse;
  if (digest !== null) e.digest = digest;
  return e;
}

/** A sparse map the tar reader would have accepted: segments in order, inside the file, summing to storedSize. */
function validSparse(s: EntryRow[15], size: number): boolean {
  if (!s || typeof s !== "object" || !Array.isArray(s.segments) || !count(s.storedSize)) return false;
  let end = 0;
  let sum = 0;
  for (const seg of s.segments) {
    if (!seg || !count(seg.offset) || !count(seg.length) || seg.offset < end || seg.offset + seg.length > size) return false;
    end = seg.offset + seg.length;
    sum += seg.length;
  }
  return sum === s.storedSize;
}

function count(n: unknown): n is number {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
}

/** The facts stored for `digest`, or undefined (none, or a record refused on decoding: the store is told). */
export async function loadFacts(store: LayerFactsStore, digest: string): Promise<LayerFacts | undefined> {
  const bytes = await store.load(digest).catch(() => undefined);
  if (!bytes) return undefined;
  const facts = decodeFacts(bytes, digest);
  if (!facts) await store.refused?.(digest).catch(() => {});
  return facts;
}

/** Keep `facts` (from a verified pass); a store that fails is ignored: the record is only a cache. */
export async function saveFacts(store: LayerFactsStore, facts: LayerFacts): Promise<void> {
  await store.save(facts.digest, encodeFacts(facts)).catch(() => {});
}
