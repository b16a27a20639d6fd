// Huffman coding of zstd literals (RFC 8878 section 4.2): the tree description (weights,
// given directly or FSE-compressed) and the decoding of 1 or 4 backward streams.
//
// A decoding table has 1 << log entries (log <= HUF_MAX_LOG), one u16 each:
//   bits 0..7 symbol │ bits 8..15 Number_of_Bits
// indexed by the next `log` bits of the stream. Weights are validated the way the
// reference decoder validates them (each <= HUF_MAX_LOG, a sum completed by a power of two,
// an even count >= 2 of weight-1 symbols), so the table is always exactly filled.

import { bitInit, bitRead, bitPeek, bitSkip, bitReload, bitEnd, bitRestore, bitPtr, bitContainer, bitConsumed, highBit, BIT_OVERFLOW } from "./zstd-bits";
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

/** Symbols i.. of `count` from the stream the bit reader is on; false unless it ends exactly. */
function hufTail(dst: usize, i: usize, count: usize, table: usize, log: u32): bool {
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

/** Decode exactly `count` symbols from one stream; false unless it is consumed exactly. */
function hufStream(src: usize, size: usize, dst: usize, count: usize, table: usize, log: u32): bool {
  if (!bitInit(src, size)) return false;
  return hufTail(dst, 0, count, table, log);
}

/** The symbol the next `log` bits of a backward container select, `used` bits in. */
// @ts-ignore: decorator
@inline function hufEntry(table: usize, container: u64, used: u32, log: u32): u32 {
  return <u32>load<u16>(table + (<usize>(((container << ((<u64>used) & 63)) >> 1) >> (63 - <u64>log)) << 1));
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
  const last = count - 3 * seg;
  const s1 = src + 6, s2 = s1 + l1, s3 = s2 + l2, s4 = s3 + l3;
  const d1 = dst, d2 = dst + seg, d3 = dst + 2 * seg, d4 = dst + 3 * seg;
  // The four streams are independent: decode them side by side with each reader in locals,
  // while every reader can refill from a whole word (at least 8 bytes from its start); the
  // last symbols of each stream go through hufTail, which ends each exactly as hufStream does.
  if (!bitInit(s1, l1)) return false;
  let p1 = bitPtr, c1 = bitContainer, n1 = bitConsumed;
  if (!bitInit(s2, l2)) return false;
  let p2 = bitPtr, c2 = bitContainer, n2 = bitConsumed;
  if (!bitInit(s3, l3)) return false;
  let p3 = bitPtr, c3 = bitContainer, n3 = bitConsumed;
  if (!bitInit(s4, l4)) return false;
  let p4 = bitPtr, c4 = bitContainer, n4 = bitConsumed;
  let i: usize = 0;
  while (i + 4 <= last) {
    if (p1 < s1 + 8 || p2 < s2 + 8 || p3 < s3 + 8 || p4 < s4 + 8) break;
    if ((n1 | n2 | n3 | n4) > 64) break;
    p1 -= <usize>(n1 >> 3); n1 &= 7; c1 = load<u64>(p1);
    p2 -= <usize>(n2 >> 3); n2 &= 7; c2 = load<u64>(p2);
    p3 -= <usize>(n3 >> 3); n3 &= 7; c3 = load<u64>(p3);
    p4 -= <usize>(n4 >> 3); n4 &= 7; c4 = load<u64>(p4);
    for (let k: usize = 0; k < 4; k++) {
      const e1 = hufEntry(table, c1, n1, log);
      const e2 = hufEntry(table, c2, n2, log);
      const e3 = hufEntry(table, c3, n3, log);
      const e4 = hufEntry(table, c4, n4, log);
      store<u8>(d1 + i + k, <u8>e1);
      store<u8>(d2 + i + k, <u8>e2);
      store<u8>(d3 + i + k, <u8>e3);
      store<u8>(d4 + i + k, <u8>e4);
      n1 += e1 >> 8;
      n2 += e2 >> 8;
      n3 += e3 >> 8;
      n4 += e4 >> 8;
    }
    i += 4;
  }
  bitRestore(s1, p1, c1, n1);
  if (!hufTail(d1, i, seg, table, log)) return false;
  bitRestore(s2, p2, c2, n2);
  if (!hufTail(d2, i, seg, table, log)) return false;
  bitRestore(s3, p3, c3, n3);
  if (!hufTail(d3, i, seg, table, log)) return false;
  bitRestore(s4, p4, c4, n4);
  return hufTail(d4, i, last, table, log);
}
