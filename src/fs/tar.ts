// Push-style tar reader: chunks in (push), entries out (handler callbacks), on any stream.
//
// Formats: ustar (name + prefix), PAX extended ('x') and global ('g') headers (path, linkpath,
// size, uid, gid, mtime, uname, gname, SCHILY.xattr.*), GNU ././@LongLink names ('L') and link
// names ('K'), GNU base-256 numbers, old V7 headers. Specs: POSIX pax(1) "ustar Interchange
// Format" and "pax Interchange Format"; GNU tar manual, "Basic Tar Format".
//
// Invariants:
// - Nothing is buffered but one partial 512-byte header and the bodies of metadata entries
//   (PAX / GNU long names, capped by `maxMetaBytes`). File bodies are handed to `data()` as
//   views into the pushed chunks: copy them to keep them.
// - A missing end-of-archive (two zero blocks) is accepted, and so is a missing padding of the
//   last entry: umoci 0.4.7 writes such layers and Go's archive/tar, umoci and skopeo read them.
// - Every malformed input raises TarFormatError (or CapacityError for a metadata body over
//   the cap); never anything else. A declared size is never allocated, only counted down.

import { CapacityError } from "../errors.js";
import { TarFormatError } from "./errors.js";

export type TarEntryType =
  | "file" | "hardlink" | "symlink" | "chardev" | "blockdev" | "directory" | "fifo" | "other";

export interface TarHeader {
  /** Path as written (PAX/GNU long names applied), not normalised: see path.ts. */
  name: string;
  type: TarEntryType;
  /** The raw typeflag character ("0", "5", ...); PAX and GNU metadata entries never appear. */
  typeflag: string;
  /** Permission bits incl. setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of the body (0 for links, directories, devices). */
  size: number;
  /** Seconds since the epoch (PAX may give fractions). */
  mtime: number;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** SCHILY.xattr.* records, or null. */
  xattrs: Record<string, string> | null;
  /** Offset of this entry's first header (incl. its PAX/GNU headers) in the tar stream. */
  headerOffset: number;
  /** Offset of the body in the tar stream. */
  dataOffset: number;
}

export interface TarHandler {
  /** Called once per entry, before its body. */
  entry(header: TarHeader): void;
  /** Body bytes of the current entry, in order; views into the pushed chunk. */
  data?(chunk: Uint8Array, header: TarHeader): void;
  /** Called after the body's last byte. */
  entryEnd?(header: TarHeader): void;
}

export interface TarReaderOptions {
  /** Largest PAX / GNU long-name body accepted (default 1 MiB). */
  maxMetaBytes?: number;
}

const BLOCK = 512;
const enum State { Header, Body, Meta, Padding, Done }

const TYPES: Record<string, TarEntryType> = {
  "0": "file", "\0": "file", "7": "file", "1": "hardlink", "2": "symlink",
  "3": "chardev", "4": "blockdev", "5": "directory", "6": "fifo",
};

interface Overrides { [key: string]: string }

export class TarReader {
  private readonly handler: TarHandler;
  private readonly maxMeta: number;
  private state = State.Header;
  /** Bytes of the tar stream consumed so far. */
  private offset = 0;
  private readonly block = new Uint8Array(BLOCK);
  private blockFill = 0;
  /** Bytes still to come in the current body / metadata body / padding. */
  private remaining = 0;
  private current: TarHeader | null = null;
  /** Metadata entry being collected: its typeflag and bytes. */
  private metaType = "";
  private meta: Uint8Array | null = null;
  private metaFill = 0;
  private metaPadding = 0;
  /** PAX records for the next entry ('x'), GNU long names, global PAX records ('g'). */
  private pending: Overrides = {};
  private global: Overrides = {};
  private entryStart = -1;

