// Bit readers of the zstd decoder (RFC 8878 section 4.1 and 4.2.2).
//
// Entropy-coded streams (FSE, Huffman, sequences) are read BACKWARDS: the last byte holds a
// 1-bit end mark above the first bits to read, and reading proceeds towards the first byte.
// The reader keeps a 64-bit container loaded little-endian and counts the bits consumed from
// its top. Reading past the start does not touch memory outside the stream: the container
// is simply not refilled, `consumed` grows past 64 and the caller sees overflow when it
// checks (bitEnd / bitReload). Every load stays inside [start, start + size).
//
// One reader at a time is enough (streams are decoded one after another), so its state is
// a handful of module globals, which the optimiser keeps cheap.

export const BIT_UNFINISHED: i32 = 0;
export const BIT_END_OF_BUFFER: i32 = 1;
export const BIT_COMPLETED: i32 = 2;
export const BIT_OVERFLOW: i32 = 3;

export let bitStart: usize = 0;
export let bitPtr: usize = 0;
export let bitContainer: u64 = 0;
export let bitConsumed: u32 = 0;

/** Start reading the `size`-byte stream at `start`; false when it is empty or lacks an end mark. */
export function bitInit(start: usize, size: usize): bool {
  if (size == 0) return false;
  const last = load<u8>(start + size - 1);
  if (last == 0) return false;
  bitStart = start;
  if (size >= 8) {
    bitPtr = start + size - 8;
    bitContainer = load<u64>(bitPtr);
  } else {
    bitPtr = start;
    let c: u64 = 0;
    for (let i: usize = 0; i < size; i++) c |= (<u64>load<u8>(start + i)) << ((<u64>i) << 3);
    bitContainer = c;
  }
  // The bytes missing from a short stream count as consumed, as does the end mark itself.
  bitConsumed = <u32>clz<u64>(bitContainer) + 1;
  return true;
}

/** Put back a reader that a hot loop kept in locals (start, position, container, bits used). */
// @ts-ignore: decorator
@inline export function bitRestore(start: usize, ptr: usize, container: u64, consumed: u32): void {
  bitStart = start;
  bitPtr = ptr;
  bitContainer = container;
  bitConsumed = consumed;
}

/** The next `n` bits (0 <= n <= 56 after a reload), most significant first. */
// @ts-ignore: decorator
@inline export function bitRead(n: u32): u32 {
  const v = <u32>(((bitContainer << ((<u64>bitConsumed) & 63)) >> 1) >> (63 - <u64>n));
  bitConsumed += n;
  return v;
}

/** The next `n` bits without consuming them (n >= 1). */
// @ts-ignore: decorator
@inline export function bitPeek(n: u32): u32 {
  return <u32>(((bitContainer << ((<u64>bitConsumed) & 63)) >> 1) >> (63 - <u64>n));
}

/** Consume `n` bits already looked at with bitPeek. */
// @ts-ignore: decorator
@inline export function bitSkip(n: u32): void {
  bitConsumed += n;
}

/** Refill the container so that at least 57 bits are readable, if the stream has them. */
export function bitReload(): i32 {
  if (bitConsumed > 64) return BIT_OVERFLOW;
  if (bitPtr >= bitStart + 8) {
    bitPtr -= <usize>(bitConsumed >> 3);
    bitConsumed &= 7;
    bitContainer = load<u64>(bitPtr);
    return BIT_UNFINISHED;
  }
  if (bitPtr == bitStart) return bitConsumed < 64 ? BIT_END_OF_BUFFER : BIT_COMPLETED;
  let nb = <usize>(bitConsumed >> 3);
  let status = BIT_UNFINISHED;
  if (bitPtr - nb < bitStart) {
    nb = bitPtr - bitStart;
    status = BIT_END_OF_BUFFER;
  }
  bitPtr -= nb;
  bitConsumed -= <u32>(nb << 3);
  bitContainer = load<u64>(bitPtr);
  return status;
}

/** True when every bit of the stream was consumed, no more and no less. */
// @ts-ignore: decorator
@inline export function bitEnd(): bool {
  return bitPtr == bitStart && bitConsumed == 64;
}

/** True when the reader reached the stream's start and consumed at least all its bits. */
// @ts-ignore: decorator
@inline export function bitUsedUp(): bool {
  return bitPtr == bitStart && bitConsumed >= 64;
}

/**
 * 32 bits of a FORWARD little-endian bitstream (FSE table descriptions), starting at bit
 * `bitPos` of the `size`-byte buffer at `src`. Bytes past the end read as zero, so a
 * description that runs off its end is caught by the caller's length check, not by a load
 * outside the buffer.
 */
export function forwardBits(src: usize, size: usize, bitPos: usize): u32 {
  const byte = bitPos >> 3;
  let v: u64 = 0;
  if (byte + 8 <= size) {
    v = load<u64>(src + byte);
  } else {
    for (let i: usize = 0; i < 8 && byte + i < size; i++) v |= (<u64>load<u8>(src + byte + i)) << ((<u64>i) << 3);
  }
  return <u32>(v >> ((<u64>bitPos) & 7));
}

/** Index of the highest set bit (v > 0). */
// @ts-ignore: decorator
@inline export function highBit(v: u32): u32 {
  return 31 - <u32>clz<u32>(v);
}
