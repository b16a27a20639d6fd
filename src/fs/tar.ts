// Push-style tar reader: chunks in (push), entries out (handler callbacks), on any stream.
//
// Formats: ustar (name + prefix), PAX extended ('x') and global ('g') headers (path, linkpath,
// size, uid, gid, mtime, uname, gname, SCHILY.xattr.*), GNU ././@LongLink names ('L') and link
// names ('K'), GNU base-256 numbers, old V7 headers, and sparse files (PAX 0.0, 0.1, 1.0 and
// old GNU 'S', see sparse.ts) presented with their real name, size and content. Specs: POSIX
// pax(1) "ustar Interchange Format" and "pax Interchange Format"; GNU tar manual, "Basic Tar
// Format" and "Storing Sparse Files".
//
// Header sequences follow Go's archive/tar and GNU tar: of several 'x' headers before an entry
// only the last applies; a GNU long name or link name ('L', 'K') wins over a PAX path; 'g'
// records apply to every later entry until a later 'g' changes or empties them.
//
// Invariants:
// - Nothing is buffered but one partial 512-byte header and the bodies of metadata entries
//   (PAX / GNU long names, sparse maps, capped by `maxMetaBytes`). File bodies are handed to
//   `data()` as views into the pushed chunks: copy them to keep them. A sparse file's holes
//   go to `hole()` as lengths, or as bounded zero chunks, never as one allocation.
// - A missing end-of-archive (two zero blocks) is accepted, and so is a missing padding of the
//   last entry: umoci 0.4.7 writes such layers and Go's archive/tar, umoci and skopeo read them.
// - Names, link targets, owner names and PAX values are byte strings: bytes that are not UTF-8
//   (a Latin-1 ustar name, a PAX path under hdrcharset=BINARY, which GNU tar and Python write
//   for such names) are kept as name-bytes.ts maps them, so a writer can give back the bytes.
// - Every malformed input raises TarFormatError (or CapacityError for a metadata body over
//   the cap); never anything else. A declared size is never allocated, only counted down.

import { CapacityError } from "../errors.js";
import { TarFormatError } from "./errors.js";
import { decodeName } from "./name-bytes.js";
import {
  emitZeros,
  parsePaxSparseMap,
  parseSparseMap1,
  readOldGnuSparse,
  sparseLayout,
  SparseExpander,
  type SparseLayout,
  type SparseSegment,
} from "./sparse.js";

export type TarEntryType = "file" | "hardlink" | "symlink" | "chardev" | "blockdev" | "directory" | "fifo" | "other";

export interface TarHeader {
  /** Path as written (PAX/GNU long names and GNU.sparse.name applied), not normalised: see path.ts. */
  name: string;
  type: TarEntryType;
  /** The raw typeflag character ("0", "5", "S", ...); PAX and GNU metadata entries never appear. */
  typeflag: string;
  /** Permission bits incl. setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of the content (the real size of a sparse file; 0 for links, directories, devices). */
  size: number;
  /** Whole seconds since the epoch (floor: -1.5 s is -2 s + 500000000 ns). */
  mtime: number;
  /** Nanoseconds past `mtime` (0..999999999), from a PAX mtime with a fraction. */
  mtimeNsec: number;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** SCHILY.xattr.* records, or null. */
  xattrs: Record<string, string> | null;
  /** A sparse file's map: its data sits at dataOffset, layout.storedSize bytes; null otherwise. */
  sparse: SparseLayout | null;
  /** Offset of this entry's first header (incl. its PAX/GNU headers) in the tar stream. */
  headerOffset: number;
  /** Offset of the body (of a sparse file: of its first stored data byte) in the tar stream. */
  dataOffset: number;
}

export interface TarHandler {
  /** Called once per entry, before its body. */
  entry(header: TarHeader): void;
  /**
   * Content bytes of the current entry, in order; views into the pushed chunk (or, for the
   * holes of a sparse file without a hole() handler, into a shared zero buffer).
   */
  data?(chunk: Uint8Array, header: TarHeader): void;
  /**
   * A hole of a sparse file: `length` zero bytes at this point of the content. When given,
   * holes come here instead of as zero chunks through data(), so a consumer can skip them.
   */
  hole?(length: number, header: TarHeader): void;
  /** Called after the content's last byte. */
  entryEnd?(header: TarHeader): void;
}

