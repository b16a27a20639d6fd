// FSE (tANS) tables of the zstd decoder: reading a table description and building the
// decoding table (RFC 8878 section 4.1).
//
// A decoding table has 1 << log entries, one u32 each:
//   bits 0..7 symbol │ bits 8..15 Number_of_Bits │ bits 16..31 Baseline
// so a state's next state is Baseline + read(Number_of_Bits), always < 1 << log: whatever
// bits a corrupt stream holds, a state indexes inside its table.
//
// Bounds: the description reader runs at most maxSymbol + 1 iterations plus one per two
// bits of input (zero-run flags), and never reads outside its input (forwardBits).

import { forwardBits, highBit } from "./zstd-bits";
import { reserve } from "./layout";

export const FSE_MAX_SYMBOLS: usize = 256;

/** Accuracy log of the last description read by fseReadDescription. */
export let fseLog: u32 = 0;
/** Highest symbol (with a non-zero count or not) the last description listed. */
export let fseMaxSymbol: u32 = 0;

/**
 * Read an FSE table description at `src` (`size` bytes available) into `norm` (i16 per
 * symbol, -1 meaning "less than 1"). Returns the bytes used, or -1 when the description
 * is malformed, lists a symbol above `maxSymbol`, or has an accuracy log above `maxLog`.
 */
export function fseReadDescription(src: usize, size: usize, norm: usize, maxSymbol: u32, maxLog: u32): i32 {
  if (size == 0) return -1;
  const log = (forwardBits(src, size, 0) & 15) + 5;
  let pos: usize = 4;
  if (log > maxLog) return -1;
  const tableSize: i32 = 1 << log;
  let remaining: i32 = tableSize + 1;
  let threshold: i32 = tableSize;
  let nbBits: u32 = log + 1;
  let symbol: u32 = 0;
  let previousZero = false;
  while (remaining > 1 && symbol <= maxSymbol) {
    if (previousZero) {
      // A zero count is followed by 2-bit repeat flags: how many more symbols are zero.
      let run: u32 = 0;
      for (;;) {
        const flag = forwardBits(src, size, pos) & 3;
        pos += 2;
        run += flag;
        if (flag != 3) break;
        if (symbol + run > maxSymbol) return -1;
        if ((pos >> 3) > size) return -1;
      }
      if (symbol + run > maxSymbol) return -1;
      for (let i: u32 = 0; i < run; i++) store<i16>(norm + ((<usize>(symbol + i)) << 1), 0);
      symbol += run;
    }
    const bits = <i32>forwardBits(src, size, pos);
    const max = (2 * threshold - 1) - remaining;
    let count: i32;
    if ((bits & (threshold - 1)) < max) {
      count = bits & (threshold - 1);
      pos += <usize>(nbBits - 1);
    } else {
      count = bits & (2 * threshold - 1);
      if (count >= threshold) count -= max;
      pos += <usize>nbBits;
    }
    count -= 1;
    remaining -= count < 0 ? -count : count;
    store<i16>(norm + ((<usize>symbol) << 1), <i16>count);
    symbol++;
    previousZero = count == 0;
    if (remaining < threshold) {
      if (remaining <= 1) break;
      nbBits = highBit(<u32>remaining) + 1;
      threshold = 1 << (nbBits - 1);
    }
  }
  if (remaining != 1) return -1;
  const used = (pos + 7) >> 3;
  if (used > size) return -1;
  for (let s = symbol; s <= maxSymbol; s++) store<i16>(norm + ((<usize>s) << 1), 0);
  fseLog = log;
  fseMaxSymbol = symbol - 1;
  return <i32>used;
}

/**
 * Build the decoding table for a validated distribution (counts summing to 1 << log).
 * `next` is scratch for FSE_MAX_SYMBOLS u16.
 */
export function fseBuild(table: usize, norm: usize, maxSymbol: u32, log: u32, next: usize): void {
  const size: u32 = 1 << log;
  let high: u32 = size - 1;
  // "Less than 1" symbols take one cell each at the top of the table.
  for (let s: u32 = 0; s <= maxSymbol; s++) {
    const n = load<i16>(norm + ((<usize>s) << 1));
    if (n == -1) {
      store<u32>(table + ((<usize>high) << 2), s);
      high--;
      store<u16>(next + ((<usize>s) << 1), 1);
    } else {
      store<u16>(next + ((<usize>s) << 1), <u16>n);
    }
  }
  // Spread the others with the standard step (odd, hence coprime with the table size).
  const step = (size >> 1) + (size >> 3) + 3;
  const mask = size - 1;
  let pos: u32 = 0;
  for (let s: u32 = 0; s <= maxSymbol; s++) {
    const n = <i32>load<i16>(norm + ((<usize>s) << 1));
    for (let i = 0; i < n; i++) {
      store<u32>(table + ((<usize>pos) << 2), s);
      do pos = (pos + step) & mask; while (pos > high);
    }
  }
  for (let i: u32 = 0; i < size; i++) {
    const at = table + ((<usize>i) << 2);
    const s = load<u32>(at) & 0xff;
    const ns = <u32>load<u16>(next + ((<usize>s) << 1));
    store<u16>(next + ((<usize>s) << 1), <u16>(ns + 1));
    const nb = log - highBit(ns);
    const base = (ns << nb) - size;
    store<u32>(at, s | (nb << 8) | (base << 16));
  }
}

/** A one-entry table (log 0) that always yields `symbol` and reads no bits (RLE mode). */
export function fseBuildRle(table: usize, symbol: u32): void {
  store<u32>(table, symbol);
}

// Predefined distributions, RFC 8878 section 3.1.1.3.2.2.
const LL_DEFAULT = memory.data<i16>([
  4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1,
  -1, -1, -1, -1,
]);
const ML_DEFAULT = memory.data<i16>([
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
]);
const OF_DEFAULT = memory.data<i16>([
  1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1,
]);

export const LL_DEFAULT_LOG: u32 = 6;
export const ML_DEFAULT_LOG: u32 = 6;
export const OF_DEFAULT_LOG: u32 = 5;

function predefined(norm: usize, maxSymbol: u32, log: u32): usize {
  const table = reserve((<usize>1 << log) << 2);
  const next = reserve(FSE_MAX_SYMBOLS << 1);
  fseBuild(table, norm, maxSymbol, log, next);
  return table;
}

export const LL_DEFAULT_TABLE: usize = predefined(LL_DEFAULT, 35, LL_DEFAULT_LOG);
export const ML_DEFAULT_TABLE: usize = predefined(ML_DEFAULT, 52, ML_DEFAULT_LOG);
export const OF_DEFAULT_TABLE: usize = predefined(OF_DEFAULT, 28, OF_DEFAULT_LOG);
