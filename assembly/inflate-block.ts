// DEFLATE blocks (RFC 1951 section 3.2): block headers, dynamic code descriptions and the
// Huffman-coded data of fixed and dynamic blocks.
//
// Headers are read with a checked reader (need()), which refuses to read past the input;
// a header cut off by the end of the input is parsed again from its start once more input
// came, so it needs no partial state. The data loop refills the 64-bit buffer with one
// unaligned load per symbol, which leaves >= 56 bits: enough for the longest length code
// with its extra bits and the longest distance code with its extra bits (15+5+15+13).
// It runs only while 8 input bytes are left; a complete gzip member always has its 8-byte
// trailer after the last code, so a whole stream never stalls here.

import { InflateState, P_CODES, P_STORED, P_TRAILER, P_BLOCK } from "./inflate-state";
import {
  buildTable, E_LITERAL, E_SUBTABLE, E_END, E_INVALID, KIND_LITLEN, KIND_DIST, KIND_CODELEN,
  LITLEN_ROOT, LITLEN_ENTRIES, DIST_ROOT, DIST_ENTRIES, CODELEN_ROOT, CODELEN_ENTRIES,
} from "./inflate-huffman";
import {
  INFLATE_NEED_INPUT, INFLATE_ERR_BLOCK_TYPE, INFLATE_ERR_STORED_LENGTH, INFLATE_ERR_CODE_LENGTHS,
  INFLATE_ERR_SYMBOL, INFLATE_ERR_DISTANCE,
} from "./abi";

