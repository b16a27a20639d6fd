// Index a tar archive by reading its 512-byte headers and seeking over the contents, so an
// archive of many GB costs a few KB of reads and a map of member -> (offset, size). Handles
// ustar (with prefix), PAX 'x'/'g' records (path, linkpath, size) and GNU ././@LongLink L/K.
// Symlinks and hardlinks between members are resolved (docker-archive's <id>/layer.tar links).
// A header with a bad checksum, or a member running past the end, is a truncated or corrupt
// archive: ArchiveError, never a partial index. Missing end-of-archive blocks are accepted
// (Go's archive/tar and GNU tar accept them too).
// Spec: https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html#tag_20_92_13_06

import { ArchiveError, NotFoundError } from "../errors.js";
import { type ByteReader, sliceReader } from "./byte-reader.js";
import type { FileStore } from "./file-store.js";

const BLOCK = 512;
/** Largest PAX or GNU long-name body read (what the layer reader allows too): a header cannot make us read a whole archive. */
const MAX_META_BYTES = 1 << 20;
/** One decoder for every header field: indexing calls cstring several times per member. */
const UTF8 = new TextDecoder();

export interface TarMember {
  name: string;
  /** Offset of the member's data in the archive. */
  offset: number;
  size: number;
  /** '0' file, '1' hardlink, '2' symlink, '5' directory, ... */
  type: string;
  linkname: string;
}

function cstring(b: Uint8Array, off: number, len: number): string {
  let end = off;
  while (end < off + len && b[end] !== 0) end++;
  return UTF8.decode(b.subarray(off, end));
}

/**
 * A member's name or link target: NUL-terminated, and refused when a NUL is followed by more
 * bytes, since readers disagree on which member such a field names (the layer reader's rule).
 */
function nameField(b: Uint8Array, off: number, len: number, where: string, field: string, at: number): string {
  let end = off;
  while (end < off + len && b[end] !== 0) end++;
  for (let i = end + 1; i < off + len; i++)
    if (b[i] !== 0) throw new ArchiveError(where, `${field} of the member at byte ${at} has bytes after a NUL`);
  return UTF8.decode(b.subarray(off, end));
}

