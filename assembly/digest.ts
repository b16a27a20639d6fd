// OCI digests as bytes: parsing "sha256:<64 hex>" / "sha512:<128 hex>" and the core's
// digest table, which interns a digest once and hands back a small stable id (a handle).
// The cache, the layer pool and the graph all key on these ids or on the raw bytes.
//
// Spec: https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests
// Only the two registered algorithms with lowercase hex are accepted, as the spec requires.
//
// The table (regions drawn in assembly/layout.ts) is open addressing with linear probing,
// Knuth, The Art of Computer Programming vol. 3, 6.4 Algorithm L; it only ever inserts,
// so it needs no deletion rule. A key's home index is the top bits of hashKey(), which
// mixes every bit of the digest into them (murmur3's finaliser, see hashKey).

import {
  ALG_SHA256, ALG_SHA512, ERR_DIGEST_ALGORITHM, ERR_DIGEST_EMPTY, ERR_DIGEST_FORMAT,
  ERR_DIGEST_HEX, ERR_DIGEST_LENGTH, ERR_BAD_HANDLE, NOT_FOUND,
} from "./abi";
import { reserve, release, nextPow2 } from "./layout";

// Nibble lookup: 0..15 for '0'-'9' and 'a'-'f', 0xff for anything else (uppercase too).
const HEX: usize = buildHexTable();
function buildHexTable(): usize {
  const t = reserve(256);
  memory.fill(t, 0xff, 256);
  for (let c = 0; c < 10; c++) store<u8>(t + 48 + c, c as u8);
  for (let c = 0; c < 6; c++) store<u8>(t + 97 + c, (10 + c) as u8);
  return t;
}

/** The parsed key: 64 bytes (sha256 uses the first 32). */
export const KEY: usize = reserve(64);

/**
 * Parse an ASCII digest of `len` bytes at `src` into KEY.
 * Returns the algorithm (ALG_SHA256 / ALG_SHA512) or a negative error code.
 */
export function parseDigestAt(src: usize, len: i32): i32 {
  if (len == 0) return ERR_DIGEST_EMPTY;
  // "sha256:" and "sha512:" share the prefix "sha" and the colon at index 6.
  if (len < 7 || load<u8>(src + 6) != 58 /* ':' */) {
    return findColon(src, len) ? ERR_DIGEST_ALGORITHM : ERR_DIGEST_FORMAT;
  }
  const prefix = load<u32>(src) | 0; // "sha2" or "sha5"
  const mid = load<u16>(src + 4);
  const alg: i32 =
    prefix == 0x32616873 && mid == 0x3635 ? ALG_SHA256 :      // "sha2" "56"
    prefix == 0x35616873 && mid == 0x3231 ? ALG_SHA512 : 0;   // "sha5" "12"
  if (alg == 0) return ERR_DIGEST_ALGORITHM;
  const hexLen: i32 = alg == ALG_SHA512 ? 128 : 64;
  if (len - 7 != hexLen) return ERR_DIGEST_LENGTH;
  const hex = src + 7;
  let bad: u32 = 0;
  for (let i = 0; i < hexLen; i += 2) {
    const hi = load<u8>(HEX + load<u8>(hex + i));
    const lo = load<u8>(HEX + load<u8>(hex + i + 1));
    bad |= (hi | lo) as u32;
    store<u8>(KEY + (i >> 1), ((hi << 4) | lo) as u8);
  }
  return bad & 0x80 ? ERR_DIGEST_HEX : alg;
}

function findColon(src: usize, len: i32): bool {
  for (let i = 0; i < len; i++) if (load<u8>(src + i) == 58) return true;
  return false;
}

/**
 * 32-bit hash of a digest's first 32 bytes. Real digests are uniform anywhere, but
 * hand-made ones ("sha256:000…01", counters, test data) differ only in their last bytes:
 * a hash of a prefix gave them all one value and one ever longer probe run (O(n) per
 * call). So all four words are folded, then mixed (murmur3's fmix64) so that a change in
 * any bit reaches the top bits, which pick the table index.
 */
// @ts-ignore: decorator
@inline export function hashKey(key: usize): u32 {
  let h = load<u64>(key) ^ rotl<u64>(load<u64>(key, 8), 16) ^
          rotl<u64>(load<u64>(key, 16), 32) ^ rotl<u64>(load<u64>(key, 24), 48);
  h ^= h >> 33; h *= 0xff51afd7ed558ccd;
  h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53;
  h ^= h >> 33;
  return (h >> 32) as u32;
}

// @ts-ignore: decorator
@inline export function eq32(a: usize, b: usize): bool {
  return ((load<u64>(a) ^ load<u64>(b)) | (load<u64>(a, 8) ^ load<u64>(b, 8)) |
          (load<u64>(a, 16) ^ load<u64>(b, 16)) | (load<u64>(a, 24) ^ load<u64>(b, 24))) == 0;
}