export interface TarReaderOptions {
  /** Largest PAX / GNU long-name body, or sparse map, accepted (default 1 MiB). */
  maxMetaBytes?: number;
  /** What is being read ("layer 0 sha256:ab… of default"), put in front of format errors. */
  what?: string;
}

const BLOCK = 512;
const enum State {
  Header,
  Body,
  Meta,
  Padding,
  SparseBlocks,
  Done,
}

const TYPES: Record<string, TarEntryType> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  S: "file",
  "1": "hardlink",
  "2": "symlink",
  "3": "chardev",
  "4": "blockdev",
  "5": "directory",
  "6": "fifo",
};

interface Overrides {
  [key: string]: string;
}

/** A sparse entry whose map continues in blocks after its header (PAX 1.0, old GNU 'S'). */
interface SparsePending {
  header: TarHeader;
  format: "pax1" | "gnu";
  /** Body bytes declared by the header (PAX 1.0: map blocks included). */
  declared: number;
  /** PAX 1.0: the map blocks read so far. */
  mapBytes: Uint8Array[];
  /** Old GNU: segments read so far. */
  segments: SparseSegment[];
}

export class TarReader {
  private readonly handler: TarHandler;
  private readonly maxMeta: number;
  private readonly what: string | undefined;
  private state = State.Header;
  /** Bytes of the tar stream consumed so far. */
  private offset = 0;
  private readonly block = new Uint8Array(BLOCK);
  private blockFill = 0;
  /** Bytes still to come in the current body / metadata body / padding. */
  private remaining = 0;
  private current: TarHeader | null = null;
  /** Stored body bytes of the current entry (what the padding follows). */
  private bodySize = 0;
  private expander: SparseExpander | null = null;
  private sparsePending: SparsePending | null = null;
  /** Metadata entry being collected: its typeflag and bytes. */
  private metaType = "";
  private meta: Uint8Array | null = null;
  private metaFill = 0;
  private metaPadding = 0;
  /**
   * Records of the last 'x' header before the next entry (a later 'x' replaces an earlier
   * one, as in GNU tar and Go), the last GNU long name and link name, and the global ('g')
   * records, which apply to every later entry until a later 'g' changes them.
   */
  private pending: Overrides | null = null;
  private longName: string | null = null;
  private longLink: string | null = null;
  private global: Overrides = {};
  private entryStart = -1;

  constructor(handler: TarHandler, options: TarReaderOptions = {}) {
    this.handler = handler;
    this.maxMeta = options.maxMetaBytes ?? 1 << 20;
    this.what = options.what;
  }

  /** True once the end-of-archive marker has been read (later bytes are ignored). */
  get done(): boolean {
    return this.state === State.Done;
  }

  /** Bytes of the stream consumed so far. */
  get position(): number {
    return this.offset;
  }

  /** Feed the next bytes of the archive. */
  push(chunk: Uint8Array): void {
    try {
      this.pushChunk(chunk);
    } catch (e) {
      throw this.named(e);
    }
  }

  /**
   * The stream has ended. Accepts a missing end-of-archive and a missing last padding;
   * refuses a stream cut inside a header, a body or a metadata entry.
   */
  end(): void {
    try {
      this.endStream();
    } catch (e) {
      throw this.named(e);
    }
  }

  /** A format error with the reader's `what` in front, so it names the layer. */
  private named(e: unknown): unknown {
    if (!(e instanceof TarFormatError) || !this.what) return e;
    return new TarFormatError(`${this.what}: ${e.detail}`, e.offset);
  }

