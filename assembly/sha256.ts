// Streaming SHA-256 (FIPS 180-4 section 6.2, https://csrc.nist.gov/pubs/fips/180-4/upd1/final)
// over the IO window, so browsers and workerd verify blobs at wasm speed without compiling
// anything at run time.
//
//   sha256Init()              the context at sha256Context() holds the initial hash value
//   loop: host writes n <= IO_IN_SIZE bytes at ioIn(); sha256Update(n)
//   sha256Final()             pads, writes the 32 digest bytes at ioOut()
//
// One context region, reserved once, holds the running state (layout in abi.ts, SHA256_CTX_*):
//
//   ctx  ┌ h[8] u32 ┬ length u64 ┬ buffered u32 ┬ pad ┬ block[64] ┐
//        │ 0        │ 32         │ 40           │ 44  │ 48    112 ┘
//
// Several hashers take turns on it: the host saves the SHA256_CTX_BYTES of the context after
// its update and writes them back before the next one when another hasher ran in between
// (src/hash/sha256-core.ts), so the core keeps no per-hasher memory that could leak.
//
// Speed: whole 64-byte blocks are compressed straight from the IO window in one loop with
// the hash value in locals; the 64 rounds are unrolled with the round constants as
// immediates and the 16-word message schedule held in locals (w_t overwrites w_{t-16});
// big-endian words are a little-endian load and a bswap. Each round line is
//   h += Σ1(e) + Ch(e,f,g) + K_t + W_t;  d += h;  h += Σ0(a) + Maj(a,b,c)
// with the names of a..h rotated one place per round instead of moving eight values.

import { reserve, IO_IN, IO_OUT } from "./layout";
import {
  IO_IN_SIZE, ERR_BAD_ARGUMENT, SHA256_CTX_BYTES, SHA256_CTX_LENGTH, SHA256_CTX_BUFFERED, SHA256_CTX_BLOCK,
  SHA256_BLOCK_BYTES,
} from "./abi";

const CTX: usize = reserve(SHA256_CTX_BYTES);

@inline function bsig0(x: u32): u32 { return rotr<u32>(x, 2) ^ rotr<u32>(x, 13) ^ rotr<u32>(x, 22); }
@inline function bsig1(x: u32): u32 { return rotr<u32>(x, 6) ^ rotr<u32>(x, 11) ^ rotr<u32>(x, 25); }
@inline function ssig0(x: u32): u32 { return rotr<u32>(x, 7) ^ rotr<u32>(x, 18) ^ (x >>> 3); }
@inline function ssig1(x: u32): u32 { return rotr<u32>(x, 17) ^ rotr<u32>(x, 19) ^ (x >>> 10); }
@inline function choose(x: u32, y: u32, z: u32): u32 { return z ^ (x & (y ^ z)); }
@inline function majority(x: u32, y: u32, z: u32): u32 { return (x & y) | (z & (x | y)); }