const CODELEN_ORDER = memory.data<u8>([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);

let fixedLit: usize = 0;
let fixedDist: usize = 0;

/** The fixed tables of RFC 1951 section 3.2.6, built once for the core's life. */
function fixedTables(z: InflateState): void {
  if (fixedLit != 0) return;
  fixedLit = changetype<usize>(heap.alloc(<usize>LITLEN_ENTRIES << 2));
  fixedDist = changetype<usize>(heap.alloc(<usize>DIST_ENTRIES << 2));
  const lens = z.lens;
  for (let i: usize = 0; i < 288; i++) store<u8>(lens + i, i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8);
  buildTable(lens, 288, fixedLit, LITLEN_ROOT, LITLEN_ENTRIES, KIND_LITLEN, z.scratch);
  // All 32 five-bit codes, so the code is complete; 30 and 31 decode as invalid entries.
  for (let i: usize = 0; i < 32; i++) store<u8>(lens + i, 5);
  buildTable(lens, 32, fixedDist, DIST_ROOT, DIST_ENTRIES, KIND_DIST, z.scratch);
}

/** Make at least n (<= 56) bits available; false when the input ends first. */
// @ts-ignore: decorator
@inline function need(z: InflateState, n: u32): bool {
  while (z.bits < n) {
    if (z.inPos >= z.inEnd) return false;
    z.bitbuf |= (<u64>load<u8>(z.inBuf + z.inPos)) << (<u64>z.bits);
    z.inPos++;
    z.bits += 8;
  }
  return true;
}

// @ts-ignore: decorator
@inline function take(z: InflateState, n: u32): u32 {
  const v = <u32>(z.bitbuf & (((<u64>1) << n) - 1));
  z.bitbuf >>= <u64>n;
  z.bits -= n;
  return v;
}

/** Give whole unread bytes of the bit buffer back to the input, dropping a partial byte. */
export function toBytes(z: InflateState): void {
  take(z, z.bits & 7);
  z.inPos -= <usize>(z.bits >> 3);
  z.bits = 0;
  z.bitbuf = 0;
}

/** Read a block header; 0 when the block's data phase is set, or a code. */
export function blockHeader(z: InflateState): i32 {
  const savedPos = z.inPos;
  const savedBits = z.bits;
  const savedBuf = z.bitbuf;
  const r = header(z);
  if (r == INFLATE_NEED_INPUT) {
    z.inPos = savedPos;
    z.bits = savedBits;
    z.bitbuf = savedBuf;
  }
  return r;
}

function header(z: InflateState): i32 {
  if (!need(z, 3)) return INFLATE_NEED_INPUT;
  z.lastBlock = take(z, 1);
  const type = take(z, 2);
  if (type == 0) {
    take(z, z.bits & 7);
    if (!need(z, 32)) return INFLATE_NEED_INPUT;
    const len = take(z, 16);
    const nlen = take(z, 16);
    if ((len ^ 0xffff) != nlen) return INFLATE_ERR_STORED_LENGTH;
    toBytes(z);
    z.storedLeft = len;
    z.phase = P_STORED;
    return 0;
  }
  if (type == 1) {
    fixedTables(z);
    z.lit = fixedLit;
    z.dist = fixedDist;
    z.phase = P_CODES;
    return 0;
  }
  if (type == 3) return INFLATE_ERR_BLOCK_TYPE;
  const r = dynamicTables(z);
  if (r != 0) return r;
  z.lit = z.dynLit;
  z.dist = z.dynDist;
  z.phase = P_CODES;
  return 0;
}

function dynamicTables(z: InflateState): i32 {
  if (!need(z, 14)) return INFLATE_NEED_INPUT;
  const hlit = take(z, 5) + 257;
  const hdist = take(z, 5) + 1;
  const hclen = take(z, 4) + 4;
  if (hlit > 286 || hdist > 30) return INFLATE_ERR_CODE_LENGTHS;
  const lens = z.lens;
  memory.fill(lens, 0, 19);
  for (let i: u32 = 0; i < hclen; i++) {
    if (!need(z, 3)) return INFLATE_NEED_INPUT;
    store<u8>(lens + <usize>load<u8>(CODELEN_ORDER + i), <u8>take(z, 3));
  }
  if (!buildTable(lens, 19, z.codeLen, CODELEN_ROOT, CODELEN_ENTRIES, KIND_CODELEN, z.scratch)) return INFLATE_ERR_CODE_LENGTHS;
  const total = hlit + hdist;
  let i: u32 = 0;
  while (i < total) {
    if (!need(z, 14)) {
      // Near the end of the input the last symbol may be shorter than 14 bits.
      if (!need(z, 1)) return INFLATE_NEED_INPUT;
    }
    const e = load<u32>(z.codeLen + ((<usize>(z.bitbuf & 127)) << 2));
    if ((e & E_INVALID) != 0) return INFLATE_ERR_CODE_LENGTHS;
    const drop = e & 0xff;
    if (drop > z.bits) return INFLATE_NEED_INPUT;
    take(z, drop);
    const sym = e >> 16;
    if (sym < 16) {
      store<u8>(lens + i, <u8>sym);
      i++;
      continue;
    }
    let rep: u32;
    let val: u8 = 0;
    if (sym == 16) {
      if (i == 0) return INFLATE_ERR_CODE_LENGTHS;
      if (!need(z, 2)) return INFLATE_NEED_INPUT;
      val = load<u8>(lens + i - 1);
      rep = 3 + take(z, 2);
    } else if (sym == 17) {
      if (!need(z, 3)) return INFLATE_NEED_INPUT;
      rep = 3 + take(z, 3);
    } else {
      if (!need(z, 7)) return INFLATE_NEED_INPUT;
      rep = 11 + take(z, 7);
    }
    if (i + rep > total) return INFLATE_ERR_CODE_LENGTHS;
    memory.fill(lens + i, val, rep);
    i += rep;
  }
  if (load<u8>(lens + 256) == 0) return INFLATE_ERR_CODE_LENGTHS;
  if (!buildTable(lens, hlit, z.dynLit, LITLEN_ROOT, LITLEN_ENTRIES, KIND_LITLEN, z.scratch)) return INFLATE_ERR_CODE_LENGTHS;
  if (!buildTable(lens + hlit, hdist, z.dynDist, DIST_ROOT, DIST_ENTRIES, KIND_DIST, z.scratch)) return INFLATE_ERR_CODE_LENGTHS;
  return 0;
}

/**
 * Decode the Huffman-coded data of the current block until `outLimit` or the end of the
 * block; 0 when it stopped for output room or at the end of the block (phase moved on),
 * INFLATE_NEED_INPUT when fewer than 8 input bytes are left, or an error code.
 * `history` bytes before `pos` belong to the member and may be referenced.
 */
export function codes(z: InflateState, outLimit: usize, history: usize): i32 {
  let bb = z.bitbuf;
  let bits = <u64>z.bits;
  let ip = z.inBuf + z.inPos;
  const inLast = z.inBuf + z.inEnd; // ip + 8 <= inLast for a refill
  let out = z.win + z.pos;
  const lowest = out - history;
  const lt = z.lit;
  const dt = z.dist;
  const litMask: u64 = (1 << LITLEN_ROOT) - 1;
  const distMask: u64 = (1 << DIST_ROOT) - 1;
  let r: i32 = 0;
  while (out < outLimit) {
    if (ip + 8 > inLast) {
      // The last bytes of the input: one symbol at a time, each checked against the bits left.
      z.bitbuf = bb;
      z.bits = <u32>bits;
      z.inPos = ip - z.inBuf;
      z.pos = out - z.win;
      r = tailSymbol(z, lowest);
      bb = z.bitbuf;
      bits = <u64>z.bits;
      ip = z.inBuf + z.inPos;
      out = z.win + z.pos;
      if (r != 0 || z.phase != P_CODES) break;
      continue;
    }
    bb |= load<u64>(ip) << bits;
    ip += <usize>((63 - bits) >> 3);
    bits |= 56;
    let e = load<u32>(lt + (<usize>(bb & litMask) << 2));
    if ((e & E_SUBTABLE) != 0) {
      bb >>= <u64>LITLEN_ROOT;
      bits -= <u64>LITLEN_ROOT;
      e = load<u32>(lt + ((<usize>(e >> 16) + <usize>(bb & (((<u64>1) << ((e >> 8) & 15)) - 1))) << 2));
    }
    bb >>= <u64>(e & 0xff);
    bits -= <u64>(e & 0xff);
    if ((e & E_LITERAL) != 0) {
      store<u8>(out, <u8>(e >> 16));
      out++;
      // A second literal from the same refill when the buffer still holds a whole code.
      if (bits >= 15) {
        const e2 = load<u32>(lt + (<usize>(bb & litMask) << 2));
        if ((e2 & E_LITERAL) != 0) {
          bb >>= <u64>(e2 & 0xff);
          bits -= <u64>(e2 & 0xff);
          store<u8>(out, <u8>(e2 >> 16));
          out++;
        }
      }
      continue;
    }
    if ((e & (E_END | E_INVALID)) != 0) {
      if ((e & E_INVALID) != 0) {
        r = INFLATE_ERR_SYMBOL;
        break;
      }
      z.phase = z.lastBlock ? P_TRAILER : P_BLOCK;
      break;
    }
    const lx = <u64>((e >> 8) & 15);
    const len = <usize>(e >> 16) + <usize>(bb & ((<u64>1 << lx) - 1));
    bb >>= lx;
    bits -= lx;
    let d = load<u32>(dt + (<usize>(bb & distMask) << 2));
    if ((d & E_SUBTABLE) != 0) {
      bb >>= <u64>DIST_ROOT;
      bits -= <u64>DIST_ROOT;
      d = load<u32>(dt + ((<usize>(d >> 16) + <usize>(bb & (((<u64>1) << ((d >> 8) & 15)) - 1))) << 2));
    }
    if ((d & E_INVALID) != 0) {
      r = INFLATE_ERR_SYMBOL;
      break;
    }
    bb >>= <u64>(d & 0xff);
    bits -= <u64>(d & 0xff);
    const dx = <u64>((d >> 8) & 15);
    const dist = <usize>(d >> 16) + <usize>(bb & ((<u64>1 << dx) - 1));
    bb >>= dx;
    bits -= dx;
    if (dist > out - lowest) {
      r = INFLATE_ERR_DISTANCE;
      break;
    }
    out = copyMatch(out, dist, len);
  }
  z.bitbuf = bb;
  z.bits = <u32>bits;
  z.inPos = ip - z.inBuf;
  z.pos = out - z.win;
  return r;
}


/** Copy a match; wide stores may run up to 15 bytes past the end (the window has slack). */
// @ts-ignore: decorator
@inline function copyMatch(out: usize, dist: usize, len: usize): usize {
  let src = out - dist;
  const end = out + len;
  if (dist >= 16) {
    do {
      store<u64>(out, load<u64>(src));
      store<u64>(out, load<u64>(src, 8), 8);
      out += 16;
      src += 16;
    } while (out < end);
  } else if (dist >= 8) {
    do {
      store<u64>(out, load<u64>(src));
      out += 8;
      src += 8;
    } while (out < end);
  } else if (dist == 1) {
    memory.fill(out, load<u8>(src), len);
  } else {
    for (let k: usize = 0; k < len; k++) store<u8>(out + k, load<u8>(src + k));
  }
  return end;
}

// @ts-ignore: decorator
@inline function lookup(table: usize, bb: u64, root: u32): u64 {
  // Returns the entry in the low 32 bits and the bits it spans (root included) above.
  let e = load<u32>(table + (<usize>(bb & (((<u64>1) << root) - 1)) << 2));
  let used: u32 = 0;
  if ((e & E_SUBTABLE) != 0) {
    used = root;
    e = load<u32>(table + ((<usize>(e >> 16) + <usize>((bb >> <u64>root) & (((<u64>1) << ((e >> 8) & 15)) - 1))) << 2));
  }
  return (<u64>(used + (e & 0xff)) << 32) | <u64>e;
}

/** One symbol near the end of the input, committed only when all its bits are there. */
function tailSymbol(z: InflateState, lowest: usize): i32 {
  while (z.bits <= 56 && z.inPos < z.inEnd) {
    z.bitbuf |= (<u64>load<u8>(z.inBuf + z.inPos)) << (<u64>z.bits);
    z.inPos++;
    z.bits += 8;
  }
  const bb = z.bitbuf;
  const bits = z.bits;
  const le = lookup(z.lit, bb, LITLEN_ROOT);
  const e = <u32>le;
  let used = <u32>(le >> 32);
  if (used > bits) return INFLATE_NEED_INPUT;
  if ((e & E_INVALID) != 0) return INFLATE_ERR_SYMBOL;
  const out = z.win + z.pos;
  if ((e & E_LITERAL) != 0) {
    store<u8>(out, <u8>(e >> 16));
    z.pos++;
  } else if ((e & E_END) != 0) {
    z.phase = z.lastBlock ? P_TRAILER : P_BLOCK;
  } else {
    const lx = (e >> 8) & 15;
    const len = <usize>(e >> 16) + <usize>((bb >> <u64>used) & (((<u64>1) << lx) - 1));
    used += lx;
    const de = lookup(z.dist, bb >> <u64>used, DIST_ROOT);
    const d = <u32>de;
    used += <u32>(de >> 32);
    const dx = (d >> 8) & 15;
    if (used + dx > bits) return INFLATE_NEED_INPUT;
    if ((d & E_INVALID) != 0) return INFLATE_ERR_SYMBOL;
    const dist = <usize>(d >> 16) + <usize>((bb >> <u64>used) & (((<u64>1) << dx) - 1));
    used += dx;
    if (dist > out - lowest) return INFLATE_ERR_DISTANCE;
    z.pos = copyMatch(out, dist, len) - z.win;
  }
  z.bitbuf = bb >> <u64>used;
  z.bits = bits - used;
  return 0;
}