  private pushChunk(chunk: Uint8Array): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case State.Done:
          this.offset += n - i;
          return;
        case State.Header:
        case State.SparseBlocks: {
          let b: Uint8Array;
          if (this.blockFill === 0 && n - i >= BLOCK) {
            b = chunk.subarray(i, i + BLOCK);
            i += BLOCK;
            this.offset += BLOCK;
          } else {
            const take = Math.min(BLOCK - this.blockFill, n - i);
            this.block.set(chunk.subarray(i, i + take), this.blockFill);
            this.blockFill += take;
            i += take;
            this.offset += take;
            if (this.blockFill < BLOCK) break;
            this.blockFill = 0;
            b = this.block;
          }
          if (this.state === State.Header) this.header(b);
          else this.sparseBlock(b);
          break;
        }
        case State.Body: {
          const take = Math.min(this.remaining, n - i);
          const h = this.current!;
          if (take > 0) {
            const part = chunk.subarray(i, i + take);
            if (this.expander) this.expander.push(part);
            else this.handler.data?.(part, h);
          }
          i += take;
          this.offset += take;
          this.remaining -= take;
          if (this.remaining === 0) this.finishBody(h);
          break;
        }
        case State.Meta: {
          const take = Math.min(this.remaining, n - i);
          this.meta!.set(chunk.subarray(i, i + take), this.metaFill);
          this.metaFill += take;
          i += take;
          this.offset += take;
          this.remaining -= take;
          if (this.remaining === 0) this.finishMeta();
          break;
        }
        case State.Padding: {
          const take = Math.min(this.remaining, n - i);
          i += take;
          this.offset += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = State.Header;
          break;
        }
      }
    }
  }

  private endStream(): void {
    switch (this.state) {
      case State.Done:
      case State.Padding:
        break;
      case State.Header:
        if (this.blockFill !== 0) {
          throw new TarFormatError(`archive ends inside a header (${this.blockFill} of 512 bytes)`, this.offset);
        }
        if (this.pending || this.longName !== null || this.longLink !== null) {
          throw new TarFormatError("archive ends after a PAX or GNU long-name header with no entry", this.offset);
        }
        break;
      case State.Body:
        throw new TarFormatError(
          `archive ends inside ${JSON.stringify(this.current!.name)}: ${this.remaining} of ${this.bodySize} stored bytes missing`,
          this.offset,
        );
      case State.SparseBlocks:
        throw new TarFormatError(`archive ends inside the sparse map of ${JSON.stringify(this.sparsePending!.header.name)}`, this.offset);
      case State.Meta:
        throw new TarFormatError("archive ends inside a PAX or GNU long-name header", this.offset);
    }
    this.state = State.Done;
  }

  private header(b: Uint8Array): void {
    if (isZeroBlock(b)) {
      // One zero block already ends the archive for GNU tar and Go; a second is customary.
      this.state = State.Done;
      return;
    }
    const at = this.offset - BLOCK;
    if (!checksumOk(b)) throw new TarFormatError("header checksum mismatch (not a tar archive, or corrupt)", at);
    if (this.entryStart < 0) this.entryStart = at;
    const flag = String.fromCharCode(b[156]);
    const size = readNumber(b, 124, 12, "size", at);
    if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
      if (size > this.maxMeta) {
        throw new CapacityError(`tar ${flag} header at byte ${at} declares ${size} bytes, over the ${this.maxMeta}-byte limit`);
      }
      this.metaType = flag;
      this.meta = new Uint8Array(size);
      this.metaFill = 0;
      this.remaining = size;
      this.metaPadding = pad(size);
      this.state = State.Meta;
      if (size === 0) this.finishMeta();
      return;
    }
    const h = this.decode(b, flag, size, at);
    const p = this.pending ?? {};
    this.entryStart = -1;
    this.pending = null;
    this.longName = this.longLink = null;
    if (flag === "S") {
      // Old GNU sparse: four map entries in the header, more in extension blocks; the header's
      // size is the stored data, the real size is a field of its own.
      const segments: SparseSegment[] = [];
      readOldGnuSparse(b, 386, 4, (blk, off, len, what) => readNumber(blk, off, len, what, at), segments);
      h.size = readNumber(b, 483, 12, "real size", at);
      if (b[482] !== 0) {
        this.sparsePending = { header: h, format: "gnu", declared: size, mapBytes: [], segments };
        this.state = State.SparseBlocks;
        return;
      }
      return this.startEntry(h, size, sparseLayout(segments, h.size, at));
    }
    const sparse = paxSparse(p, h, at);
    if (sparse === "pax1") {
      this.sparsePending = { header: h, format: "pax1", declared: h.size, mapBytes: [], segments: [] };
      h.size = realSize(p, at);
      this.state = State.SparseBlocks;
      return;
    }
    const stored = h.size;
    if (sparse) h.size = realSize(p, at);
    this.startEntry(h, stored, sparse);
  }

  /** One more block of a sparse map that follows its header (PAX 1.0 body, GNU extension). */
  private sparseBlock(b: Uint8Array): void {
    const sp = this.sparsePending!;
    const h = sp.header;
    h.dataOffset += BLOCK;
    if (sp.format === "gnu") {
      readOldGnuSparse(b, 0, 21, (blk, off, len, what) => readNumber(blk, off, len, what, h.headerOffset), sp.segments);
      if (sp.segments.length * 24 > this.maxMeta) {
        throw new CapacityError(`tar sparse map at byte ${h.headerOffset} is over the ${this.maxMeta}-byte limit`);
      }
      if (b[504] !== 0) return;
      this.sparsePending = null;
      return this.startEntry(h, sp.declared, sparseLayout(sp.segments, h.size, h.headerOffset));
    }
    sp.mapBytes.push(b.slice());
    const read = sp.mapBytes.length * BLOCK;
    if (read > sp.declared) throw new TarFormatError(`sparse map of ${JSON.stringify(h.name)} is longer than its body`, h.headerOffset);
    if (read > this.maxMeta) throw new CapacityError(`tar sparse map at byte ${h.headerOffset} is over the ${this.maxMeta}-byte limit`);
    const map = parseSparseMap1(concatBlocks(sp.mapBytes), h.headerOffset);
    if (!map) return;
    this.sparsePending = null;
    this.startEntry(h, sp.declared - read, sparseLayout(map.segments, h.size, h.headerOffset));
  }

  private startEntry(h: TarHeader, stored: number, sparse: SparseLayout | null): void {
    if (sparse) {
      if (h.type !== "file") throw new TarFormatError(`sparse map on a ${h.type} entry`, h.headerOffset);
      if (sparse.storedSize !== stored) {
        throw new TarFormatError(
          `sparse map of ${JSON.stringify(h.name)} covers ${sparse.storedSize} bytes, the archive stores ${stored}`,
          h.headerOffset,
        );
      }
      h.sparse = sparse;
      const handler = this.handler;
      this.expander = new SparseExpander(sparse, h.size, {
        data: (c) => handler.data?.(c, h),
        hole: handler.hole ? (n) => handler.hole!(n, h) : handler.data ? (n) => emitZeros(n, (c) => handler.data!(c, h)) : () => {},
      });
    }
    this.current = h;
    this.bodySize = stored;
    this.handler.entry(h);
    // Only regular files carry a body in practice, but whatever size is declared is what a
    // reader must skip (Go's archive/tar does the same), so it goes through data() too.
    this.remaining = stored;
    if (this.remaining > 0) this.state = State.Body;
    else this.finishBody(h);
  }

  private decode(b: Uint8Array, flag: string, size: number, at: number): TarHeader {
    const p = this.pending ?? {};
    const g = this.global;
    const magic = readAscii(b, 257, 6);
    const ustar = magic === "ustar\0" || magic === "ustar";
    let name = this.longName ?? p["GNU.sparse.name"] ?? p.path ?? g.path;
    if (name === undefined) {
      name = readName(b, 0, 100, "name", at);
      // POSIX ustar only: GNU's header keeps atime/ctime where ustar has the prefix.
      if (ustar && b[345] !== 0) name = readName(b, 345, 155, "prefix", at) + "/" + name;
    }
    let type = TYPES[flag] ?? "other";
    // Old archives mark directories only by a trailing slash.
    if ((flag === "0" || flag === "\0") && name.endsWith("/")) type = "directory";
    const num = (key: string, off: number, len: number, what: string): number => {
      const v = p[key] ?? g[key];
      if (v !== undefined) return paxNumber(v, key, at);
      return readNumber(b, off, len, what, at);
    };
    // Times the entry does not keep must still be numbers (Go refuses a bad atime or ctime).
    for (const key of ["atime", "ctime"]) {
      const v = p[key] ?? g[key];
      if (v !== undefined) paxNumber(v, key, at);
    }
    const declared = p.size ?? g.size;
    const paxMtime = p.mtime ?? g.mtime;
    const h: TarHeader = {
      name,
      type,
      typeflag: flag,
      mode: readNumber(b, 100, 8, "mode", at) & 0o7777,
      uid: num("uid", 108, 8, "uid"),
      gid: num("gid", 116, 8, "gid"),
      size: declared !== undefined ? paxNumber(declared, "size", at) : size,
      mtime: num("mtime", 136, 12, "mtime"),
      mtimeNsec: paxMtime === undefined ? 0 : paxNanoseconds(paxMtime),
      linkname: this.longLink ?? p.linkpath ?? g.linkpath ?? readName(b, 157, 100, "linkname", at),
      uname: p.uname ?? g.uname ?? readString(b, 265, 32),
      gname: p.gname ?? g.gname ?? readString(b, 297, 32),
      devmajor: type === "chardev" || type === "blockdev" ? readNumber(b, 329, 8, "devmajor", at) : 0,
      devminor: type === "chardev" || type === "blockdev" ? readNumber(b, 337, 8, "devminor", at) : 0,
      xattrs: collectXattrs(g, p),
      sparse: null,
      headerOffset: this.entryStart,
      dataOffset: at + BLOCK,
    };
    return h;
  }

  private finishBody(h: TarHeader): void {
    if (this.expander) this.expander.finish();
    this.expander = null;
    this.handler.entryEnd?.(h);
    this.current = null;
    this.remaining = pad(this.bodySize);
    this.state = this.remaining > 0 ? State.Padding : State.Header;
  }

  private finishMeta(): void {
    const body = this.meta!;
    const at = this.offset - body.length;
    this.meta = null;
    if (this.metaType === "L" || this.metaType === "K") {
      const value = readName(body, 0, body.length, this.metaType === "L" ? "GNU long name" : "GNU long link name", at);
      if (this.metaType === "L") this.longName = value;
      else this.longLink = value;
    } else {
      const records = parsePax(body, at);
      if (this.metaType === "g") {
        Object.assign(this.global, records);
        // A global record with an empty value deletes it (pax: "keyword=" with no value).
        for (const [k, v] of Object.entries(records)) if (v === "") delete this.global[k];
      } else {
        this.pending = records;
      }
    }
    this.remaining = this.metaPadding;
    this.state = this.remaining > 0 ? State.Padding : State.Header;
  }
}

