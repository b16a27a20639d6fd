// A small deterministic tar writer: ustar headers, PAX 'x' records for what a ustar field cannot
// hold, and the two zero end blocks. Same entries in, same bytes out: there is no clock, no user
// lookup, no platform dependence. Used for the sample image, test fixtures and `export`.
// Entries are written one at a time (tarEntry, or tarHeader before a streamed body) so big
// outputs can stream.
//
// What goes where:
// - Names and link targets are byte strings (name-bytes.ts) written back byte for byte. An ASCII
//   name that fits the ustar name/prefix fields stays there; a longer or UTF-8 one gets a PAX
//   "path" (UTF-8, as the spec says); a name holding bytes that are not UTF-8 stays in the
//   ustar fields when it fits, else goes in a PAX path under "hdrcharset=BINARY", which GNU
//   tar, bsdtar, Python and Go read as raw bytes. Same for "linkpath", "uname" and "gname".
// - Numbers (uid, gid, size, mtime, device numbers) are octal when they fit; otherwise the
//   field holds GNU base-256 (two's complement, what GNU tar, bsdtar, Python and Go read when
//   they ignore PAX) and a PAX record holds the decimal value (uid, gid, size, mtime; device
//   numbers have no POSIX keyword, so SCHILY.devmajor/devminor, star's and libarchive's). A
//   sub-second or negative mtime is a PAX mtime record ("-1.5" is 1.5 s before the epoch).
// Spec: https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html#tag_20_92_13_06
// and GNU tar's "Basic Tar Format" (base-256 numbers).

import { encodeName, hasRawBytes } from "./name-bytes.js";

const BLOCK = 512;
const enc = new TextEncoder();

export type TarWriteType = "file" | "dir" | "symlink" | "hardlink" | "fifo" | "char" | "block";

export interface TarWriteEntry {
  /** The name as a byte string (name-bytes.ts). */
  name: string;
  type?: TarWriteType;
  data?: Uint8Array;
  /** Body bytes declared when the body is streamed after tarHeader (default data.length). */
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  /** Whole seconds since the epoch, may be negative (default 0). */
  mtime?: number;
  /** Nanoseconds past mtime (0..999999999). */
  mtimeNsec?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Extra PAX records (e.g. SCHILY.xattr.user.x); values are byte strings too. */
  pax?: Record<string, string>;
}

const TYPEFLAG: Record<TarWriteType, string> = { file: "0", hardlink: "1", symlink: "2", char: "3", block: "4", dir: "5", fifo: "6" };

function writeBytes(h: Uint8Array, off: number, len: number, s: Uint8Array): void {
  h.set(s.subarray(0, len), off);
}

const fitsOctal = (value: number, len: number) => value >= 0 && value < 8 ** (len - 1);

function writeOctal(h: Uint8Array, off: number, len: number, value: number): void {
  writeBytes(h, off, len - 1, enc.encode(value.toString(8).padStart(len - 1, "0")));
}

/** GNU base-256: the marker bit, then the two's complement value big-endian in the rest. */
function writeBase256(h: Uint8Array, off: number, len: number, value: number): void {
  let v = BigInt(value);
  if (v < 0n) v += 1n << BigInt(8 * len);
  for (let i = len - 1; i >= 0; i--) {
    h[off + i] = Number(v & 0xffn);
    v >>= 8n;
  }
  h[off] |= 0x80;
}

function checkNumber(value: number, what: string, negativeOk = false): void {
  if (!Number.isSafeInteger(value) || (value < 0 && !negativeOk)) throw new RangeError(`tar: bad ${what} ${value}`);
}

/** Split a long name into ustar prefix/name, or undefined when it cannot be. */
function ustarSplit(name: Uint8Array): [Uint8Array, Uint8Array] | undefined {
  if (name.length <= 100) return [new Uint8Array(0), name];
  for (let i = Math.min(name.length - 1, 155); i > 0; i--) {
    if (name[i] === 0x2f && name.length - i - 1 <= 100 && name.length - i - 1 > 0) return [name.subarray(0, i), name.subarray(i + 1)];
  }
  return undefined;
}

function isAscii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

/** One PAX record: "LEN key=value\n" where LEN counts its own digits (and is in bytes). */
function paxRecord(key: string, value: Uint8Array): Uint8Array {
  const head = enc.encode(` ${key}=`);
  const bodyLen = head.length + value.length + 1;
  let len = bodyLen + 1;
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen;
  return concat([enc.encode(String(len)), head, value, enc.encode("\n")]);
}

/** A PAX time: "SEC" or "SEC.FRACTION" with the fraction's trailing zeros dropped. */
function paxTime(sec: number, nsec: number): string {
  if (nsec === 0) return String(sec);
  // sec is the floor: -2 s + 0.5 s is written "-1.5".
  const neg = sec < 0;
  const whole = neg ? -(sec + 1) : sec;
  const frac = String(neg ? 1e9 - nsec : nsec)
    .padStart(9, "0")
    .replace(/0+$/, "");
  return `${neg ? "-" : ""}${whole}.${frac}`;
}

/** The fields of one header and the PAX records it needs, built together. */
class HeaderBuilder {
  readonly h = new Uint8Array(BLOCK);
  readonly records: Uint8Array[] = [];
  binary = false;

  number(off: number, len: number, value: number, paxKey: string | null): void {
    if (fitsOctal(value, len)) return writeOctal(this.h, off, len, value);
    writeBase256(this.h, off, len, value);
    if (paxKey) this.records.push(paxRecord(paxKey, enc.encode(String(value))));
  }

