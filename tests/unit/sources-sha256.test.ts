// The hashing seam: the TypeScript streaming sha256 and sha512 (used where node:crypto is
// absent) against node:crypto on arbitrary bytes split at arbitrary points, plus the FIPS 180-4
// / NIST example vectors.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { streamingSha256 } from "../../src/hash/sha256.js";
import { streamingSha512 } from "../../src/hash/sha512.js";
import { createHasher, createSha256, nativeHasherFactory, nativeSha256Factory } from "../../src/hash/hasher.js";

const reference = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");

describe("sha256", () => {
  it("FIPS 180-4 vectors", () => {
    const enc = new TextEncoder();
    const one = (s: string) => {
      const h = streamingSha256();
      h.update(enc.encode(s));
      return h.digest();
    };
    expect(one("abc")).toBe("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(one("")).toBe("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(one("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).toBe(
      "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });

  it("equals node:crypto for any bytes in any chunking", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), fc.array(fc.nat(4000), { maxLength: 8 }), (bytes, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const h = streamingSha256();
        let at = 0;
        for (const p of [...points, bytes.length]) {
          h.update(bytes.subarray(at, p));
          at = p;
        }
        expect(h.digest()).toBe(reference(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it("the default factory in Node is node:crypto and agrees", () => {
    expect(nativeSha256Factory()).toBeDefined();
    const h = createSha256();
    h.update(new Uint8Array([1, 2, 3]));
    expect(h.digest()).toBe(reference(new Uint8Array([1, 2, 3])));
  });

  it("lengths around the 55/56/64-byte padding edges", () => {
    for (let n = 50; n < 140; n++) {
      const b = new Uint8Array(n).fill(n);
      const h = streamingSha256();
      h.update(b);
      expect(h.digest()).toBe(reference(b));
    }
  });
});

const reference512 = (b: Uint8Array) => "sha512:" + createHash("sha512").update(b).digest("hex");

describe("sha512", () => {
  it("FIPS 180-4 / NIST example vectors", () => {
    const enc = new TextEncoder();
    const one = (s: string) => {
      const h = streamingSha512();
      h.update(enc.encode(s));
      return h.digest();
    };
    expect(one("abc")).toBe(
      "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    );
    expect(one("")).toBe(
      "sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    );
    expect(one("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")).toBe(
      "sha512:8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
    );
    const million = streamingSha512();
    const a = new Uint8Array(1000).fill(0x61);
    for (let i = 0; i < 1000; i++) million.update(a);
    expect(million.digest()).toBe(
      "sha512:e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b",
    );
  });

  it("equals node:crypto for any bytes in any chunking", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), fc.array(fc.nat(4000), { maxLength: 8 }), (bytes, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const h = streamingSha512();
        let at = 0;
        for (const p of [...points, bytes.length]) {
          h.update(bytes.subarray(at, p));
          at = p;
        }
        expect(h.digest()).toBe(reference512(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it("lengths around the 111/112/128-byte padding edges", () => {
    for (let n = 100; n < 270; n++) {
      const b = new Uint8Array(n).map((_, i) => (i * 31 + n) & 255);
      const h = streamingSha512();
      h.update(b);
      expect(h.digest()).toBe(reference512(b));
    }
  });

  it("createHasher picks node:crypto for each algorithm in Node, and both agree", () => {
    expect(nativeHasherFactory("sha512")).toBeDefined();
    const bytes = new Uint8Array([1, 2, 3]);
    for (const [alg, ref] of [
      ["sha256", reference],
      ["sha512", reference512],
    ] as const) {
      const h = createHasher(alg);
      h.update(bytes);
      expect(h.digest()).toBe(ref(bytes));
    }
  });

  it("refuses use after digest(), as sha256 does", () => {
    for (const make of [streamingSha256, streamingSha512]) {
      const h = make();
      h.digest();
      expect(() => h.update(new Uint8Array(1))).toThrow(/after digest/);
      expect(() => h.digest()).toThrow(/twice/);
    }
  });
});
