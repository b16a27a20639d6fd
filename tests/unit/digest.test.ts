// Digest parsing and handles: anything that is not a digest is refused with a typed
// error that quotes the bad input. The refusal table is shared with the cache tests.

import { describe, expect, it } from "vitest";
import { CoreError, InvalidDigestError, LayerlensError, formatDigest, isDigest, parseDigest, validateDigest } from "../../src/node.js";
import type { DigestHandle } from "../../src/node.js";
import { debug, release } from "../helpers/core.js";
import { BAD_HANDLES, REFUSED_DIGESTS, expectDigestRefusal } from "../helpers/refusals.js";

const good256 = "sha256:" + "0123456789abcdef".repeat(4);
const good512 = "sha512:" + "0123456789abcdef".repeat(8);

describe.each([
  ["debug", debug],
  ["release", release],
])("digests on the %s core", (_name, core) => {
  it("accepts both algorithms and formats a handle back to the same string", () => {
    for (const d of [good256, good512]) {
      expect(isDigest(d, core)).toBe(true);
      expect(validateDigest(d, core)).toBe(d);
      const h = parseDigest(d, core);
      expect(parseDigest(d, core), "interning twice gives the same handle").toBe(h);
      expect(formatDigest(h, core)).toBe(d);
    }
  });

  it("gives sha512 digests that share their first 32 bytes different handles", () => {
    const a = "sha512:" + "ab".repeat(32) + "0".repeat(64);
    const b = "sha512:" + "ab".repeat(32) + "0".repeat(63) + "1";
    const c = "sha256:" + "ab".repeat(32);
    const [ha, hb, hc] = [a, b, c].map((d) => parseDigest(d, core));
    expect(new Set([ha, hb, hc]).size).toBe(3);
    expect([ha, hb, hc].map((h) => formatDigest(h, core))).toEqual([a, b, c]);
  });

  it.each(REFUSED_DIGESTS)("refuses %j (%s) everywhere, quoting it", (input, reason) => {
    expect(isDigest(input as string, core)).toBe(false);
    expectDigestRefusal(() => parseDigest(input as string, core), input, reason);
    expectDigestRefusal(() => validateDigest(input as string, core), input, reason);
  });

  it.each(BAD_HANDLES)("formatDigest refuses the non-handle %s with CoreError BAD_HANDLE", (h) => {
    let err: unknown;
    try {
      formatDigest(h as DigestHandle, core);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CoreError);
    expect(err).toBeInstanceOf(LayerlensError);
    expect((err as CoreError).code).toBe("BAD_HANDLE");
    expect((err as Error).message).toContain(String(h));
  });

  it("InvalidDigestError clips a huge input in its message but keeps it whole in .input", () => {
    const huge = "sha256:" + "a".repeat(100_000);
    let err: unknown;
    try {
      parseDigest(huge, core);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidDigestError);
    expect((err as InvalidDigestError).input).toBe(huge);
    expect((err as Error).message.length).toBeLessThan(400);
  });
});

describe("the digest rule without a core", () => {
  const noCore = {} as never; // isDigest/validateDigest must not touch it

  it("isDigest and validateDigest answer from the TypeScript rule alone", () => {
    expect(isDigest(good256, noCore)).toBe(true);
    expect(isDigest(good512, noCore)).toBe(true);
    expect(validateDigest(good512, noCore)).toBe(good512);
    for (const [input, reason] of REFUSED_DIGESTS) {
      expect(isDigest(input as string, noCore)).toBe(false);
      expectDigestRefusal(() => validateDigest(input as string, noCore), input, reason);
    }
  });

  it("a well-formed digest of another algorithm is refused as unsupported, naming it", () => {
    for (const d of ["sha384:" + "a".repeat(96), "blake3:" + "a".repeat(64), "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564"]) {
      let err: unknown;
      try {
        validateDigest(d);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidDigestError);
      expect((err as InvalidDigestError).reason).toBe("algorithm");
      expect((err as Error).message).toContain(`algorithm ${JSON.stringify(d.slice(0, d.indexOf(":")))} is not supported`);
    }
    let err: unknown;
    try {
      validateDigest("SHA256:" + "a".repeat(64));
    } catch (e) {
      err = e;
    }
    expect((err as InvalidDigestError).reason).toBe("algorithm");
    expect((err as Error).message).toContain('"SHA256" is not an algorithm');
  });
});