  constructor(handler: TarHandler, options: TarReaderOptions = {}) {
    this.handler = handler;
    this.maxMeta = options.maxMetaBytes ?? 1 << 20;
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
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case State.Done:
          this.offset += n - i;
          return;
        case State.Header: {
          if (this.blockFill === 0 && n - i >= BLOCK) {
            const view = chunk.subarray(i, i + BLOCK);
            i += BLOCK;
            this.offset += BLOCK;
            this.header(view);
          } else {
            const take = Math.min(BLOCK - this.blockFill, n - i);
            this.block.set(chunk.subarray(i, i + take), this.blockFill);
            this.blockFill += take;
            i += take;
            this.offset += take;
            if (this.blockFill === BLOCK) {
              this.blockFill = 0;
              this.header(this.block);
            }
          }
          break;
        }
        case State.Body: {
          const take = Math.min(this.remaining, n - i);
          const h = this.current!;
          if (take > 0 && this.handler.data) this.handler.data(chunk.subarray(i, i + take), h);
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

  /**
   * The stream has ended. Accepts a missing end-of-archive and a missing last padding;
   * refuses a stream cut inside a header, a body or a metadata entry.
   */
  end(): void {
    switch (this.state) {
      case State.Done:
      case State.Padding:
        break;
      case State.Header:
        if (this.blockFill !== 0) {
          throw new TarFormatError(`archive ends inside a header (${this.blockFill} of 512 bytes)`, this.offset);
        }
        if (Object.keys(this.pending).length > 0) {
          throw new TarFormatError("archive ends after a PAX or GNU long-name header with no entry", this.offset);
        }
        break;
      case State.Body:
        throw new TarFormatError(
          `archive ends inside ${JSON.stringify(this.current!.name)}: ${this.remaining} of ${this.current!.size} bytes missing`,
          this.offset,
        );
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
    if (flag === "S") throw new TarFormatError("GNU sparse entries (typeflag S) are not supported", at);
    const h = this.decode(b, flag, size, at);
    this.current = h;
    this.entryStart = -1;
    this.pending = {};
    this.handler.entry(h);
    // Only regular files carry a body in practice, but whatever size is declared is what a
    // reader must skip (Go's archive/tar does the same), so it goes through data() too.
    this.remaining = h.size;
    if (this.remaining > 0) this.state = State.Body;
    else this.finishBody(h);
  }

  private decode(b: Uint8Array, flag: string, size: number, at: number): TarHeader {
    const p = this.pending;
    const g = this.global;
    const magic = readAscii(b, 257, 6);
    const ustar = magic === "ustar\0" || magic === "ustar";
    let name = p.path ?? g.path;
    if (name === undefined) {
      name = readString(b, 0, 100);
      // POSIX ustar only: GNU's header keeps atime/ctime where ustar has the prefix.
      if (ustar && b[345] !== 0) name = readString(b, 345, 155) + "/" + name;
    }
    let type = TYPES[flag] ?? "other";
    // Old archives mark directories only by a trailing slash.
    if ((flag === "0" || flag === "\0") && name.endsWith("/")) type = "directory";
    const num = (key: string, off: number, len: number, what: string): number => {
      const v = p[key] ?? g[key];
      if (v !== undefined) return paxNumber(v, key, at);
      return readNumber(b, off, len, what, at);
    };
    const declared = p.size ?? g.size;
    const h: TarHeader = {
      name,
      type,
      typeflag: flag,
      mode: readNumber(b, 100, 8, "mode", at) & 0o7777,
      uid: num("uid", 108, 8, "uid"),
      gid: num("gid", 116, 8, "gid"),
      size: declared !== undefined ? paxNumber(declared, "size", at) : size,
      mtime: num("mtime", 136, 12, "mtime"),
      linkname: p.linkpath ?? g.linkpath ?? readString(b, 157, 100),
      uname: p.uname ?? g.uname ?? readString(b, 265, 32),
      gname: p.gname ?? g.gname ?? readString(b, 297, 32),
      devmajor: type === "chardev" || type === "blockdev" ? readNumber(b, 329, 8, "devmajor", at) : 0,
      devminor: type === "chardev" || type === "blockdev" ? readNumber(b, 337, 8, "devminor", at) : 0,
      xattrs: collectXattrs(g, p),
      headerOffset: this.entryStart,
      dataOffset: at + BLOCK,
    };
    return h;
  }

  private finishBody(h: TarHeader): void {
    this.handler.entryEnd?.(h);
    this.current = null;
    this.remaining = pad(h.size);
    this.state = this.remaining > 0 ? State.Padding : State.Header;
  }

  private finishMeta(): void {
    const body = this.meta!;
    const at = this.offset - body.length;
    this.meta = null;
    if (this.metaType === "L" || this.metaType === "K") {
      this.pending[this.metaType === "L" ? "path" : "linkpath"] = readString(body, 0, body.length);
    } else {
      const records = parsePax(body, at);
      Object.assign(this.metaType === "g" ? this.global : this.pending, records);
      // A global record with an empty value deletes it (pax: "keyword=" with no value).
      for (const [k, v] of Object.entries(records)) if (v === "" && this.metaType === "g") delete this.global[k];
    }
    this.remaining = this.metaPadding;
    this.state = this.remaining > 0 ? State.Padding : State.Header;
  }
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
    // Base-256: two's complement big-endian; the marker bit is not part of the value.
    if (first === 0xff) throw new TarFormatError(`negative base-256 ${what}`, at);
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

/** A decimal PAX number ("mtime" may carry a fraction; others must be whole). */
function paxNumber(v: string, key: string, at: number): number {
  if (key === "mtime" ? !/^-?\d+(\.\d+)?$/.test(v) : !/^\d+$/.test(v)) {
    throw new TarFormatError(`bad PAX ${key} ${JSON.stringify(v.slice(0, 40))}`, at);
  }
  const n = Number(v);
  if (!Number.isFinite(n) || Math.abs(n) > Number.MAX_SAFE_INTEGER) {
    throw new TarFormatError(`PAX ${key} out of range`, at);
  }
  return key === "mtime" ? Math.floor(n) : n;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");

/** Bytes as text: UTF-8 when valid, else Latin-1 (old tars), so a name never fails to decode. */
export function decodeText(b: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < b.length; i++) if (b[i] > 0x7f) { ascii = false; break; }
  if (ascii) return b.length < 256 ? String.fromCharCode.apply(null, b as unknown as number[]) : latin1.decode(b);
  try {
    return utf8.decode(b);
  } catch {
    return latin1.decode(b);
  }
}

/** A NUL-terminated string field. */
function readString(b: Uint8Array, off: number, len: number): string {
  let end = off;
  const max = off + len;
  while (end < max && b[end] !== 0) end++;
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

/** "LEN KEY=VALUE\n" records. */
export function parsePax(body: Uint8Array, at: number): Overrides {
  const out: Overrides = {};
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
    out[decodeText(rec.subarray(0, eq))] = decodeText(rec.subarray(eq + 1));
    i += len;
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
