// XXH64, streaming, over linear memory: the zstd Content_Checksum is the low 32 bits of
// XXH64(content, seed 0) (RFC 8878 section 3.1.1; algorithm: xxHash specification,
// https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md).
//
// State record (XXH64_STATE_BYTES, caller-owned):
//   0 v1 u64 │ 8 v2 u64 │ 16 v3 u64 │ 24 v4 u64 │ 32 total u64 │ 40 buffer[32] │ 72 buffered u32
// Invariant: buffered < 32; the four lanes have absorbed total - buffered bytes.

const P1: u64 = 0x9e3779b185ebca87;
const P2: u64 = 0xc2b2ae3d27d4eb4f;
const P3: u64 = 0x165667b19e3779f9;
const P4: u64 = 0x85ebca77c2b2ae63;
const P5: u64 = 0x27d4eb2f165667c5;

export const XXH64_STATE_BYTES: usize = 80;
const OFF_TOTAL: usize = 32;
const OFF_BUF: usize = 40;
const OFF_BUFFERED: usize = 72;

// @ts-ignore: decorator
@inline function round(acc: u64, input: u64): u64 {
  return rotl<u64>(acc + input * P2, 31) * P1;
}

// @ts-ignore: decorator
@inline function merge(acc: u64, lane: u64): u64 {
  return (acc ^ round(0, lane)) * P1 + P4;
}

export function xxh64Reset(s: usize): void {
  store<u64>(s, P1 + P2);
  store<u64>(s + 8, P2);
  store<u64>(s + 16, 0);
  store<u64>(s + 24, 0 - P1);
  store<u64>(s + OFF_TOTAL, 0);
  store<u32>(s + OFF_BUFFERED, 0);
}

/** Absorb whole 32-byte stripes from `p` (len a multiple of 32). */
function stripes(s: usize, p: usize, len: usize): void {
  let v1 = load<u64>(s), v2 = load<u64>(s + 8), v3 = load<u64>(s + 16), v4 = load<u64>(s + 24);
  const end = p + len;
  while (p < end) {
    v1 = round(v1, load<u64>(p));
    v2 = round(v2, load<u64>(p + 8));
    v3 = round(v3, load<u64>(p + 16));
    v4 = round(v4, load<u64>(p + 24));
    p += 32;
  }
  store<u64>(s, v1);
  store<u64>(s + 8, v2);
  store<u64>(s + 16, v3);
  store<u64>(s + 24, v4);
}

export function xxh64Update(s: usize, p: usize, len: usize): void {
  store<u64>(s + OFF_TOTAL, load<u64>(s + OFF_TOTAL) + <u64>len);
  const buffered = <usize>load<u32>(s + OFF_BUFFERED);
  if (buffered + len < 32) {
    memory.copy(s + OFF_BUF + buffered, p, len);
    store<u32>(s + OFF_BUFFERED, <u32>(buffered + len));
    return;
  }
  if (buffered > 0) {
    const fill: usize = 32 - buffered;
    memory.copy(s + OFF_BUF + buffered, p, fill);
    stripes(s, s + OFF_BUF, 32);
    p += fill;
    len -= fill;
  }
  const whole = len & ~(<usize>31);
  if (whole > 0) stripes(s, p, whole);
  const rest = len - whole;
  memory.copy(s + OFF_BUF, p + whole, rest);
  store<u32>(s + OFF_BUFFERED, <u32>rest);
}

export function xxh64Digest(s: usize): u64 {
  const total = load<u64>(s + OFF_TOTAL);
  let h: u64;
  if (total >= 32) {
    const v1 = load<u64>(s), v2 = load<u64>(s + 8), v3 = load<u64>(s + 16), v4 = load<u64>(s + 24);
    h = rotl<u64>(v1, 1) + rotl<u64>(v2, 7) + rotl<u64>(v3, 12) + rotl<u64>(v4, 18);
    h = merge(h, v1);
    h = merge(h, v2);
    h = merge(h, v3);
    h = merge(h, v4);
  } else {
    h = P5;
  }
  h += total;
  let p = s + OFF_BUF;
  const end = p + <usize>load<u32>(s + OFF_BUFFERED);
  while (p + 8 <= end) {
    h = rotl<u64>(h ^ round(0, load<u64>(p)), 27) * P1 + P4;
    p += 8;
  }
  if (p + 4 <= end) {
    h = rotl<u64>(h ^ (<u64>load<u32>(p) * P1), 23) * P2 + P3;
    p += 4;
  }
  while (p < end) {
    h = rotl<u64>(h ^ (<u64>load<u8>(p) * P5), 11) * P1;
    p++;
  }
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}
