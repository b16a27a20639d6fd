// What LayerPool, its cursor, LayerColumns and LayerBatch accept, in one place: a count of
// records, a size, a link to another record. Each class refuses the same values with the
// same words, so they cannot drift apart when one of them changes.

import { NIL } from "./wasm/abi.js";

/**
 * `v` when it is an integer from `lo` to `hi`; otherwise a RangeError naming the owner and
 * the option ("LayerPool: max must be an integer from 1 to 16777216, got 0"). `hiName`
 * says the bound in words when it is another option ("max (1000)").
 */
export function integerIn(owner: string, name: string, v: number, lo: number, hi: number, hiName: string = String(hi)): number {
  if (!Number.isInteger(v) || v < lo || v > hi)
    throw new RangeError(`${owner}: ${name} must be an integer from ${lo} to ${hiName}, got ${v}`);
  return v;
}

/** A size a record holds: an integer in [0, 2^53), a JavaScript number's exact range (the
 *  core stores it as a u64 and checks the same range, assembly/pool.ts sizeOk). */
export function isSize(v: number): boolean {
  return v >= 0 && v <= Number.MAX_SAFE_INTEGER && Number.isInteger(v);
}

export function refuseSize(owner: string, v: number): never {
  throw new RangeError(`${owner}: a size must be a non-negative safe integer, got ${v}`);
}

/** Store size `v` (checked first) as the two u32 words from word index `a`, low word first. */
export function storeSize(words: Uint32Array, a: number, v: number, owner: string): void {
  if (!isSize(v)) refuseSize(owner, v);
  words[a] = v >>> 0;
  words[a + 1] = v > 0xffffffff ? Math.floor(v / 0x100000000) : 0;
}

/** A link field as the host sees it: a record index, or -1 for none (NIL in the core). */
export function link(v: number): number {
  return v === NIL ? -1 : v;
}
/** A link to store: any negative number is none. */
export function unlink(v: number): number {
  return v < 0 ? NIL : v >>> 0;
}