/** Write the digest (alg, 32-byte head, optional tail) as ASCII at dst; returns its length. */
export function formatDigestAt(dst: usize, alg: u8, head: usize, tail: usize): i32 {
  const digits = "0123456789abcdef";
  const prefix = alg == ALG_SHA512 ? "sha512:" : "sha256:";
  for (let i = 0; i < 7; i++) store<u8>(dst + i, prefix.charCodeAt(i) as u8);
  const n = alg == ALG_SHA512 ? 64 : 32;
  for (let i = 0; i < n; i++) {
    const b = i < 32 ? load<u8>(head + i) : load<u8>(tail + i - 32);
    store<u8>(dst + 7 + 2 * i, digits.charCodeAt(b >> 4) as u8);
    store<u8>(dst + 8 + 2 * i, digits.charCodeAt(b & 15) as u8);
  }
  return 7 + 2 * n;
}

// ---- the digest table ----

let dCap: u32 = 0;
let dCount: u32 = 0;
let dKeys: usize = 0;
let dTails: usize = 0;
let dAlgs: usize = 0;
let dHashes: usize = 0;
let dTable: usize = 0;
let dShift: u32 = 32;

function home(hash: u32): u32 { return hash >>> dShift; }

function tableFor(cap: u32): void {
  const size = nextPow2(cap * 2);
  dShift = 32 - ctz<u32>(size);
  dTable = reserve((size as usize) << 2);
  for (let id: u32 = 0; id < dCount; id++) insertId(id, size - 1);
}

function insertId(id: u32, mask: u32): void {
  let i = home(load<u32>(dHashes + ((id as usize) << 2)));
  while (load<u32>(dTable + ((i as usize) << 2)) != 0) i = (i + 1) & mask;
  store<u32>(dTable + ((i as usize) << 2), id + 1);
}

function grow(): void {
  growTo(dCap == 0 ? 1024 : dCap * 2);
}

/** Make room for `extra` more digests in one step, so bulk interning rehashes at most once. */
export function digestReserveRoom(extra: u32): void {
  const need = dCount + extra;
  if (need > dCap) growTo(nextPow2(max<u32>(need, 1024)));
}

function growTo(cap: u32): void {
  dKeys = moveRegion(dKeys, (dCap as usize) * 32, (cap as usize) * 32);
  if (dTails != 0) dTails = moveRegion(dTails, (dCap as usize) * 32, (cap as usize) * 32);
  dAlgs = moveRegion(dAlgs, dCap as usize, cap as usize);
  dHashes = moveRegion(dHashes, (dCap as usize) * 4, (cap as usize) * 4);
  release(dTable);
  dCap = cap;
  tableFor(cap);
}

function moveRegion(old: usize, oldBytes: usize, bytes: usize): usize {
  const ptr = reserve(bytes);
  if (old != 0) { memory.copy(ptr, old, oldBytes); release(old); }
  return ptr;
}

/** Find the id of the digest in KEY (alg given), or NOT_FOUND. */
export function digestFind(alg: u8, key: usize, tail: usize): i32 {
  if (dCount == 0) return NOT_FOUND;
  const h = hashKey(key);
  const mask = (nextPow2(dCap * 2)) - 1;
  let i = home(h);
  while (true) {
    const v = load<u32>(dTable + ((i as usize) << 2));
    if (v == 0) return NOT_FOUND;
    const id = v - 1;
    if (load<u32>(dHashes + ((id as usize) << 2)) == h && load<u8>(dAlgs + id) == alg &&
        eq32(dKeys + ((id as usize) << 5), key) &&
        (alg != ALG_SHA512 || eq32(dTails + ((id as usize) << 5), tail))) return id as i32;
    i = (i + 1) & mask;
  }
}

/** Intern the digest (alg, key[, tail]) and return its id. */
export function digestInternKey(alg: u8, key: usize, tail: usize): i32 {
  const found = digestFind(alg, key, tail);
  if (found >= 0) return found;
  if (dCount == dCap) grow();
  if (alg == ALG_SHA512 && dTails == 0) dTails = reserve((dCap as usize) * 32);
  const id = dCount++;
  memory.copy(dKeys + ((id as usize) << 5), key, 32);
  if (alg == ALG_SHA512) memory.copy(dTails + ((id as usize) << 5), tail, 32);
  store<u8>(dAlgs + id, alg);
  store<u32>(dHashes + ((id as usize) << 2), hashKey(key));
  insertId(id, nextPow2(dCap * 2) - 1);
  return id as i32;
}

export function digestValid(id: u32): bool { return id < dCount; }
export function digestAlgOf(id: u32): u8 { return load<u8>(dAlgs + id); }
export function digestKeyPtr(id: u32): usize { return dKeys + ((id as usize) << 5); }
export function digestTailPtr(id: u32): usize { return dTails + ((id as usize) << 5); }
export function digestHashOf(id: u32): u32 { return load<u32>(dHashes + ((id as usize) << 2)); }
export function digestCount(): u32 { return dCount; }

/** Parse an ASCII digest at src and intern it; returns the id or a negative error code. */
export function digestInternAt(src: usize, len: i32): i32 {
  const alg = parseDigestAt(src, len);
  if (alg < 0) return alg;
  return digestInternKey(alg as u8, KEY, KEY + 32);
}

export function digestFormat(id: u32, dst: usize): i32 {
  if (id >= dCount) return ERR_BAD_HANDLE;
  return formatDigestAt(dst, digestAlgOf(id), digestKeyPtr(id), digestTailPtr(id));
}