/** Compress `blocks` consecutive 64-byte blocks at `src` into the hash value at CTX. */
function compressBlocks(src: usize, blocks: usize): void {
  let h0 = load<u32>(CTX, 0), h1 = load<u32>(CTX, 4), h2 = load<u32>(CTX, 8), h3 = load<u32>(CTX, 12);
  let h4 = load<u32>(CTX, 16), h5 = load<u32>(CTX, 20), h6 = load<u32>(CTX, 24), h7 = load<u32>(CTX, 28);
  for (let n: usize = 0; n < blocks; n++) {
    const p = src + (n << 6);
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    let w0 = bswap<u32>(load<u32>(p, 0));
    h += bsig1(e) + choose(e, f, g) + 0x428a2f98 + w0; d += h; h += bsig0(a) + majority(a, b, c);
    let w1 = bswap<u32>(load<u32>(p, 4));
    g += bsig1(d) + choose(d, e, f) + 0x71374491 + w1; c += g; g += bsig0(h) + majority(h, a, b);
    let w2 = bswap<u32>(load<u32>(p, 8));
    f += bsig1(c) + choose(c, d, e) + 0xb5c0fbcf + w2; b += f; f += bsig0(g) + majority(g, h, a);
    let w3 = bswap<u32>(load<u32>(p, 12));
    e += bsig1(b) + choose(b, c, d) + 0xe9b5dba5 + w3; a += e; e += bsig0(f) + majority(f, g, h);
    let w4 = bswap<u32>(load<u32>(p, 16));
    d += bsig1(a) + choose(a, b, c) + 0x3956c25b + w4; h += d; d += bsig0(e) + majority(e, f, g);
    let w5 = bswap<u32>(load<u32>(p, 20));
    c += bsig1(h) + choose(h, a, b) + 0x59f111f1 + w5; g += c; c += bsig0(d) + majority(d, e, f);
    let w6 = bswap<u32>(load<u32>(p, 24));
    b += bsig1(g) + choose(g, h, a) + 0x923f82a4 + w6; f += b; b += bsig0(c) + majority(c, d, e);
    let w7 = bswap<u32>(load<u32>(p, 28));
    a += bsig1(f) + choose(f, g, h) + 0xab1c5ed5 + w7; e += a; a += bsig0(b) + majority(b, c, d);
    let w8 = bswap<u32>(load<u32>(p, 32));
    h += bsig1(e) + choose(e, f, g) + 0xd807aa98 + w8; d += h; h += bsig0(a) + majority(a, b, c);
    let w9 = bswap<u32>(load<u32>(p, 36));
    g += bsig1(d) + choose(d, e, f) + 0x12835b01 + w9; c += g; g += bsig0(h) + majority(h, a, b);
    let w10 = bswap<u32>(load<u32>(p, 40));
    f += bsig1(c) + choose(c, d, e) + 0x243185be + w10; b += f; f += bsig0(g) + majority(g, h, a);
    let w11 = bswap<u32>(load<u32>(p, 44));
    e += bsig1(b) + choose(b, c, d) + 0x550c7dc3 + w11; a += e; e += bsig0(f) + majority(f, g, h);
    let w12 = bswap<u32>(load<u32>(p, 48));
    d += bsig1(a) + choose(a, b, c) + 0x72be5d74 + w12; h += d; d += bsig0(e) + majority(e, f, g);
    let w13 = bswap<u32>(load<u32>(p, 52));
    c += bsig1(h) + choose(h, a, b) + 0x80deb1fe + w13; g += c; c += bsig0(d) + majority(d, e, f);
    let w14 = bswap<u32>(load<u32>(p, 56));
    b += bsig1(g) + choose(g, h, a) + 0x9bdc06a7 + w14; f += b; b += bsig0(c) + majority(c, d, e);
    let w15 = bswap<u32>(load<u32>(p, 60));
    a += bsig1(f) + choose(f, g, h) + 0xc19bf174 + w15; e += a; a += bsig0(b) + majority(b, c, d);
    w0 += ssig1(w14) + w9 + ssig0(w1);
    h += bsig1(e) + choose(e, f, g) + 0xe49b69c1 + w0; d += h; h += bsig0(a) + majority(a, b, c);
    w1 += ssig1(w15) + w10 + ssig0(w2);
    g += bsig1(d) + choose(d, e, f) + 0xefbe4786 + w1; c += g; g += bsig0(h) + majority(h, a, b);
    w2 += ssig1(w0) + w11 + ssig0(w3);
    f += bsig1(c) + choose(c, d, e) + 0x0fc19dc6 + w2; b += f; f += bsig0(g) + majority(g, h, a);
    w3 += ssig1(w1) + w12 + ssig0(w4);
    e += bsig1(b) + choose(b, c, d) + 0x240ca1cc + w3; a += e; e += bsig0(f) + majority(f, g, h);
    w4 += ssig1(w2) + w13 + ssig0(w5);
    d += bsig1(a) + choose(a, b, c) + 0x2de92c6f + w4; h += d; d += bsig0(e) + majority(e, f, g);
    w5 += ssig1(w3) + w14 + ssig0(w6);
    c += bsig1(h) + choose(h, a, b) + 0x4a7484aa + w5; g += c; c += bsig0(d) + majority(d, e, f);
    w6 += ssig1(w4) + w15 + ssig0(w7);
    b += bsig1(g) + choose(g, h, a) + 0x5cb0a9dc + w6; f += b; b += bsig0(c) + majority(c, d, e);
    w7 += ssig1(w5) + w0 + ssig0(w8);
    a += bsig1(f) + choose(f, g, h) + 0x76f988da + w7; e += a; a += bsig0(b) + majority(b, c, d);
    w8 += ssig1(w6) + w1 + ssig0(w9);
    h += bsig1(e) + choose(e, f, g) + 0x983e5152 + w8; d += h; h += bsig0(a) + majority(a, b, c);
    w9 += ssig1(w7) + w2 + ssig0(w10);
    g += bsig1(d) + choose(d, e, f) + 0xa831c66d + w9; c += g; g += bsig0(h) + majority(h, a, b);
    w10 += ssig1(w8) + w3 + ssig0(w11);
    f += bsig1(c) + choose(c, d, e) + 0xb00327c8 + w10; b += f; f += bsig0(g) + majority(g, h, a);
    w11 += ssig1(w9) + w4 + ssig0(w12);
    e += bsig1(b) + choose(b, c, d) + 0xbf597fc7 + w11; a += e; e += bsig0(f) + majority(f, g, h);
    w12 += ssig1(w10) + w5 + ssig0(w13);
    d += bsig1(a) + choose(a, b, c) + 0xc6e00bf3 + w12; h += d; d += bsig0(e) + majority(e, f, g);
    w13 += ssig1(w11) + w6 + ssig0(w14);
    c += bsig1(h) + choose(h, a, b) + 0xd5a79147 + w13; g += c; c += bsig0(d) + majority(d, e, f);
    w14 += ssig1(w12) + w7 + ssig0(w15);
    b += bsig1(g) + choose(g, h, a) + 0x06ca6351 + w14; f += b; b += bsig0(c) + majority(c, d, e);
    w15 += ssig1(w13) + w8 + ssig0(w0);
    a += bsig1(f) + choose(f, g, h) + 0x14292967 + w15; e += a; a += bsig0(b) + majority(b, c, d);
    w0 += ssig1(w14) + w9 + ssig0(w1);
    h += bsig1(e) + choose(e, f, g) + 0x27b70a85 + w0; d += h; h += bsig0(a) + majority(a, b, c);
    w1 += ssig1(w15) + w10 + ssig0(w2);
    g += bsig1(d) + choose(d, e, f) + 0x2e1b2138 + w1; c += g; g += bsig0(h) + majority(h, a, b);
    w2 += ssig1(w0) + w11 + ssig0(w3);
    f += bsig1(c) + choose(c, d, e) + 0x4d2c6dfc + w2; b += f; f += bsig0(g) + majority(g, h, a);
    w3 += ssig1(w1) + w12 + ssig0(w4);
    e += bsig1(b) + choose(b, c, d) + 0x53380d13 + w3; a += e; e += bsig0(f) + majority(f, g, h);
    w4 += ssig1(w2) + w13 + ssig0(w5);
    d += bsig1(a) + choose(a, b, c) + 0x650a7354 + w4; h += d; d += bsig0(e) + majority(e, f, g);
    w5 += ssig1(w3) + w14 + ssig0(w6);
    c += bsig1(h) + choose(h, a, b) + 0x766a0abb + w5; g += c; c += bsig0(d) + majority(d, e, f);
    w6 += ssig1(w4) + w15 + ssig0(w7);
    b += bsig1(g) + choose(g, h, a) + 0x81c2c92e + w6; f += b; b += bsig0(c) + majority(c, d, e);
    w7 += ssig1(w5) + w0 + ssig0(w8);
    a += bsig1(f) + choose(f, g, h) + 0x92722c85 + w7; e += a; a += bsig0(b) + majority(b, c, d);
    w8 += ssig1(w6) + w1 + ssig0(w9);
    h += bsig1(e) + choose(e, f, g) + 0xa2bfe8a1 + w8; d += h; h += bsig0(a) + majority(a, b, c);
    w9 += ssig1(w7) + w2 + ssig0(w10);
    g += bsig1(d) + choose(d, e, f) + 0xa81a664b + w9; c += g; g += bsig0(h) + majority(h, a, b);
    w10 += ssig1(w8) + w3 + ssig0(w11);
    f += bsig1(c) + choose(c, d, e) + 0xc24b8b70 + w10; b += f; f += bsig0(g) + majority(g, h, a);
    w11 += ssig1(w9) + w4 + ssig0(w12);
    e += bsig1(b) + choose(b, c, d) + 0xc76c51a3 + w11; a += e; e += bsig0(f) + majority(f, g, h);
    w12 += ssig1(w10) + w5 + ssig0(w13);
    d += bsig1(a) + choose(a, b, c) + 0xd192e819 + w12; h += d; d += bsig0(e) + majority(e, f, g);
    w13 += ssig1(w11) + w6 + ssig0(w14);
    c += bsig1(h) + choose(h, a, b) + 0xd6990624 + w13; g += c; c += bsig0(d) + majority(d, e, f);
    w14 += ssig1(w12) + w7 + ssig0(w15);
    b += bsig1(g) + choose(g, h, a) + 0xf40e3585 + w14; f += b; b += bsig0(c) + majority(c, d, e);
    w15 += ssig1(w13) + w8 + ssig0(w0);
    a += bsig1(f) + choose(f, g, h) + 0x106aa070 + w15; e += a; a += bsig0(b) + majority(b, c, d);
    w0 += ssig1(w14) + w9 + ssig0(w1);
    h += bsig1(e) + choose(e, f, g) + 0x19a4c116 + w0; d += h; h += bsig0(a) + majority(a, b, c);
    w1 += ssig1(w15) + w10 + ssig0(w2);
    g += bsig1(d) + choose(d, e, f) + 0x1e376c08 + w1; c += g; g += bsig0(h) + majority(h, a, b);
    w2 += ssig1(w0) + w11 + ssig0(w3);
    f += bsig1(c) + choose(c, d, e) + 0x2748774c + w2; b += f; f += bsig0(g) + majority(g, h, a);
    w3 += ssig1(w1) + w12 + ssig0(w4);
    e += bsig1(b) + choose(b, c, d) + 0x34b0bcb5 + w3; a += e; e += bsig0(f) + majority(f, g, h);
    w4 += ssig1(w2) + w13 + ssig0(w5);
    d += bsig1(a) + choose(a, b, c) + 0x391c0cb3 + w4; h += d; d += bsig0(e) + majority(e, f, g);
    w5 += ssig1(w3) + w14 + ssig0(w6);
    c += bsig1(h) + choose(h, a, b) + 0x4ed8aa4a + w5; g += c; c += bsig0(d) + majority(d, e, f);
    w6 += ssig1(w4) + w15 + ssig0(w7);
    b += bsig1(g) + choose(g, h, a) + 0x5b9cca4f + w6; f += b; b += bsig0(c) + majority(c, d, e);
    w7 += ssig1(w5) + w0 + ssig0(w8);
    a += bsig1(f) + choose(f, g, h) + 0x682e6ff3 + w7; e += a; a += bsig0(b) + majority(b, c, d);
    w8 += ssig1(w6) + w1 + ssig0(w9);
    h += bsig1(e) + choose(e, f, g) + 0x748f82ee + w8; d += h; h += bsig0(a) + majority(a, b, c);
    w9 += ssig1(w7) + w2 + ssig0(w10);
    g += bsig1(d) + choose(d, e, f) + 0x78a5636f + w9; c += g; g += bsig0(h) + majority(h, a, b);
    w10 += ssig1(w8) + w3 + ssig0(w11);
    f += bsig1(c) + choose(c, d, e) + 0x84c87814 + w10; b += f; f += bsig0(g) + majority(g, h, a);
    w11 += ssig1(w9) + w4 + ssig0(w12);
    e += bsig1(b) + choose(b, c, d) + 0x8cc70208 + w11; a += e; e += bsig0(f) + majority(f, g, h);
    w12 += ssig1(w10) + w5 + ssig0(w13);
    d += bsig1(a) + choose(a, b, c) + 0x90befffa + w12; h += d; d += bsig0(e) + majority(e, f, g);
    w13 += ssig1(w11) + w6 + ssig0(w14);
    c += bsig1(h) + choose(h, a, b) + 0xa4506ceb + w13; g += c; c += bsig0(d) + majority(d, e, f);
    w14 += ssig1(w12) + w7 + ssig0(w15);
    b += bsig1(g) + choose(g, h, a) + 0xbef9a3f7 + w14; f += b; b += bsig0(c) + majority(c, d, e);
    w15 += ssig1(w13) + w8 + ssig0(w0);
    a += bsig1(f) + choose(f, g, h) + 0xc67178f2 + w15; e += a; a += bsig0(b) + majority(b, c, d);

    h0 += a; h1 += b; h2 += c; h3 += d; h4 += e; h5 += f; h6 += g; h7 += h;
  }
  store<u32>(CTX, h0, 0); store<u32>(CTX, h1, 4); store<u32>(CTX, h2, 8); store<u32>(CTX, h3, 12);
  store<u32>(CTX, h4, 16); store<u32>(CTX, h5, 20); store<u32>(CTX, h6, 24); store<u32>(CTX, h7, 28);
}