/**
 * Which PAX sparse format the entry's records describe: the 0.x layout (map in the records),
 * "pax1" (map in the body), or null for a plain file. Versions are told apart as Go does: by
 * GNU.sparse.major/minor, else by the presence of a map (0.0 and 0.1 wrote no version);
 * an unknown version is read as a plain file.
 */
function paxSparse(p: Overrides, h: TarHeader, at: number): SparseLayout | "pax1" | null {
  const major = p["GNU.sparse.major"];
  const minor = p["GNU.sparse.minor"];
  let v1: boolean;
  if (major === "0" && (minor === "0" || minor === "1")) v1 = false;
  else if (major === "1" && minor === "0") v1 = true;
  else if (major !== undefined || minor !== undefined) return null;
  else if (p["GNU.sparse.map"] !== undefined) v1 = false;
  else return null;
  if (v1) return "pax1";
  return sparseLayout(parsePaxSparseMap(p["GNU.sparse.map"] ?? "", p["GNU.sparse.numblocks"], at), realSize(p, at), at);
}

/** GNU.sparse.size (0.x) or GNU.sparse.realsize (1.0). */
function realSize(p: Overrides, at: number): number {
  const v = p["GNU.sparse.size"] ?? p["GNU.sparse.realsize"];
  if (v === undefined) throw new TarFormatError("sparse file without GNU.sparse.size or GNU.sparse.realsize", at);
  return paxNumber(v, "size", at);
}

