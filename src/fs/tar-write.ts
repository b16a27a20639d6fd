// A small deterministic tar writer: ustar headers, PAX 'x' records when a name or link target
// does not fit (over 100 bytes without a usable ustar prefix split, or not ASCII), numeric
// fields in octal, and the two zero end blocks. Same entries in, same bytes out: there is no
// clock, no user lookup, no platform dependence. Used for the sample image, test fixtures
// and `export`. Entries are written one at a time (tarEntry) so big outputs can stream.
// Spec: https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html#tag_20_92_13_06

const BLOCK = 512;
const enc = new TextEncoder();

export type TarWriteType = "file" | "dir" | "symlink" | "hardlink" | "fifo" | "char" | "block";

export interface TarWriteEntry {
  name: string;
  type?: TarWriteType;
  data?: Uint8Array;
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  /** Seconds since the epoch (default 0). */
  mtime?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Extra PAX records (e.g. SCHILY.xattr.user.x). */
  pax?: Record<string, string>;
}

const TYPEFLAG: Record<TarWriteType, string> = { file: "0", hardlink: "1", symlink: "2", char: "3", block: "4", dir: "5", fifo: "6" };

function writeString(h: Uint8Array, off: number, len: number, s: Uint8Array): void {
  h.set(s.subarray(0, len), off);
}

function writeOctal(h: Uint8Array, off: number, len: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`tar: bad numeric field ${value}`);
  const s = value.toString(8).padStart(len - 1, "0");
  if (s.length > len - 1) throw new RangeError(`tar: ${value} does not fit a ${len}-byte field (use PAX)`);
  writeString(h, off, len - 1, enc.encode(s));
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

/** One PAX record: "LEN key=value\n" where LEN counts its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLen = enc.encode(body).length;
  let len = bodyLen + 1;
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen;
  return `${len}${body}`;
}

function header(name: Uint8Array, prefix: Uint8Array, e: TarWriteEntry, type: string, size: number, linkname: Uint8Array): Uint8Array {
  const h = new Uint8Array(BLOCK);
  writeString(h, 0, 100, name);
  writeOctal(h, 100, 8, e.mode ?? (type === "5" ? 0o755 : 0o644));
  writeOctal(h, 108, 8, e.uid ?? 0);
  writeOctal(h, 116, 8, e.gid ?? 0);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, e.mtime ?? 0);
  h.fill(0x20, 148, 156);
  h[156] = type.charCodeAt(0);
  writeString(h, 157, 100, linkname);
  writeString(h, 257, 8, enc.encode("ustar\x0000"));
  writeString(h, 265, 32, enc.encode(e.uname ?? ""));
  writeString(h, 297, 32, enc.encode(e.gname ?? ""));
  writeOctal(h, 329, 8, e.devmajor ?? 0);
  writeOctal(h, 337, 8, e.devminor ?? 0);
  writeString(h, 345, 155, prefix);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i];
  writeString(h, 148, 7, enc.encode(sum.toString(8).padStart(6, "0") + "\0"));
  return h;
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / BLOCK) * BLOCK);
  out.set(data);
  return out;
}

/** The bytes of one entry: [PAX header + records] + header + data padded to 512. */
export function tarEntry(e: TarWriteEntry): Uint8Array {
  const type = TYPEFLAG[e.type ?? "file"];
  const data = e.type === undefined || e.type === "file" ? (e.data ?? new Uint8Array(0)) : new Uint8Array(0);
  const name = e.type === "dir" && !e.name.endsWith("/") ? e.name + "/" : e.name;
  const nameBytes = enc.encode(name);
  const linkBytes = enc.encode(e.linkname ?? "");
  const records: string[] = [];
  let split = isAscii(name) ? ustarSplit(nameBytes) : undefined;
  if (!split) {
    records.push(paxRecord("path", name));
    split = [new Uint8Array(0), nameBytes.subarray(0, 100)];
  }
  if (linkBytes.length > 100 || !isAscii(e.linkname ?? "")) records.push(paxRecord("linkpath", e.linkname ?? ""));
  for (const [k, v] of Object.entries(e.pax ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) records.push(paxRecord(k, v));
  const parts: Uint8Array[] = [];
  if (records.length) {
    const body = enc.encode(records.join(""));
    const paxName = enc.encode(`PaxHeaders/${name}`.slice(0, 100));
    parts.push(header(paxName, new Uint8Array(0), { name: "", mode: 0o644 }, "x", body.length, new Uint8Array(0)), padded(body));
  }
  parts.push(header(split[1], split[0], e, type, data.length, linkBytes.subarray(0, 100)), padded(data));
  return concat(parts);
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
