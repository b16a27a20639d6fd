// A streaming sha512 in plain TypeScript (FIPS 180-4 section 6.4), for the same runtimes as
// sha256.ts: those with no incremental native hash. JavaScript has no fast 64-bit integers
// (BigInt allocates), so every 64-bit word is a pair of Int32 halves, high then low, and
// additions carry from the low half by hand. The low halves of up to five addends are summed
// as unsigned doubles (below 2^35, exact) and the carry is that sum divided by 2^32.
// Spec: https://csrc.nist.gov/pubs/fips/180-4/upd1/final

const TWO_32 = 0x100000000;

/**
 * The first 64 bits of the fractional part of the n-th root of each of the first `count`
 * primes, as [hi, lo] Int32 pairs: FIPS 180-4 defines K (section 4.2.3, cube roots of 80
 * primes) and H(0) (section 5.3.5, square roots of 8 primes) this way. Computed exactly with
 * BigInt once, instead of typing 176 hex words: floor(root(p * 2^(64n))) mod 2^64.
 */
function rootFractions(count: number, n: 2 | 3): Int32Array {
  const out = new Int32Array(count * 2);
  let p = 1;
  for (let i = 0; i < count; i++) {
    do p++;
    while (!isPrime(p));
    const bits = integerRoot(BigInt(p) << BigInt(64 * n), n) & ((1n << 64n) - 1n);
    out[2 * i] = Number(bits >> 32n) | 0;
    out[2 * i + 1] = Number(bits & 0xffffffffn) | 0;
  }
  return out;
}

function isPrime(p: number): boolean {
  for (let d = 2; d * d <= p; d++) if (p % d === 0) return false;
  return true;
}

/** floor(x^(1/n)) by Newton's method from above (it decreases monotonically to the root). */
function integerRoot(x: bigint, n: 2 | 3): bigint {
  const k = BigInt(n);
  let r = 1n << BigInt(Math.ceil(x.toString(2).length / n));
  for (;;) {
    const next = ((k - 1n) * r + x / r ** (k - 1n)) / k;
    if (next >= r) return r;
    r = next;
  }
}

let K: Int32Array | undefined;
let H0: Int32Array | undefined;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

class JsSha512 {
  private readonly k: Int32Array;
  private readonly h: Int32Array;
  private readonly w = new Int32Array(160);
  private readonly block = new Uint8Array(128);
  private buffered = 0;
  private length = 0;
  private done = false;

  constructor() {
    this.k = K ??= rootFractions(80, 3);
    this.h = (H0 ??= rootFractions(8, 2)).slice();
  }

  update(bytes: Uint8Array): void {
    if (this.done) throw new Error("sha512: update() after digest()");
    this.length += bytes.length;
    let i = 0;
    if (this.buffered > 0) {
      const take = Math.min(128 - this.buffered, bytes.length);
      this.block.set(bytes.subarray(0, take), this.buffered);
      this.buffered += take;
      i = take;
      if (this.buffered < 128) return;
      this.compress(this.block, 0);
      this.buffered = 0;
    }
    for (; i + 128 <= bytes.length; i += 128) this.compress(bytes, i);
    if (i < bytes.length) {
      this.block.set(bytes.subarray(i), 0);
      this.buffered = bytes.length - i;
    }
  }

  digest(): string {
    if (this.done) throw new Error("sha512: digest() called twice");
    // A 1 bit, zeros, then the length in bits as a 128-bit big-endian number (section 5.1.2);
    // byte lengths stay below 2^53, so the top 64 bits of that number are zero.
    const bits = this.length * 8;
    const pad = new Uint8Array(this.buffered < 112 ? 128 - this.buffered : 256 - this.buffered);
    pad[0] = 0x80;
    const view = new DataView(pad.buffer);
    view.setUint32(pad.length - 8, Math.floor(bits / TWO_32));
    view.setUint32(pad.length - 4, bits >>> 0);
    this.update(pad);
    this.done = true;
    let out = "sha512:";
    for (let j = 0; j < 16; j++) {
      const v = this.h[j];
      out += HEX[(v >>> 24) & 255] + HEX[(v >>> 16) & 255] + HEX[(v >>> 8) & 255] + HEX[v & 255];
    }
    return out;
  }

