// References: parseReference on arbitrary strings and on strings built from the grammar's own
// pieces (hosts, ports, paths, tags, digests, with one piece broken) returns a reference or
// throws InvalidReferenceError, and what it returns formats back to a string that parses to
// the same reference.

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { InvalidReferenceError } from "../../src/errors.js";
import { formatReference, parseReference } from "../../src/oci/reference.js";
import { runs } from "./fuzz-inputs.js";

const RUNS = runs(100_000, 5_000);

const piece = fc.oneof(
  fc.constantFrom("docker.io", "localhost", "localhost:5000", "ghcr.io", "127.0.0.1:1", "[::1]:5000", "index.docker.io", "a.b", "A.B"),
  fc.constantFrom("library", "ubuntu", "a", "a__b", "a--b", "a.b", "_a", "a_", "UPPER", "x".repeat(129), ""),
  fc.stringMatching(/^[a-z0-9._-]{0,12}$/),
  fc.string({ maxLength: 8 }),
);
const digest = fc.oneof(
  fc.constantFrom(
    "sha256:" + "a".repeat(64),
    "sha512:" + "b".repeat(128),
    "sha256:" + "A".repeat(64),
    "sha256:",
    "md5:00",
    "sha256:" + "a".repeat(63),
  ),
  fc.string({ maxLength: 20 }),
);
const referenceish = fc
  .tuple(
    fc.array(piece, { minLength: 1, maxLength: 4 }),
    fc.option(fc.oneof(fc.stringMatching(/^[\w][\w.-]{0,10}$/), fc.string({ maxLength: 6 }))),
    fc.option(digest),
  )
  .map(([parts, tag, d]) => parts.join("/") + (tag === null ? "" : ":" + tag) + (d === null ? "" : "@" + d));

function verdict(input: string): void {
  let ref;
  try {
    ref = parseReference(input);
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(InvalidReferenceError);
    return;
  }
  expect(parseReference(formatReference(ref))).toEqual(ref);
}

describe("parseReference", () => {
  test("arbitrary strings and near-references parse (and round-trip) or raise INVALID_REFERENCE", () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: "grapheme", maxLength: 20 }), referenceish), verdict), {
      numRuns: RUNS,
    });
  });

  test("inputs that are not strings are refused, typed", () => {
    for (const v of [undefined, null, 5, {}, []]) expect(() => parseReference(v as string)).toThrow(InvalidReferenceError);
  });
});
