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
import { bitInit, bitRead, bitReload, bitUsedUp } from "./zstd-bits";
import { fseReadDescription, fseBuild, fseBuildRle, fseLog, fseMaxSymbol,
  LL_DEFAULT_TABLE, ML_DEFAULT_TABLE, OF_DEFAULT_TABLE, LL_DEFAULT_LOG, ML_DEFAULT_LOG, OF_DEFAULT_LOG } from "./zstd-fse";
import { hufReadTable, hufDecode, hufLog } from "./zstd-huffman";
import { MAX_LL, MAX_ML, MAX_OF, LL_MAX_LOG, ML_MAX_LOG, OF_MAX_LOG } from "./zstd-sizes";
import { ZSTD_ERR_LITERALS, ZSTD_ERR_HUFFMAN, ZSTD_ERR_FSE, ZSTD_ERR_SEQUENCES, ZSTD_ERR_OFFSET, ZSTD_ERR_OVERRUN } from "./abi";

// Literals_Length and Match_Length codes: baseline and extra bits (RFC 8878 section 3.1.1.3.2.1.1).
const LL_BASE = memory.data<u32>([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64,
  128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536,
]);
const LL_BITS = memory.data<u8>([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11,
  12, 13, 14, 15, 16,
]);
const ML_BASE = memory.data<u32>([
  3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
  28, 29, 30, 31, 32, 33, 34, 35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027,
  2051, 4099, 8195, 16387, 32771, 65539,
]);
const ML_BITS = memory.data<u8>([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
]);

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
  const maxSymbol = field == 0 ? MAX_LL : field == 1 ? MAX_OF : MAX_ML;
  const space = field == 0 ? z.llSpace : field == 1 ? z.ofSpace : z.mlSpace;
  let t: usize;
  let log: u32 = 0, used: i32 = 0;
  if (mode == MODE_PREDEFINED) {
    t = field == 0 ? LL_DEFAULT_TABLE : field == 1 ? OF_DEFAULT_TABLE : ML_DEFAULT_TABLE;
    log = field == 0 ? LL_DEFAULT_LOG : field == 1 ? OF_DEFAULT_LOG : ML_DEFAULT_LOG;
  } else if (mode == MODE_RLE) {
    if (size < 1) return ZSTD_ERR_SEQUENCES;
    const symbol = <u32>load<u8>(src);
    if (symbol > maxSymbol) return ZSTD_ERR_SEQUENCES;
    fseBuildRle(space, symbol);
    t = space;
    used = 1;
  } else if (mode == MODE_COMPRESSED) {
    const maxLog = field == 0 ? LL_MAX_LOG : field == 1 ? OF_MAX_LOG : ML_MAX_LOG;
    used = fseReadDescription(src, size, z.scratch, maxSymbol, maxLog);
    if (used < 0) return ZSTD_ERR_FSE;
    log = fseLog;
    fseBuild(space, z.scratch, fseMaxSymbol, log, z.scratch + 512);
    t = space;
  } else {
    // Repeat: the table of the last block that had sequences.
    if (!z.seqValid) return ZSTD_ERR_SEQUENCES;
    return 0;
  }
  if (field == 0) { z.llTable = t; z.llLog = log; }
  else if (field == 1) { z.ofTable = t; z.ofLog = log; }
  else { z.mlTable = t; z.mlLog = log; }
  return used;
}

/** Copy `n` bytes of a match from `offset` back; may write up to 8 bytes past dst + n. */
// @ts-ignore: decorator
@inline function copyMatch(dst: usize, offset: usize, n: usize): void {
  let src = dst - offset;
  if (offset >= 8) {
    if (offset >= n && n > 32) {
      memory.copy(dst, src, n);
      return;
    }
    const end = dst + n;
    do {
      store<u64>(dst, load<u64>(src));
      dst += 8;
      src += 8;
    } while (dst < end);
    return;
  }
  if (n <= 16) {
    for (let i: usize = 0; i < n; i++) store<u8>(dst + i, load<u8>(src + i));
    return;
  }
  // A short period: the bytes before dst + done repeat every `offset`, so while `done` is a
  // multiple of the period a pass may copy done + offset bytes from src, doubling the run.
  let done: usize = 0;
  while (done < n) {
    const want = done + offset;
    const take = want < n - done ? want : n - done;
    memory.copy(dst + done, src, take);
    done += take;
  }
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
  let used = table(z, 0, modes >> 6, src + p, size - p);
  if (used < 0) return used;
  p += <usize>used;
  used = table(z, 1, (modes >> 4) & 3, src + p, size - p);
  if (used < 0) return used;
  p += <usize>used;
  used = table(z, 2, (modes >> 2) & 3, src + p, size - p);
  if (used < 0) return used;
  p += <usize>used;
  z.seqValid = 1;

  if (!bitInit(src + p, size - p)) return ZSTD_ERR_SEQUENCES;
  const llT = z.llTable, ofT = z.ofTable, mlT = z.mlTable;
  let llS = bitRead(z.llLog);
  let ofS = bitRead(z.ofLog);
  let mlS = bitRead(z.mlLog);
  bitReload();
  let rep0 = z.rep0, rep1 = z.rep1, rep2 = z.rep2;
  let op = dst;
  let lp = litPtr;
  const lend = litPtr + litLen;
  for (let i = nbSeq; i > 0; i--) {
    const llE = load<u32>(llT + ((<usize>llS) << 2));
    const ofE = load<u32>(ofT + ((<usize>ofS) << 2));
    const mlE = load<u32>(mlT + ((<usize>mlS) << 2));
    const llCode = llE & 0xff;
    const ofCode = ofE & 0xff;
    const mlCode = mlE & 0xff;
    const ofValue = ((<u32>1) << ofCode) + bitRead(ofCode);
    let offset: u32;
    if (ofValue > 3) {
      offset = ofValue - 3;
      rep2 = rep1;
      rep1 = rep0;
      rep0 = offset;
    } else {
      const index = ofValue - (llCode == 0 ? 0 : 1);
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
    const ml = <usize>(load<u32>(ML_BASE + (<usize>mlCode << 2)) + bitRead(<u32>load<u8>(ML_BITS + <usize>mlCode)));
    bitReload();
    const ll = <usize>(load<u32>(LL_BASE + (<usize>llCode << 2)) + bitRead(<u32>load<u8>(LL_BITS + <usize>llCode)));
    // zstd 1.5.4 updates the states after the last sequence too, so the bits it reads
    // there may run past the stream's start; its verdicts are followed (see below).
    llS = (llE >> 16) + bitRead((llE >> 8) & 0xff);
    mlS = (mlE >> 16) + bitRead((mlE >> 8) & 0xff);
    ofS = (ofE >> 16) + bitRead((ofE >> 8) & 0xff);
    bitReload();
    if (ll > lend - lp) return ZSTD_ERR_OVERRUN;
    if (ll + ml > oend - op) return ZSTD_ERR_OVERRUN;
    if (ll <= 16) {
      store<u64>(op, load<u64>(lp));
      store<u64>(op + 8, load<u64>(lp + 8));
    } else {
      memory.copy(op, lp, ll);
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
