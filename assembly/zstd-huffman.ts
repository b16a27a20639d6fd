// Huffman coding of zstd literals (RFC 8878 section 4.2): the tree description (weights,
// given directly or FSE-compressed) and the decoding of 1 or 4 backward streams.
//
// A decoding table has 1 << log entries (log <= HUF_MAX_LOG), one u16 each:
//   bits 0..7 symbol │ bits 8..15 Number_of_Bits
// indexed by the next `log` bits of the stream. Weights are validated the way the
// reference decoder validates them (each <= HUF_MAX_LOG, a sum completed by a power of two,
// an even count >= 2 of weight-1 symbols), so the table is always exactly filled.

import { bitInit, bitRead, bitPeek, bitSkip, bitReload, bitEnd, bitConsumed, highBit, BIT_OVERFLOW } from "./zstd-bits";
import { fseReadDescription, fseBuild, fseLog, fseMaxSymbol } from "./zstd-fse";

export const HUF_MAX_LOG: u32 = 12;
export const HUF_TABLE_BYTES: usize = (<usize>1 << HUF_MAX_LOG) << 1;
/** Scratch a table read needs: weights[256] u8, norm[256] i16, next[256] u16, fse[64] u32. */
export const HUF_SCRATCH_BYTES: usize = 256 + 512 + 512 + 256;

const WEIGHT_FSE_MAX_LOG: u32 = 6;

/** Table log of the last table read by hufReadTable. */
export let hufLog: u32 = 0;

/** FSE-decode up to 255 weights, two interleaved states; returns the count or -1. */
function fseWeights(src: usize, size: usize, weights: usize, scratch: usize): i32 {
  const norm = scratch + 256;
  const next = scratch + 768;
  const table = scratch + 1280;
  const hdr = fseReadDescription(src, size, norm, 255, WEIGHT_FSE_MAX_LOG);
  if (hdr < 0) return -1;
  const log = fseLog;
  fseBuild(table, norm, fseMaxSymbol, log, next);
  if (!bitInit(src + <usize>hdr, size - <usize>hdr)) return -1;
  let s1 = bitRead(log);
  bitReload();
  let s2 = bitRead(log);
  bitReload();
  let n: u32 = 0;
  for (;;) {
    if (n > 253) return -1;
    let e = load<u32>(table + ((<usize>s1) << 2));
    store<u8>(weights + n++, <u8>e);
    s1 = (e >> 16) + bitRead((e >> 8) & 0xff);
    if (bitReload() == BIT_OVERFLOW) {
      store<u8>(weights + n++, <u8>load<u32>(table + ((<usize>s2) << 2)));
      break;
    }
    if (n > 253) return -1;
    e = load<u32>(table + ((<usize>s2) << 2));
    store<u8>(weights + n++, <u8>e);
    s2 = (e >> 16) + bitRead((e >> 8) & 0xff);
    if (bitReload() == BIT_OVERFLOW) {
      store<u8>(weights + n++, <u8>load<u32>(table + ((<usize>s1) << 2)));
      break;
    }
  }
  return <i32>n;
}

/**
 * Read a Huffman tree description at `src` (`size` bytes available) and build its table.
 * Returns the description's size in bytes, or -1 when it is malformed.
 */
