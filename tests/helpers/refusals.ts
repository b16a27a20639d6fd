// Tables of inputs the digest parser and MetadataCache must refuse, and one assertion for
// "refused with the typed error, quoting the input".

import { expect } from "vitest";
import { InvalidDigestError, LayerlensError } from "../../src/node.js";

type Reason = InvalidDigestError["reason"];

const hex64 = "0123456789abcdef".repeat(4);

/** [input, reason]: every way a string (or a non-string) fails to be an OCI digest. */
export const REFUSED_DIGESTS: [unknown, Reason][] = [
  ["", "empty"],
  ["sha256", "format"],
  ["0123456789abcdef", "format"],
  ["x".repeat(300), "format"], // too long to be a digest, no colon
  ["sha256:", "length"],
  [":" + hex64, "algorithm"],
  ["md5:" + "a".repeat(32), "algorithm"],
  ["SHA256:" + hex64, "algorithm"],
  ["sha384:" + "a".repeat(96), "algorithm"],
  [" sha256:" + hex64, "algorithm"],
  ["sha25:" + hex64, "algorithm"],
  ["md5:" + "a".repeat(300), "algorithm"], // too long, unknown algorithm
  ["sha256:" + hex64.slice(1), "length"],
  ["sha256:" + hex64 + "0", "length"],
  ["sha256:" + hex64 + "\n", "length"],
  ["sha512:" + hex64, "length"],
  ["sha512:" + hex64 + hex64.slice(1), "length"],
  ["sha256:" + "a".repeat(500), "length"],
  ["sha256:" + hex64.toUpperCase(), "hex"],
  ["sha256:" + "A" + hex64.slice(1), "hex"],
  ["sha256:" + hex64.slice(1) + "g", "hex"],
  ["sha512:" + hex64 + hex64.slice(1) + "G", "hex"],
  ["sha256:" + hex64.slice(2) + "\u0000\u0000", "hex"],
  ["sha256:" + hex64.slice(1) + ":", "hex"],
  ["sha256:" + "\u00e1".repeat(64), "hex"], // Latin-1: a byte, but not ASCII
  ["sha256:" + "\u0161".repeat(64), "hex"], // truncated to a byte it would be 'a'
  ["sha256:" + "\u{1f600}".repeat(32), "hex"], // surrogate pairs: 64 UTF-16 units
  [null, "format"],
  [undefined, "format"],
  [{ digest: "sha256:" + hex64 }, "format"],
  [["sha256:" + hex64], "format"],
  [true, "format"],
];

/** Numbers that are not handles parseDigest() returned. */
export const BAD_HANDLES: number[] = [0x7ffffff0, 2 ** 32 - 1, -1, 1.5, NaN, Infinity, 2 ** 32];

/** f must throw InvalidDigestError with `reason`, code INVALID_DIGEST, quoting `input`. */
export function expectDigestRefusal(f: () => unknown, input: unknown, reason: Reason): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, `${String(input).slice(0, 40)} must be refused`).toBeInstanceOf(InvalidDigestError);
  expect(err).toBeInstanceOf(LayerlensError);
  const e = err as InvalidDigestError;
  expect(e.code).toBe("INVALID_DIGEST");
  expect(e.name).toBe("InvalidDigestError");
  expect(e.reason).toBe(reason);
  expect(e.input).toBe(String(input));
  const shown = String(input).length > 200 ? String(input).slice(0, 200) : String(input);
  expect(e.message).toContain(JSON.stringify(shown).slice(0, -1));
}
