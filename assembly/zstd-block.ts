// Compressed_Block decoding (RFC 8878 section 3.1.1.3): the literals section, the
// sequences section header with its three symbol tables, and the execution of sequences
// into the window.
//
// Bounds, all checked before any write: literals <= Block_Maximum_Size; each sequence's
// literals come from the decoded literals; the block's output stays within
// Block_Maximum_Size of the block start; a match offset reaches no further back than the
// first byte of the frame's output that the window still holds. Every sequence writes at
// least 3 bytes (Match_Length >= 3), so the work per block is bounded by its output.

import { ZstdState } from "./zstd-state";
import { bitInit, bitReload, bitUsedUp, bitRestore, bitStart, bitPtr, bitContainer, bitConsumed } from "./zstd-bits";
import { fseReadDescription, fseBuild, fseLog, fseMaxSymbol, LL_DEFAULT_LOG, ML_DEFAULT_LOG, OF_DEFAULT_LOG } from "./zstd-fse";
import { seqWiden, seqRle, LL_SEQ_DEFAULT, OF_SEQ_DEFAULT, ML_SEQ_DEFAULT, FIELD_LL, FIELD_OF, FIELD_ML } from "./zstd-seq-table";
import { hufReadTable, hufDecode, hufLog } from "./zstd-huffman";
import { MAX_LL, MAX_ML, MAX_OF, LL_MAX_LOG, ML_MAX_LOG, OF_MAX_LOG } from "./zstd-sizes";
import { ZSTD_ERR_LITERALS, ZSTD_ERR_HUFFMAN, ZSTD_ERR_FSE, ZSTD_ERR_SEQUENCES, ZSTD_ERR_OFFSET, ZSTD_ERR_OVERRUN } from "./abi";

const MODE_PREDEFINED: u32 = 0;
const MODE_RLE: u32 = 1;
const MODE_COMPRESSED: u32 = 2;

/** Where the literals of the block being decoded are (raw literals stay in the input). */
let litPtr: usize = 0;
let litLen: usize = 0;

/** Decode the literals section; returns its size in bytes or a negative code. */
function literals(z: ZstdState, src: usize, size: usize): i32 {
  const b0 = <u32>load<u8>(src);
  const type = b0 & 3;
  const format = (b0 >> 2) & 3;
  if (type < 2) {
    let header: usize, n: usize;
    if ((format & 1) == 0) {
      header = 1;
      n = <usize>(b0 >> 3);
    } else if (format == 1) {
      header = 2;
      n = <usize>((b0 >> 4) + ((<u32>load<u8>(src + 1)) << 4));
    } else {
      header = 3;
      if (size < (type == 0 ? 3 : 4)) return ZSTD_ERR_LITERALS;
      n = <usize>((b0 >> 4) + ((<u32>load<u8>(src + 1)) << 4) + ((<u32>load<u8>(src + 2)) << 12));
    }
    if (n > <usize>z.blockMax) return ZSTD_ERR_LITERALS;
    if (type == 0) {
      if (header + n > size) return ZSTD_ERR_LITERALS;
      litPtr = src + header;
      litLen = n;
      return <i32>(header + n);
    }
    if (header + 1 > size) return ZSTD_ERR_LITERALS;
    memory.fill(z.litBuf, load<u8>(src + header), n);
    litPtr = z.litBuf;
    litLen = n;
    return <i32>(header + 1);
  }
  // Compressed (2) or Treeless (3, reusing the previous Huffman table).
  if (type == 3 && !z.hufValid) return ZSTD_ERR_HUFFMAN;
  if (size < 5) return ZSTD_ERR_LITERALS;
  const h = load<u32>(src);
  let header: usize, n: usize, csize: usize;
  if (format < 2) {
    header = 3;
    n = <usize>((h >> 4) & 0x3ff);
    csize = <usize>((h >> 14) & 0x3ff);
  } else if (format == 2) {
    header = 4;
    n = <usize>((h >> 4) & 0x3fff);
    csize = <usize>(h >> 18);
  } else {
    header = 5;
    n = <usize>((h >> 4) & 0x3ffff);
    csize = <usize>((h >> 22) + ((<u32>load<u8>(src + 4)) << 10));
  }
  const four = format != 0;
  if (n > <usize>z.blockMax) return ZSTD_ERR_LITERALS;
  if (four && n < 6) return ZSTD_ERR_LITERALS;
  if (header + csize > size) return ZSTD_ERR_LITERALS;
  let stream = src + header;
  let streamSize = csize;
  if (type == 2) {
    const t = hufReadTable(stream, streamSize, z.huf, z.scratch);
    if (t < 0 || <usize>t >= streamSize) return ZSTD_ERR_HUFFMAN;
    z.hufLog = hufLog;
    z.hufValid = 1;
    stream += <usize>t;
    streamSize -= <usize>t;
  }
  if (!hufDecode(stream, streamSize, z.litBuf, n, z.huf, z.hufLog, four)) return ZSTD_ERR_HUFFMAN;
  litPtr = z.litBuf;
  litLen = n;
  return <i32>(header + csize);
}