export function hufReadTable(src: usize, size: usize, table: usize, scratch: usize): i32 {
  if (size == 0) return -1;
  const weights = scratch;
  const head = <u32>load<u8>(src);
  let n: u32;
  let used: usize;
  if (head >= 128) {
    n = head - 127;
    const bytes = <usize>((n + 1) >> 1);
    if (bytes + 1 > size) return -1;
    for (let i: u32 = 0; i < n; i++) {
      const b = <u32>load<u8>(src + 1 + <usize>(i >> 1));
      store<u8>(weights + i, <u8>((i & 1) == 0 ? b >> 4 : b & 15));
    }
    used = bytes + 1;
  } else {
    if (<usize>head + 1 > size) return -1;
    const got = fseWeights(src + 1, <usize>head, weights, scratch);
    if (got < 0) return -1;
    n = <u32>got;
    used = <usize>head + 1;
  }
  // Rank counts and the weight sum; the last symbol's weight is implied by the sum.
  let total: u32 = 0;
  let rank1: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const w = <u32>load<u8>(weights + i);
    if (w > HUF_MAX_LOG) return -1;
    if (w == 1) rank1++;
    total += (<u32>1 << w) >> 1;
  }
  if (total == 0) return -1;
  const log = highBit(total) + 1;
  if (log > HUF_MAX_LOG) return -1;
  const rest = (<u32>1 << log) - total;
  if ((rest & (rest - 1)) != 0) return -1;
  const lastWeight = highBit(rest) + 1;
  if (lastWeight == 1) rank1++;
  if (rank1 < 2 || (rank1 & 1) != 0) return -1;
  store<u8>(weights + n, <u8>lastWeight);
  // Longest codes first: weight 1 symbols take the lowest table entries, by symbol order.
  let pos: usize = 0;
  for (let w: u32 = 1; w <= log; w++) {
    const span = <usize>1 << (w - 1);
    const entry = <u16>(((log + 1 - w) << 8));
    for (let s: u32 = 0; s <= n; s++) {
      if (<u32>load<u8>(weights + s) != w) continue;
      const e = entry | <u16>s;
      for (let k: usize = 0; k < span; k++) store<u16>(table + ((pos + k) << 1), e);
      pos += span;
    }
  }
  hufLog = log;
  return <i32>used;
}

/** Decode exactly `count` symbols from one stream; false unless it is consumed exactly. */
function hufStream(src: usize, size: usize, dst: usize, count: usize, table: usize, log: u32): bool {
  if (!bitInit(src, size)) return false;
  let i: usize = 0;
  // 4 symbols need at most 48 bits, and a reload leaves at least 57 readable.
  while (i + 4 <= count) {
    bitReload();
    let e = <u32>load<u16>(table + ((<usize>bitPeek(log)) << 1));
    store<u8>(dst + i, <u8>e);
    bitSkip(e >> 8);
    e = <u32>load<u16>(table + ((<usize>bitPeek(log)) << 1));
    store<u8>(dst + i + 1, <u8>e);
    bitSkip(e >> 8);
    e = <u32>load<u16>(table + ((<usize>bitPeek(log)) << 1));
    store<u8>(dst + i + 2, <u8>e);
    bitSkip(e >> 8);
    e = <u32>load<u16>(table + ((<usize>bitPeek(log)) << 1));
    store<u8>(dst + i + 3, <u8>e);
    bitSkip(e >> 8);
    i += 4;
    if (bitConsumed > 64) return false;
  }
  bitReload();
  while (i < count) {
    const e = <u32>load<u16>(table + ((<usize>bitPeek(log)) << 1));
    store<u8>(dst + i, <u8>e);
    bitSkip(e >> 8);
    i++;
  }
  bitReload();
  return bitEnd();
}

/** Decode `count` literals from 1 stream (`four` false) or 4 streams with a jump table. */
export function hufDecode(src: usize, size: usize, dst: usize, count: usize, table: usize, log: u32, four: bool): bool {
  if (!four) return hufStream(src, size, dst, count, table, log);
  if (size < 10) return false;
  const l1 = <usize>load<u16>(src);
  const l2 = <usize>load<u16>(src + 2);
  const l3 = <usize>load<u16>(src + 4);
  if (l1 + l2 + l3 + 6 > size) return false;
  const l4 = size - 6 - l1 - l2 - l3;
  const seg = (count + 3) >> 2;
  if (seg * 3 > count) return false;
  let s = src + 6;
  if (!hufStream(s, l1, dst, seg, table, log)) return false;
  s += l1;
  if (!hufStream(s, l2, dst + seg, seg, table, log)) return false;
  s += l2;
  if (!hufStream(s, l3, dst + 2 * seg, seg, table, log)) return false;
  s += l3;
  return hufStream(s, l4, dst + 3 * seg, count - 3 * seg, table, log);
}
