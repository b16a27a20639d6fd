// Names are bytes: decodeName/encodeName round-trip every byte string, comparePaths orders name
// strings as their bytes compare, and JSON carries a name string unchanged. The reference for
// "valid UTF-8" is Node's own strict decoder: a string that decodes without raw-byte stand-ins
// must be exactly what TextDecoder({ fatal: true }) gives.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeName, displayName, encodeName, hasRawBytes } from "../../src/fs/name-bytes.js";
import { comparePaths } from "../../src/fs/path.js";

// Bytes biased to the interesting range: ASCII, continuation bytes, lead bytes, 0xED (surrogates).
const byte = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }),
  fc.integer({ min: 0x80, max: 0xff }),
  fc.constantFrom(0xed, 0xa0, 0xb2, 0xc0, 0xf4, 0x90),
);
const bytes = fc.array(byte, { maxLength: 24 }).map((a) => Uint8Array.from(a));
const cmp = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe("name bytes", () => {
  it("encodeName(decodeName(b)) is b", () => {
    fc.assert(
      fc.property(bytes, (b) => {
        expect(Buffer.from(encodeName(decodeName(b))).equals(Buffer.from(b))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it("valid UTF-8 decodes as TextDecoder decodes it, and only then without raw bytes", () => {
    fc.assert(
      fc.property(bytes, (b) => {
        let strict: string | null = null;
        try {
          strict = new TextDecoder("utf-8", { fatal: true }).decode(b);
        } catch {
          /* not UTF-8 */
        }
        const s = decodeName(b);
        expect(hasRawBytes(s)).toBe(strict === null);
        if (strict !== null) expect(s).toBe(strict);
      }),
      { numRuns: 3000 },
    );
  });

  it("comparePaths orders names as their bytes", () => {
    fc.assert(
      fc.property(bytes, bytes, (a, b) => {
        expect(Math.sign(comparePaths(decodeName(a), decodeName(b)))).toBe(Math.sign(cmp(a, b)));
      }),
      { numRuns: 3000 },
    );
  });

  it("JSON carries a name string unchanged", () => {
    fc.assert(
      fc.property(bytes, (b) => {
        const s = decodeName(b);
        expect(JSON.parse(JSON.stringify(s))).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });

  it("displayName is one to one", () => {
    fc.assert(
      fc.property(bytes, bytes, (a, b) => {
        if (cmp(a, b) !== 0) expect(displayName(decodeName(a))).not.toBe(displayName(decodeName(b)));
      }),
      { numRuns: 3000 },
    );
  });
});