/** Select one field's table for this block; returns the bytes its description used or a code. */
function table(z: ZstdState, field: u32, mode: u32, src: usize, size: usize): i32 {
  const maxSymbol = field == FIELD_LL ? MAX_LL : field == FIELD_OF ? MAX_OF : MAX_ML;
  const space = field == FIELD_LL ? z.llSpace : field == FIELD_OF ? z.ofSpace : z.mlSpace;
  let t: usize;
  let log: u32 = 0, used: i32 = 0;
  if (mode == MODE_PREDEFINED) {
    t = field == FIELD_LL ? LL_SEQ_DEFAULT : field == FIELD_OF ? OF_SEQ_DEFAULT : ML_SEQ_DEFAULT;
    log = field == FIELD_LL ? LL_DEFAULT_LOG : field == FIELD_OF ? OF_DEFAULT_LOG : ML_DEFAULT_LOG;
  } else if (mode == MODE_RLE) {
    if (size < 1) return ZSTD_ERR_SEQUENCES;
    const symbol = <u32>load<u8>(src);
    if (symbol > maxSymbol) return ZSTD_ERR_SEQUENCES;
    seqRle(space, symbol, field);
    t = space;
    used = 1;
  } else if (mode == MODE_COMPRESSED) {
    const maxLog = field == FIELD_LL ? LL_MAX_LOG : field == FIELD_OF ? OF_MAX_LOG : ML_MAX_LOG;
    used = fseReadDescription(src, size, z.scratch, maxSymbol, maxLog);
    if (used < 0) return ZSTD_ERR_FSE;
    log = fseLog;
    fseBuild(space, z.scratch, fseMaxSymbol, log, z.scratch + 512);
    seqWiden(space, log, field);
    t = space;
  } else {
    // Repeat: the table of the last block that had sequences.
    if (!z.seqValid) return ZSTD_ERR_SEQUENCES;
    return 0;
  }
  if (field == FIELD_LL) { z.llTable = t; z.llLog = log; }
  else if (field == FIELD_OF) { z.ofTable = t; z.ofLog = log; }
  else { z.mlTable = t; z.mlLog = log; }
  return used;
}

/** `n` bits (n <= 56 after a refill) from the top of a backward container, `used` bits in. */
// @ts-ignore: decorator
@inline function peek(container: u64, used: u32, n: u32): u32 {
  return <u32>(((container << ((<u64>used) & 63)) >> 1) >> (63 - <u64>n));
}

/**
 * `n` bits (n <= 16) as zstd's BIT_readBits extracts them (shift right, then mask): the
 * same bits as peek() while the stream has them. Past the stream's start the two differ,
 * and the state updates read this way there, so a stream that runs out before its last
 * sequence gets the reference decoder's (x86-64 build) values and with them its verdict.
 */
// @ts-ignore: decorator
@inline function peekMasked(container: u64, used: u32, n: u32): u32 {
  return <u32>((container >> ((<u64>(64 - used - n)) & 63)) & (((<u64>1) << n) - 1));
}

/** Copy 16 bytes as two words (may overlap the source only from 16 bytes on). */
// @ts-ignore: decorator
@inline function copy16(dst: usize, src: usize): void {
  const a = load<u64>(src);
  const b = load<u64>(src + 8);
  store<u64>(dst, a);
  store<u64>(dst + 8, b);
}