/** Where the context lives; the host reads the address once. */
export function sha256Context(): usize { return CTX; }

/** Start a new hash: the initial hash value (FIPS 180-4 section 5.3.3), nothing buffered. */
export function sha256Init(): void {
  store<u32>(CTX, 0x6a09e667, 0); store<u32>(CTX, 0xbb67ae85, 4); store<u32>(CTX, 0x3c6ef372, 8);
  store<u32>(CTX, 0xa54ff53a, 12); store<u32>(CTX, 0x510e527f, 16); store<u32>(CTX, 0x9b05688c, 20);
  store<u32>(CTX, 0x1f83d9ab, 24); store<u32>(CTX, 0x5be0cd19, 28);
  store<u64>(CTX + SHA256_CTX_LENGTH, 0);
  store<u32>(CTX + SHA256_CTX_BUFFERED, 0);
}

/**
 * Hash the `len` bytes the host wrote at IO_IN. 0, or ERR_BAD_ARGUMENT when `len` exceeds the
 * window or the context the host restored is not one this module wrote (buffered >= 64).
 */
export function sha256Update(len: usize): i32 {
  const block = CTX + SHA256_CTX_BLOCK;
  let buffered = load<u32>(CTX + SHA256_CTX_BUFFERED) as usize;
  if (len > IO_IN_SIZE || buffered >= SHA256_BLOCK_BYTES) return ERR_BAD_ARGUMENT;
  store<u64>(CTX + SHA256_CTX_LENGTH, load<u64>(CTX + SHA256_CTX_LENGTH) + (len as u64));
  let at: usize = 0;
  if (buffered > 0) {
    const take = min(SHA256_BLOCK_BYTES - buffered, len);
    memory.copy(block + buffered, IO_IN, take);
    buffered += take;
    at = take;
    if (buffered < SHA256_BLOCK_BYTES) {
      store<u32>(CTX + SHA256_CTX_BUFFERED, buffered as u32);
      return 0;
    }
    compressBlocks(block, 1);
  }
  const whole = (len - at) >> 6;
  if (whole > 0) compressBlocks(IO_IN + at, whole);
  at += whole << 6;
  memory.copy(block, IO_IN + at, len - at);
  store<u32>(CTX + SHA256_CTX_BUFFERED, (len - at) as u32);
  return 0;
}

/** Pad (FIPS 180-4 section 5.1.1) and write the 32 digest bytes, big-endian, at IO_OUT. */
export function sha256Final(): i32 {
  const block = CTX + SHA256_CTX_BLOCK;
  const buffered = load<u32>(CTX + SHA256_CTX_BUFFERED) as usize;
  if (buffered >= SHA256_BLOCK_BYTES) return ERR_BAD_ARGUMENT;
  const bits = load<u64>(CTX + SHA256_CTX_LENGTH) << 3;
  store<u8>(block + buffered, 0x80);
  memory.fill(block + buffered + 1, 0, SHA256_BLOCK_BYTES - buffered - 1);
  if (buffered >= 56) {
    compressBlocks(block, 1);
    memory.fill(block, 0, 56);
  }
  store<u64>(block, bswap<u64>(bits), 56);
  compressBlocks(block, 1);
  for (let i: usize = 0; i < 8; i++) store<u32>(IO_OUT + (i << 2), bswap<u32>(load<u32>(CTX + (i << 2))));
  store<u32>(CTX + SHA256_CTX_BUFFERED, 0);
  return 0;
}
