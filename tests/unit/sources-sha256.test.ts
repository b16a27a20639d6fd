// The sha256 seam: the TypeScript streaming sha256 (used where node:crypto is absent) against
// node:crypto on arbitrary bytes split at arbitrary points, plus the FIPS 180-4 test vectors.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { streamingSha256 } from "../../src/hash/sha256.js";
import { createSha256, nativeSha256Factory } from "../../src/hash/hasher.js";

const reference = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");

describe("sha256", () => {
  it("FIPS 180-4 vectors", () => {
    const enc = new TextEncoder();
    const one = (s: string) => { const h = streamingSha256(); h.update(enc.encode(s)); return h.digest(); };
    expect(one("abc")).toBe("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(one("")).toBe("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(one("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).toBe("sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  });

  it("equals node:crypto for any bytes in any chunking", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4000 }), fc.array(fc.nat(4000), { maxLength: 8 }), (bytes, cuts) => {
      const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      const h = streamingSha256();
      let at = 0;
      for (const p of [...points, bytes.length]) { h.update(bytes.subarray(at, p)); at = p; }
      expect(h.digest()).toBe(reference(bytes));
    }), { numRuns: 300 });
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