  // Rotations by n >= 32 swap the halves and rotate by n - 32; none of the amounts is 32.
  private compress(m: Uint8Array, off: number): void {
    const w = this.w;
    const k = this.k;
    for (let t = 0; t < 32; t++) {
      const p = off + t * 4;
      w[t] = (m[p] << 24) | (m[p + 1] << 16) | (m[p + 2] << 8) | m[p + 3];
    }
    for (let t = 32; t < 160; t += 2) {
      // sigma0(x) = ROTR1 ^ ROTR8 ^ SHR7 of W[t-15]; sigma1(y) = ROTR19 ^ ROTR61 ^ SHR6 of W[t-2]
      const xh = w[t - 30],
        xl = w[t - 29];
      const yh = w[t - 4],
        yl = w[t - 3];
      const s0h = ((xh >>> 1) | (xl << 31)) ^ ((xh >>> 8) | (xl << 24)) ^ (xh >>> 7);
      const s0l = ((xl >>> 1) | (xh << 31)) ^ ((xl >>> 8) | (xh << 24)) ^ ((xl >>> 7) | (xh << 25));
      const s1h = ((yh >>> 19) | (yl << 13)) ^ ((yl >>> 29) | (yh << 3)) ^ (yh >>> 6);
      const s1l = ((yl >>> 19) | (yh << 13)) ^ ((yh >>> 29) | (yl << 3)) ^ ((yl >>> 6) | (yh << 26));
      const lo = (s1l >>> 0) + (w[t - 13] >>> 0) + (s0l >>> 0) + (w[t - 31] >>> 0);
      w[t] = s1h + w[t - 14] + s0h + w[t - 32] + ((lo / TWO_32) | 0);
      w[t + 1] = lo;
    }
    const h = this.h;
    let ah = h[0],
      al = h[1],
      bh = h[2],
      bl = h[3],
      ch = h[4],
      cl = h[5],
      dh = h[6],
      dl = h[7];
    let eh = h[8],
      el = h[9],
      fh = h[10],
      fl = h[11],
      gh = h[12],
      gl = h[13],
      hh = h[14],
      hl = h[15];
    for (let t = 0; t < 160; t += 2) {
      // T1 = h + Sigma1(e) + Ch(e, f, g) + K[t] + W[t]; Sigma1 = ROTR14 ^ ROTR18 ^ ROTR41
      const S1h = ((eh >>> 14) | (el << 18)) ^ ((eh >>> 18) | (el << 14)) ^ ((el >>> 9) | (eh << 23));
      const S1l = ((el >>> 14) | (eh << 18)) ^ ((el >>> 18) | (eh << 14)) ^ ((eh >>> 9) | (el << 23));
      const chh = (eh & fh) ^ (~eh & gh);
      const chl = (el & fl) ^ (~el & gl);
      const t1lo = (hl >>> 0) + (S1l >>> 0) + (chl >>> 0) + (k[t + 1] >>> 0) + (w[t + 1] >>> 0);
      const t1h = (hh + S1h + chh + k[t] + w[t] + ((t1lo / TWO_32) | 0)) | 0;
      const t1l = t1lo | 0;
      // T2 = Sigma0(a) + Maj(a, b, c); Sigma0 = ROTR28 ^ ROTR34 ^ ROTR39
      const S0h = ((ah >>> 28) | (al << 4)) ^ ((al >>> 2) | (ah << 30)) ^ ((al >>> 7) | (ah << 25));
      const S0l = ((al >>> 28) | (ah << 4)) ^ ((ah >>> 2) | (al << 30)) ^ ((ah >>> 7) | (al << 25));
      const majh = (ah & bh) ^ (ah & ch) ^ (bh & ch);
      const majl = (al & bl) ^ (al & cl) ^ (bl & cl);
      const t2lo = (S0l >>> 0) + (majl >>> 0);
      const t2h = (S0h + majh + ((t2lo / TWO_32) | 0)) | 0;
      const t2l = t2lo | 0;
      hh = gh;
      hl = gl;
      gh = fh;
      gl = fl;
      fh = eh;
      fl = el;
      const elo = (dl >>> 0) + (t1l >>> 0);
      eh = (dh + t1h + ((elo / TWO_32) | 0)) | 0;
      el = elo | 0;
      dh = ch;
      dl = cl;
      ch = bh;
      cl = bl;
      bh = ah;
      bl = al;
      const alo = (t1l >>> 0) + (t2l >>> 0);
      ah = (t1h + t2h + ((alo / TWO_32) | 0)) | 0;
      al = alo | 0;
    }
    add(h, 0, ah, al);
    add(h, 2, bh, bl);
    add(h, 4, ch, cl);
    add(h, 6, dh, dl);
    add(h, 8, eh, el);
    add(h, 10, fh, fl);
    add(h, 12, gh, gl);
    add(h, 14, hh, hl);
  }
}

/** h[i..i+1] += (hi, lo) as one 64-bit word. */
function add(h: Int32Array, i: number, hi: number, lo: number): void {
  const sum = (h[i + 1] >>> 0) + (lo >>> 0);
  h[i] = h[i] + hi + ((sum / TWO_32) | 0);
  h[i + 1] = sum;
}

/** A new streaming sha512 implemented in TypeScript. */
export function streamingSha512(): { update(bytes: Uint8Array): void; digest(): string } {
  return new JsSha512();
}
