// Sequence decoding tables of the zstd decoder (RFC 8878 section 3.1.1.3.2.1): an FSE table
// of one sequence field, widened so that the executor needs no second lookup per code.
//
// An entry is one u64:
//   bits 0..15 next-state Baseline │ 16..23 Number_of_Bits │ 24..31 extra bits of the value
//   bits 32..63 the value's baseline (Literals_Length / Match_Length base, or 1 << Offset_Code)
// built from a u32 FSE table (zstd-fse.ts layout) in place: the region holds 8 bytes per cell.

import { LL_DEFAULT_TABLE, ML_DEFAULT_TABLE, OF_DEFAULT_TABLE, LL_DEFAULT_LOG, ML_DEFAULT_LOG, OF_DEFAULT_LOG } from "./zstd-fse";
import { reserve } from "./layout";

export const FIELD_LL: u32 = 0;
export const FIELD_OF: u32 = 1;
export const FIELD_ML: u32 = 2;

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

/** Bytes a widened table of 1 << log cells takes. */
// @ts-ignore: decorator
@inline export function seqTableBytes(log: u32): usize {
  return (<usize>1 << log) << 3;
}

/**
 * Widen the u32 FSE table of 1 << log cells at `table` into sequence entries, in place
 * (cells are rewritten from the top down, so no cell is overwritten before it is read).
 * Symbols were range-checked against the field's maximum when the table was described.
 */
export function seqWiden(table: usize, log: u32, field: u32): void {
  for (let i = <i32>(1 << log) - 1; i >= 0; i--) {
    const e = load<u32>(table + (<usize>i << 2));
    const code = <usize>(e & 0xff);
    let base: u32, extra: u32;
    if (field == FIELD_OF) {
      base = <u32>1 << <u32>code;
      extra = <u32>code;
    } else if (field == FIELD_LL) {
      base = load<u32>(LL_BASE + (code << 2));
      extra = <u32>load<u8>(LL_BITS + code);
    } else {
      base = load<u32>(ML_BASE + (code << 2));
      extra = <u32>load<u8>(ML_BITS + code);
    }
    store<u64>(table + (<usize>i << 3), <u64>((e >> 16) | (((e >> 8) & 0xff) << 16) | (extra << 24)) | ((<u64>base) << 32));
  }
}

/** A one-cell table (log 0) that always yields `code` and reads no state bits (RLE mode). */
export function seqRle(table: usize, code: u32, field: u32): void {
  store<u32>(table, code);
  seqWiden(table, 0, field);
}

function widened(fse: usize, log: u32, field: u32): usize {
  const t = reserve(seqTableBytes(log));
  memory.copy(t, fse, (<usize>1 << log) << 2);
  seqWiden(t, log, field);
  return t;
}

export const LL_SEQ_DEFAULT: usize = widened(LL_DEFAULT_TABLE, LL_DEFAULT_LOG, FIELD_LL);
export const OF_SEQ_DEFAULT: usize = widened(OF_DEFAULT_TABLE, OF_DEFAULT_LOG, FIELD_OF);
export const ML_SEQ_DEFAULT: usize = widened(ML_DEFAULT_TABLE, ML_DEFAULT_LOG, FIELD_ML);