  /** A name-like field (len bytes in the header) that falls back to the PAX `key`. */
  text(off: number, len: number, value: string, key: string): void {
    const bytes = encodeName(value);
    const raw = hasRawBytes(value);
    if (bytes.length <= len && (raw || isAscii(value))) return writeBytes(this.h, off, len, bytes);
    this.pax(key, value, bytes);
    if (raw || bytes.length > len) return; // a reader without PAX sees no name rather than a cut one
    writeBytes(this.h, off, len, bytes);
  }

  pax(key: string, value: string, bytes = encodeName(value)): void {
    if (hasRawBytes(value)) this.binary = true;
    this.records.push(paxRecord(key, bytes));
  }
}

/** The header block(s) of one entry: [PAX header + records] + ustar header; no body. */
export function tarHeader(e: TarWriteEntry): Uint8Array {
  const type = TYPEFLAG[e.type ?? "file"];
  const isFile = e.type === undefined || e.type === "file";
  const size = isFile ? (e.size ?? e.data?.length ?? 0) : 0;
  const name = e.type === "dir" && !e.name.endsWith("/") ? e.name + "/" : e.name;
  const b = new HeaderBuilder();
  const h = b.h;

  const nameBytes = encodeName(name);
  const raw = hasRawBytes(name);
  let split = raw || isAscii(name) ? ustarSplit(nameBytes) : undefined;
  if (!split) {
    b.pax("path", name, nameBytes);
    split = [new Uint8Array(0), nameBytes.subarray(0, 100)];
  }
  writeBytes(h, 0, 100, split[1]);
  writeBytes(h, 345, 155, split[0]);

  const mtime = e.mtime ?? 0;
  const nsec = e.mtimeNsec ?? 0;
  checkNumber(mtime, "mtime", true);
  if (!Number.isInteger(nsec) || nsec < 0 || nsec >= 1e9) throw new RangeError(`tar: bad mtime nanoseconds ${nsec}`);
  for (const [v, what] of [
    [e.uid ?? 0, "uid"],
    [e.gid ?? 0, "gid"],
    [size, "size"],
    [e.devmajor ?? 0, "devmajor"],
    [e.devminor ?? 0, "devminor"],
  ] as const)
    checkNumber(v, what);

  writeOctal(h, 100, 8, (e.mode ?? (type === "5" ? 0o755 : 0o644)) & 0o7777);
  b.number(108, 8, e.uid ?? 0, "uid");
  b.number(116, 8, e.gid ?? 0, "gid");
  b.number(124, 12, size, "size");
  if (nsec !== 0 || !fitsOctal(mtime, 12)) {
    b.number(136, 12, mtime, null);
    b.records.push(paxRecord("mtime", enc.encode(paxTime(mtime, nsec))));
  } else {
    writeOctal(h, 136, 12, mtime);
  }
  h[156] = type.charCodeAt(0);
  b.text(157, 100, e.linkname ?? "", "linkpath");
  writeBytes(h, 257, 8, enc.encode("ustar\x0000"));
  b.text(265, 32, e.uname ?? "", "uname");
  b.text(297, 32, e.gname ?? "", "gname");
  b.number(329, 8, e.devmajor ?? 0, "SCHILY.devmajor");
  b.number(337, 8, e.devminor ?? 0, "SCHILY.devminor");
  checksum(h);

  for (const [k, v] of Object.entries(e.pax ?? {}).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) b.pax(k, v);
  if (!b.records.length) return h;
  // hdrcharset applies to the whole record set: every value is then taken as raw bytes, which
  // the UTF-8 ones also are.
  if (b.binary) b.records.unshift(paxRecord("hdrcharset", enc.encode("BINARY")));
  const body = concat(b.records);
  const x = new Uint8Array(BLOCK);
  writeBytes(x, 0, 100, concat([enc.encode("PaxHeaders/"), nameBytes]));
  writeOctal(x, 100, 8, 0o644);
  writeOctal(x, 108, 8, 0);
  writeOctal(x, 116, 8, 0);
  writeOctal(x, 124, 12, body.length);
  writeOctal(x, 136, 12, 0);
  x[156] = "x".charCodeAt(0);
  writeBytes(x, 257, 8, enc.encode("ustar\x0000"));
  writeOctal(x, 329, 8, 0);
  writeOctal(x, 337, 8, 0);
  checksum(x);
  return concat([x, padded(body), h]);
}

function checksum(h: Uint8Array): void {
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i];
  writeBytes(h, 148, 7, enc.encode(sum.toString(8).padStart(6, "0") + "\0"));
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / BLOCK) * BLOCK);
  out.set(data);
  return out;
}

/** The bytes of one entry: its header(s) and its data padded to 512. */
export function tarEntry(e: TarWriteEntry): Uint8Array {
  const isFile = e.type === undefined || e.type === "file";
  const data = isFile ? (e.data ?? new Uint8Array(0)) : new Uint8Array(0);
  if (e.size !== undefined && e.size !== data.length)
    throw new RangeError(`tar: ${e.name}: size ${e.size} but ${data.length} bytes of data (use tarHeader to stream a body)`);
  return concat([tarHeader(e), padded(data)]);
}

/** The end of an archive: two zero blocks. */
export const TAR_END = new Uint8Array(2 * BLOCK);

/** A whole archive of `entries`, in the order given. */
export function writeTar(entries: readonly TarWriteEntry[]): Uint8Array {
  return concat([...entries.map(tarEntry), TAR_END]);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