/** Copy `n` bytes of a match from `offset` back; may write up to 16 bytes past dst + n. */
// @ts-ignore: decorator
@inline function copyMatch(dst: usize, offset: usize, n: usize): void {
  let src = dst - offset;
  const end = dst + n;
  if (offset >= 16) {
    if (n > 256 && offset >= n) {
      memory.copy(dst, src, n);
      return;
    }
    do {
      copy16(dst, src);
      dst += 16;
      src += 16;
    } while (dst < end);
    return;
  }
  if (offset < 8) {
    // A short period: write the smallest multiple of it that is >= 8 bytewise; from there a
    // source that many bytes back holds the same pattern and is a whole word behind.
    const step = offset * ((8 + offset - 1) / offset);
    const head = step < n ? step : n;
    for (let i: usize = 0; i < head; i++) store<u8>(dst + i, load<u8>(src + i));
    if (head == n) return;
    dst += head;
    src = dst - step;
  }
  do {
    store<u64>(dst, load<u64>(src));
    dst += 8;
    src += 8;
  } while (dst < end);
}

/** Decode and execute the sequences section; returns the block's output size or a code. */
function sequences(z: ZstdState, src: usize, size: usize, dst: usize, history: usize): i32 {
  if (size < 1) return ZSTD_ERR_SEQUENCES;
  let nbSeq = <u32>load<u8>(src);
  let p: usize = 1;
  if (nbSeq > 127) {
    if (nbSeq == 255) {
      if (p + 2 > size) return ZSTD_ERR_SEQUENCES;
      nbSeq = (<u32>load<u16>(src + 1)) + 0x7f00;
      p = 3;
    } else {
      if (p >= size) return ZSTD_ERR_SEQUENCES;
      nbSeq = ((nbSeq - 128) << 8) + <u32>load<u8>(src + 1);
      p = 2;
    }
  }
  const oend = dst + <usize>z.blockMax;
  if (nbSeq == 0) {
    if (p != size) return ZSTD_ERR_SEQUENCES;
    if (litLen > oend - dst) return ZSTD_ERR_OVERRUN;
    memory.copy(dst, litPtr, litLen);
    return <i32>litLen;
  }
  if (p + 1 > size) return ZSTD_ERR_SEQUENCES;
  // The two low bits are reserved; zstd 1.5.4 (the CLI these verdicts follow) ignores them.
  const modes = <u32>load<u8>(src + p);
  p++;
  let used = table(z, FIELD_LL, modes >> 6, src + p, size - p);
  if (used < 0) return used;
  p += <usize>used;
  used = table(z, FIELD_OF, (modes >> 4) & 3, src + p, size - p);
  if (used < 0) return used;
  p += <usize>used;
  used = table(z, FIELD_ML, (modes >> 2) & 3, src + p, size - p);
  if (used < 0) return used;
  p += <usize>used;
  z.seqValid = 1;

  if (!bitInit(src + p, size - p)) return ZSTD_ERR_SEQUENCES;
  // The bit reader lives in locals here (the hot loop); each refill is zstd-bits.ts's
  // bitReload written out.
  const start = bitStart;
  let bp = bitPtr;
  let bc = bitContainer;
  let bn = bitConsumed;
  const llT = z.llTable, ofT = z.ofTable, mlT = z.mlTable;
  let llS = peekMasked(bc, bn, z.llLog);
  bn += z.llLog;
  let ofS = peekMasked(bc, bn, z.ofLog);
  bn += z.ofLog;
  let mlS = peekMasked(bc, bn, z.mlLog);
  bn += z.mlLog;
  if (bn <= 64) {
    if (bp >= start + 8) {
      bp -= <usize>(bn >> 3);
      bn &= 7;
      bc = load<u64>(bp);
    } else if (bp != start) {
      let nb = <usize>(bn >> 3);
      if (bp - nb < start) nb = bp - start;
      bp -= nb;
      bn -= <u32>(nb << 3);
      bc = load<u64>(bp);
    }
  }
  let rep0 = z.rep0, rep1 = z.rep1, rep2 = z.rep2;
  let op = dst;
  let lp = litPtr;
  const lend = litPtr + litLen;
  for (let i = nbSeq; i > 0; i--) {
    const llE = load<u64>(llT + ((<usize>llS) << 3));
    const ofE = load<u64>(ofT + ((<usize>ofS) << 3));
    const mlE = load<u64>(mlT + ((<usize>mlS) << 3));
    const ofExtra = (<u32>ofE) >> 24;
    const ofValue = <u32>(ofE >> 32) + peek(bc, bn, ofExtra);
    bn += ofExtra;
    const mlExtra = (<u32>mlE) >> 24;
    const ml = <usize>(<u32>(mlE >> 32) + peek(bc, bn, mlExtra));
    bn += mlExtra;
    const llExtra = (<u32>llE) >> 24;
    // As zstd's decoder: a refill before the literal length only when the three values'
    // extra bits and the state bits could together exceed the 57 a refill guarantees.
    if (ofExtra + mlExtra + llExtra >= 57 - (LL_MAX_LOG + ML_MAX_LOG + OF_MAX_LOG) && bn <= 64) {
      if (bp >= start + 8) {
        bp -= <usize>(bn >> 3);
        bn &= 7;
        bc = load<u64>(bp);
      } else if (bp != start) {
        let nb = <usize>(bn >> 3);
        if (bp - nb < start) nb = bp - start;
        bp -= nb;
        bn -= <u32>(nb << 3);
        bc = load<u64>(bp);
      }
    }
    const ll = <usize>(<u32>(llE >> 32) + peek(bc, bn, llExtra));
    bn += llExtra;
    let offset: u32;
    if (ofValue > 3) {
      offset = ofValue - 3;
      rep2 = rep1;
      rep1 = rep0;
      rep0 = offset;
    } else {
      const index = ofValue - (ll == 0 ? 0 : 1);
      if (index == 0) {
        offset = rep0;
      } else if (index == 1) {
        offset = rep1;
        rep1 = rep0;
        rep0 = offset;
      } else {
        offset = index == 2 ? rep2 : rep0 - 1;
        // rep0 - 1 may be 0, which is no offset: refused below as ZSTD_ERR_OFFSET.
        rep2 = rep1;
        rep1 = rep0;
        rep0 = offset;
      }
    }
    // zstd 1.5.4 updates the states after the last sequence too, so the bits it reads
    // there may run past the stream's start; its verdicts are followed (see below).
    const llNb = ((<u32>llE) >> 16) & 0xff;
    llS = ((<u32>llE) & 0xffff) + peekMasked(bc, bn, llNb);
    bn += llNb;
    const mlNb = ((<u32>mlE) >> 16) & 0xff;
    mlS = ((<u32>mlE) & 0xffff) + peekMasked(bc, bn, mlNb);
    bn += mlNb;
    const ofNb = ((<u32>ofE) >> 16) & 0xff;
    ofS = ((<u32>ofE) & 0xffff) + peekMasked(bc, bn, ofNb);
    bn += ofNb;
    if (bn <= 64) {
      if (bp >= start + 8) {
        bp -= <usize>(bn >> 3);
        bn &= 7;
        bc = load<u64>(bp);
      } else if (bp != start) {
        let nb = <usize>(bn >> 3);
        if (bp - nb < start) nb = bp - start;
        bp -= nb;
        bn -= <u32>(nb << 3);
        bc = load<u64>(bp);
      }
    }
    if (ll > lend - lp) return ZSTD_ERR_OVERRUN;
    if (ll + ml > oend - op) return ZSTD_ERR_OVERRUN;
    // Literals in 16-byte steps: the literal buffer and the input have SLACK bytes past
    // their ends, the window SLACK past the block's bound, and the match overwrites the tail.
    copy16(op, lp);
    if (ll > 16) {
      if (ll <= 64) {
        let d = op + 16, s = lp + 16;
        const e = op + ll;
        do {
          copy16(d, s);
          d += 16;
          s += 16;
        } while (d < e);
      } else {
        memory.copy(op, lp, ll);
      }
    }
    op += ll;
    lp += ll;
    if (offset == 0 || <usize>offset > op - history) return ZSTD_ERR_OFFSET;
    copyMatch(op, <usize>offset, ml);
    op += ml;
  }
  // The stream must be used up: every bit consumed, possibly more (the reads past the start
  // return the start's bits again, never memory outside the stream). Together with the
  // extra state update above this is zstd 1.5.4's rule, whose CLI is the oracle here.
  bitRestore(start, bp, bc, bn);
  bitReload();
  if (!bitUsedUp()) return ZSTD_ERR_SEQUENCES;
  const rest = lend - lp;
  if (rest > oend - op) return ZSTD_ERR_OVERRUN;
  memory.copy(op, lp, rest);
  op += rest;
  z.rep0 = rep0;
  z.rep1 = rep1;
  z.rep2 = rep2;
  return <i32>(op - dst);
}

/**
 * Decode one Compressed_Block of `size` bytes at `src` into `dst` (where the window's
 * `history` starts). Returns the regenerated size or a negative code.
 */
export function decodeCompressedBlock(z: ZstdState, src: usize, size: usize, dst: usize, history: usize): i32 {
  if (size < 2) return ZSTD_ERR_LITERALS;
  const used = literals(z, src, size);
  if (used < 0) return used;
  return sequences(z, src + <usize>used, size - <usize>used, dst, history);
}
