// Canonical Huffman decoding tables for DEFLATE (RFC 1951 section 3.2.2), two levels.
//
// A table is indexed by the next `root` input bits (LSB first, as DEFLATE packs codes
// bit-reversed). Codes up to `root` bits are replicated across every index that starts with
// them; longer codes share a root entry that points at a subtable indexed by the bits after
// the root. Subtables are sized as zlib's inflate_table sizes them (just big enough for the
// codes that share the prefix), so a code of any length costs at most two loads.
//
// Entry (u32):   bits 0-7   bits to drop (code length, or `root` for a subtable link)
//                bits 8-11  extra bits after the code (lengths, distances) / subtable bits
//                bits 12-15 kind: LITERAL, SUBTABLE, END_OF_BLOCK, INVALID (0: length/distance)
//                bits 16-31 literal byte, length or distance base, code-length symbol,
//                           or the subtable's first entry
// Invalid entries are the byte 0x80 repeated, so a table is cleared with one memory.fill.

export const E_LITERAL: u32 = 0x1000;
export const E_SUBTABLE: u32 = 0x2000;
export const E_END: u32 = 0x4000;
export const E_INVALID: u32 = 0x8000;
const INVALID_BYTE: u8 = 0x80;

export const KIND_LITLEN: u32 = 0;
export const KIND_DIST: u32 = 1;
export const KIND_CODELEN: u32 = 2;

/** Root bits and entry capacity per table (zlib's ENOUGH bounds are 1332 and 592 for these
 *  roots; the capacities leave room and the builder checks them anyway). */
export const LITLEN_ROOT: u32 = 10;
export const LITLEN_ENTRIES: u32 = 2048;
export const DIST_ROOT: u32 = 8;
export const DIST_ENTRIES: u32 = 1024;
export const CODELEN_ROOT: u32 = 7;
export const CODELEN_ENTRIES: u32 = 128;

// RFC 1951 section 3.2.5: length and distance bases with their extra bits.
const LEN_BASE = memory.data<u16>([3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
  131, 163, 195, 227, 258]);
const LEN_EXTRA = memory.data<u8>([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]);
const DIST_BASE = memory.data<u16>([1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025,
  1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]);
const DIST_EXTRA = memory.data<u8>([0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12,
  12, 13, 13]);

/** Scratch for one build: counts[16] and remaining[16] (u16), then sorted symbols (u16). */
export const BUILD_SCRATCH_BYTES: usize = 64 + 2 * 320;

function entryFor(kind: u32, sym: u32, drop: u32): u32 {
  if (kind == KIND_CODELEN) return (sym << 16) | drop;
  if (kind == KIND_DIST) {
    if (sym >= 30) return E_INVALID | drop;
    return ((<u32>load<u16>(DIST_BASE + (<usize>sym << 1))) << 16) | ((<u32>load<u8>(DIST_EXTRA + <usize>sym)) << 8) | drop;
  }
  if (sym < 256) return E_LITERAL | (sym << 16) | drop;
  if (sym == 256) return E_END | drop;
  if (sym >= 286) return E_INVALID | drop;
  const i = <usize>(sym - 257);
  return ((<u32>load<u16>(LEN_BASE + (i << 1))) << 16) | ((<u32>load<u8>(LEN_EXTRA + i)) << 8) | drop;
}

function reverseBits(code: u32, len: u32): u32 {
  let r: u32 = 0;
  for (let i: u32 = 0; i < len; i++) {
    r = (r << 1) | (code & 1);
    code >>= 1;
  }
  return r;
}

/**
 * Build the table for `n` code lengths (u8 each at `lens`). Returns false for an
 * over-subscribed set, or an incomplete one other than a single one-bit code (which
 * RFC 1951 allows for distances and zlib for both data alphabets; never for code lengths).
 */
export function buildTable(lens: usize, n: u32, table: usize, root: u32, cap: u32, kind: u32, scratch: usize): bool {
  const counts = scratch;
  const remaining = scratch + 32;
  const sorted = scratch + 64;
  memory.fill(counts, 0, 64);
  for (let s: u32 = 0; s < n; s++) {
    const l = <usize>load<u8>(lens + s);
    store<u16>(counts + (l << 1), load<u16>(counts + (l << 1)) + 1);
  }
  let maxLen: u32 = 0;
  let left: i32 = 1;
  for (let l: u32 = 1; l <= 15; l++) {
    const c = <i32>load<u16>(counts + (<usize>l << 1));
    if (c != 0) maxLen = l;
    left = (left << 1) - c;
    if (left < 0) return false;
  }
  memory.fill(table, INVALID_BYTE, <usize>(1 << root) << 2);
  if (maxLen == 0) return kind != KIND_CODELEN; // no codes: every lookup is invalid
  if (left > 0 && (kind == KIND_CODELEN || maxLen != 1)) return false;
  // Symbols sorted by (length, symbol): canonical code order.
  let off: u32 = 0;
  for (let l: u32 = 1; l <= 15; l++) {
    const c = <u32>load<u16>(counts + (<usize>l << 1));
    store<u16>(remaining + (<usize>l << 1), <u16>off); // start offsets, for now
    off += c;
  }
  for (let s: u32 = 0; s < n; s++) {
    const l = <usize>load<u8>(lens + s);
    if (l == 0) continue;
    const at = <usize>load<u16>(remaining + (l << 1));
    store<u16>(sorted + (at << 1), <u16>s);
    store<u16>(remaining + (l << 1), <u16>(at + 1));
  }
  memory.copy(remaining, counts, 32);
  const rootSize: u32 = 1 << root;
  const rootMask: u32 = rootSize - 1;
  let next: u32 = rootSize; // first free entry for subtables
  let subPrefix: u32 = 0xffffffff;
  let subOff: u32 = 0;
  let subBits: u32 = 0;
  let code: u32 = 0;
  let i: u32 = 0;
  for (let l: u32 = 1; l <= maxLen; l++) {
    const c = <u32>load<u16>(counts + (<usize>l << 1));
    for (let k: u32 = 0; k < c; k++) {
      const sym = <u32>load<u16>(sorted + (<usize>i << 1));
      i++;
      const rev = reverseBits(code, l);
      if (l <= root) {
        const e = entryFor(kind, sym, l);
        for (let j = rev; j < rootSize; j += 1 << l) store<u32>(table + (<usize>j << 2), e);
      } else {
        const prefix = rev & rootMask;
        if (prefix != subPrefix) {
          subBits = l - root;
          let room: i32 = 1 << subBits;
          while (subBits + root < maxLen) {
            room -= <i32>load<u16>(remaining + (<usize>(subBits + root) << 1));
            if (room <= 0) break;
            subBits++;
            room <<= 1;
          }
          subOff = next;
          next += 1 << subBits;
          if (next > cap) return false;
          store<u32>(table + (<usize>prefix << 2), E_SUBTABLE | (subOff << 16) | (subBits << 8) | root);
          subPrefix = prefix;
        }
        const e = entryFor(kind, sym, l - root);
        const size: u32 = 1 << subBits;
        for (let j = rev >> root; j < size; j += 1 << (l - root)) store<u32>(table + (<usize>(subOff + j) << 2), e);
      }
      store<u16>(remaining + (<usize>l << 1), load<u16>(remaining + (<usize>l << 1)) - 1);
      code++;
    }
    code <<= 1;
  }
  return true;
}