function concatBlocks(blocks: Uint8Array[]): Uint8Array {
  if (blocks.length === 1) return blocks[0];
  const out = new Uint8Array(blocks.length * BLOCK);
  blocks.forEach((b, i) => out.set(b, i * BLOCK));
  return out;
}

/** Bytes of padding after a body of `size` bytes. */
function pad(size: number): number {
  const r = size % BLOCK;
  return r === 0 ? 0 : BLOCK - r;
}

function isZeroBlock(b: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

/** The header checksum, computed unsigned and signed (old tars used signed chars). */
function checksumOk(b: Uint8Array): boolean {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 32 : b[i];
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  let stored: number;
  try {
    stored = readNumber(b, 148, 8, "checksum", 0);
  } catch {
    return false;
  }
  return stored === unsigned || stored === signed;
}

/** An octal field (NUL/space padded) or a GNU base-256 field (high bit of the first byte). */
export function readNumber(b: Uint8Array, off: number, len: number, what: string, at: number): number {
  const first = b[off];
  if (first & 0x80) {
    // Base-256: two's complement big-endian; the marker bit is not part of the value. Only a
    // time may be negative (GNU tar writes mtimes before 1970 so; Go reads them).
    if (first & 0x40) {
      if (what !== "mtime") throw new TarFormatError(`negative base-256 ${what}`, at);
      let inv = ~first & 0x7f;
      for (let i = 1; i < len; i++) {
        inv = inv * 256 + (~b[off + i] & 0xff);
        if (inv > Number.MAX_SAFE_INTEGER) throw new TarFormatError(`base-256 ${what} too large`, at);
      }
      return -inv - 1;
    }
    let v = first & 0x7f;
    for (let i = 1; i < len; i++) {
      v = v * 256 + b[off + i];
      if (v > Number.MAX_SAFE_INTEGER) throw new TarFormatError(`base-256 ${what} too large`, at);
    }
    return v;
  }
  let i = off;
  const endAt = off + len;
  while (i < endAt && (b[i] === 0x20 || b[i] === 0)) {
    if (b[i] === 0) return 0; // an empty field
    i++;
  }
  let v = 0;
  let digits = 0;
  for (; i < endAt; i++) {
    const c = b[i];
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) throw new TarFormatError(`bad octal digit in ${what} field`, at);
    v = v * 8 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? 0 : v;
}

/**
 * The nanoseconds a PAX time adds to its floor (Go's parsePAXTime: digits past the ninth are
 * cut off, not rounded). Called once paxNumber has checked the syntax.
 */
function paxNanoseconds(v: string): number {
  const dot = v.indexOf(".");
  if (dot < 0) return 0;
  const ns = Number(v.slice(dot + 1, dot + 10).padEnd(9, "0"));
  return ns === 0 || !v.startsWith("-") ? ns : 1e9 - ns;
}

/** A decimal PAX number ("mtime" may carry a fraction; others must be whole). */
function paxNumber(v: string, key: string, at: number): number {
  const time = key === "mtime" || key === "atime" || key === "ctime";
  if (time ? !/^-?\d+(\.\d+)?$/.test(v) : !/^\d+$/.test(v)) {
    throw new TarFormatError(`bad PAX ${key} ${JSON.stringify(v.slice(0, 40))}`, at);
  }
  const n = Number(v);
  if (!Number.isFinite(n) || Math.abs(n) > Number.MAX_SAFE_INTEGER) {
    throw new TarFormatError(`PAX ${key} out of range`, at);
  }
  if (!time) return n;
  // The floor, from the digits (Number() of "1.9999999999" would round up to 2).
  const whole = Number(v.replace(/\..*/, "")) + 0;
  return paxNanoseconds(v) > 0 && v.startsWith("-") ? whole - 1 : whole;
}

/** Header and PAX bytes as text, the bytes kept (name-bytes.ts): names need not be UTF-8. */
export const decodeText = decodeName;

/** A NUL-terminated string field. */
function readString(b: Uint8Array, off: number, len: number): string {
  let end = off;
  const max = off + len;
  while (end < max && b[end] !== 0) end++;
  return decodeText(b.subarray(off, end));
}

/**
 * A name field (name, prefix, linkname, GNU long name): NUL-terminated, but a NUL followed by
 * more bytes is refused. Readers disagree on such a field: GNU tar and Go cut at the first NUL,
 * others keep the bytes, so the archive names different files (or points a link somewhere
 * else) depending on who unpacks it; only the NUL padding after a name is accepted.
 */
function readName(b: Uint8Array, off: number, len: number, field: string, at: number): string {
  const max = off + len;
  let end = off;
  while (end < max && b[end] !== 0) end++;
  for (let i = end + 1; i < max; i++) {
    if (b[i] !== 0) throw new TarFormatError(`${field} field has bytes after a NUL (at field byte ${end - off})`, at);
  }
  return decodeText(b.subarray(off, end));
}

function readAscii(b: Uint8Array, off: number, len: number): string {
  let s = "";
  for (let i = off; i < off + len; i++) {
    if (b[i] === 0) return s + "\0";
    s += String.fromCharCode(b[i]);
  }
  return s;
}

/** Keys whose values are names: a NUL in them would cut the name short in a C reader. */
const NAME_KEYS = new Set(["path", "linkpath", "uname", "gname", "GNU.sparse.name"]);

/**
 * "LEN KEY=VALUE\n" records. Refused like Go's archive/tar: a NUL in a key (so in an xattr
 * name) or in a name value, an empty key. PAX sparse 0.0 repeats GNU.sparse.offset and
 * GNU.sparse.numbytes once per segment; those pairs are gathered, in order, into the
 * GNU.sparse.map record that 0.1 writes directly.
 */
export function parsePax(body: Uint8Array, at: number): Overrides {
  const out: Overrides = {};
  const map: string[] = [];
  let i = 0;
  while (i < body.length) {
    if (body[i] === 0) break; // some writers pad the body with NULs
    let len = 0;
    let j = i;
    while (j < body.length && body[j] >= 0x30 && body[j] <= 0x39) {
      len = len * 10 + (body[j] - 0x30);
      j++;
      if (len > body.length) break;
    }
    if (j === i || body[j] !== 0x20 || len <= j - i + 1 || i + len > body.length || body[i + len - 1] !== 0x0a) {
      throw new TarFormatError("malformed PAX record", at + i);
    }
    const rec = body.subarray(j + 1, i + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw new TarFormatError("PAX record without a key", at + i);
    const key = decodeText(rec.subarray(0, eq));
    const value = decodeText(rec.subarray(eq + 1));
    if (key.includes("\0")) throw new TarFormatError(`PAX key ${JSON.stringify(key)} contains a NUL`, at + i);
    if (NAME_KEYS.has(key) && value.includes("\0")) throw new TarFormatError(`PAX ${key} contains a NUL`, at + i);
    if (key === "GNU.sparse.offset" || key === "GNU.sparse.numbytes") {
      if ((map.length % 2 === 0) !== (key === "GNU.sparse.offset") || value.includes(",")) {
        throw new TarFormatError("PAX sparse map records out of order", at + i);
      }
      map.push(value);
    } else {
      out[key] = value;
    }
    i += len;
  }
  if (map.length > 0) {
    if (map.length % 2 !== 0) throw new TarFormatError("PAX sparse map ends with an offset and no length", at);
    out["GNU.sparse.map"] = map.join(",");
  }
  return out;
}

function collectXattrs(g: Overrides, p: Overrides): Record<string, string> | null {
  let out: Record<string, string> | null = null;
  for (const src of [g, p]) {
    for (const k in src) {
      if (k.startsWith("SCHILY.xattr.")) (out ??= {})[k.slice(13)] = src[k];
    }
  }
  return out;
}