function octal(b: Uint8Array, off: number, len: number, where: string): number {
  // GNU base-256: high bit set on the first byte.
  if (b[off] & 0x80) {
    let v = b[off] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + b[off + i];
    return v;
  }
  const s = cstring(b, off, len).trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) throw new ArchiveError(where, `bad octal field ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

function checksumOk(h: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  const stored = cstring(h, 148, 8).trim();
  return /^[0-7]+$/.test(stored) && parseInt(stored, 8) === sum;
}

function parsePax(data: Uint8Array, where: string): Map<string, string> {
  // Records are "LEN KEY=VALUE\n" where LEN counts bytes, so walk bytes, not characters.
  const out = new Map<string, string>();
  let i = 0;
  while (i < data.length && data[i] !== 0) {
    let sp = i;
    while (sp < data.length && data[sp] !== 0x20) sp++;
    const len = Number(UTF8.decode(data.subarray(i, sp)));
    if (sp >= data.length || !Number.isInteger(len) || len <= sp - i || i + len > data.length) {
      throw new ArchiveError(where, "bad PAX extended header record");
    }
    const kv = UTF8.decode(data.subarray(sp + 1, i + len - 1));
    const eq = kv.indexOf("=");
    if (eq > 0) out.set(kv.slice(0, eq), kv.slice(eq + 1));
    i += len;
  }
  return out;
}

/** Normalise a member name: no leading "./" or "/", no trailing "/". */
export function normalizeName(name: string): string {
  return name
    .replace(/^(\.\/)+/, "")
    .replace(/^\/+/, "")
    .replace(/\/+$/, "");
}

/** Read every header of the tar in `reader`; `where` names it in errors. */
export async function indexTar(reader: ByteReader, where: string): Promise<Map<string, TarMember>> {
  const members = new Map<string, TarMember>();
  let pos = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, string>();
  const global = new Map<string, string>();
  while (pos + BLOCK <= reader.size) {
    const h = await reader.read(pos, BLOCK);
    if (h.length < BLOCK) throw new ArchiveError(where, `truncated header at byte ${pos}`);
    if (h.every((x) => x === 0)) break; // end-of-archive block
    if (!checksumOk(h)) throw new ArchiveError(where, `bad header checksum at byte ${pos} (corrupt or not a tar)`);
    const type = String.fromCharCode(h[156] || 0x30);
    let size = octal(h, 124, 12, where);
    const dataAt = pos + BLOCK;
    const paxSize = pax.get("size") ?? global.get("size");
    if (paxSize !== undefined && type !== "x" && type !== "g") {
      if (!/^\d{1,16}$/.test(paxSize)) throw new ArchiveError(where, `bad PAX size ${JSON.stringify(paxSize.slice(0, 40))} at byte ${pos}`);
      size = Number(paxSize);
    }
    if (dataAt + size > reader.size)
      throw new ArchiveError(where, `truncated: member at byte ${pos} needs ${size} bytes, archive ends at ${reader.size}`);
    const next = dataAt + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "x" || type === "g" || type === "L" || type === "K") {
      if (size > MAX_META_BYTES)
        throw new ArchiveError(where, `${type} header at byte ${pos} declares ${size} bytes, over the ${MAX_META_BYTES}-byte limit`);
      const data = await reader.read(dataAt, size);
      if (type === "x") pax = parsePax(data, where);
      else if (type === "g") for (const [k, v] of parsePax(data, where)) global.set(k, v);
      else if (type === "L") longName = nameField(data, 0, data.length, where, "GNU long name", pos);
      else longLink = nameField(data, 0, data.length, where, "GNU long link name", pos);
      pos = next;
      continue;
    }
    const magic = cstring(h, 257, 6);
    // POSIX ustar only ("ustar\0"): GNU's header ("ustar  ") keeps atime/ctime where ustar has the prefix.
    const prefix = magic === "ustar" ? nameField(h, 345, 155, where, "prefix", pos) : "";
    const base = nameField(h, 0, 100, where, "name", pos);
    const name = pax.get("path") ?? longName ?? (prefix ? `${prefix}/${base}` : base);
    const linkname = pax.get("linkpath") ?? longLink ?? nameField(h, 157, 100, where, "linkname", pos);
    const member = { name: normalizeName(name), offset: dataAt, size, type, linkname };
    members.set(member.name, member); // a later entry of the same name replaces an earlier one
    pax = new Map();
    longName = longLink = undefined;
    pos = next;
  }
  if (pos < reader.size && pos + BLOCK > reader.size)
    throw new ArchiveError(where, `truncated: ${reader.size - pos} stray bytes after the last member`);
  return members;
}

/** Resolve links so `name` leads to a regular file member. */
export function resolveMember(members: Map<string, TarMember>, name: string, where: string): TarMember {
  let m = members.get(normalizeName(name));
  for (let hops = 0; m && (m.type === "1" || m.type === "2"); hops++) {
    if (hops > 16) throw new ArchiveError(where, `${name}: too many levels of links`);
    const target = m.type === "2" && !m.linkname.startsWith("/") ? joinRelative(m.name, m.linkname) : normalizeName(m.linkname);
    m = members.get(target);
  }
  if (!m) throw new NotFoundError(`${where}: no member ${name}`, name);
  if (m.type !== "0" && m.type !== "7" && m.type !== "\0")
    throw new ArchiveError(where, `${name} is not a regular file (type ${JSON.stringify(m.type)})`);
  return m;
}

/** A symlink target relative to the link's own directory, with '..' applied. */
function joinRelative(linkName: string, target: string): string {
  const parts = linkName.split("/").slice(0, -1);
  for (const p of target.split("/")) {
    if (p === "..") parts.pop();
    else if (p !== "." && p !== "") parts.push(p);
  }
  return parts.join("/");
}

export type TarStore = FileStore & { members: Map<string, TarMember> };

/** A FileStore over an indexed tar: members are windows of the archive's reader. */
export async function tarStore(reader: ByteReader, where: string): Promise<TarStore> {
  const members = await indexTar(reader, where);
  return {
    name: where,
    members,
    async open(path) {
      const m = resolveMember(members, path, where);
      return sliceReader(reader, m.offset, m.size);
    },
    async exists(path) {
      return members.has(normalizeName(path));
    },
    async close() {
      await reader.close?.();
    },
  };
}
