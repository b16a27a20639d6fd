// The digest rule is written twice, of necessity: in TypeScript (src/oci/digest.ts), which every
// validator and reader uses and which needs no core, and in the core's byte parser
// (assembly/digest.ts), which interns digests for the cache, pool and graph. On arbitrary
// strings, biased towards near-digests, the two must accept exactly the same ones, give the
// same reason for every string the core itself reads (ASCII, at most 135 characters), and a
// handle must format back to the string it came from.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { digestError, formatDigest, parseDigest, writeDigestString, MAX_DIGEST_LENGTH } from "../../src/digest.js";
import { InvalidDigestError } from "../../src/errors.js";
import { digestProblem } from "../../src/oci/digest.js";
import type { Core } from "../../src/wasm/core.js";
import { debug, release } from "../helpers/core.js";

const HEX = "0123456789abcdef";
const hexOf = (n: number) => fc.string({ unit: fc.constantFrom(...HEX), minLength: n, maxLength: n });

/** Strings near the grammar: registered and other algorithms, right and wrong lengths, one character changed. */
const nearDigest = fc.oneof(
  fc.tuple(fc.constantFrom("sha256", "sha512"), fc.nat(140)).chain(([alg, n]) => hexOf(n).map((h) => `${alg}:${h}`)),
  fc.constantFrom("sha256", "sha512").chain((alg) => hexOf(alg === "sha256" ? 64 : 128).map((h) => `${alg}:${h}`)),
  fc
    .tuple(
      fc.constantFrom(
        "sha256",
        "sha512",
        "sha384",
        "SHA256",
        "sha25",
        "md5",
        "blake3",
        "sha256+b64u",
        "",
        " sha256",
        "sha256:sha256",
        "sha2\u00e16",
      ),
      fc.constantFrom(":", "", "::", "-"),
      fc.string({ unit: fc.constantFrom(...HEX, "A", "g", "=", "_", "-", ":", "\u0000", "\u00e9", "\u{1f600}"), maxLength: 140 }),
    )
    .map(([a, sep, rest]) => a + sep + rest),
);

/** A valid digest with one code unit replaced, inserted or removed. */
const mutated = fc
  .tuple(
    fc.constantFrom("sha256", "sha512").chain((alg) => hexOf(alg === "sha256" ? 64 : 128).map((h) => `${alg}:${h}`)),
    fc.nat(),
    fc.string({ maxLength: 2 }),
    fc.nat(2),
  )
  .map(([d, at, s, drop]) => {
    const i = at % (d.length + 1);
    return d.slice(0, i) + s + d.slice(i + drop);
  });

const anyString = fc.oneof(nearDigest, mutated, fc.string({ maxLength: 150 }), fc.string({ unit: "binary", maxLength: 150 }));

/** The core's own verdict: its error code, or 0 when it accepts. */
function coreVerdict(core: Core, s: string): number {
  let r = writeDigestString(core, s, core.ioIn);
  if (r >= 0) r = core.exports.digestValidate(r);
  return r < 0 ? r : 0;
}

describe.each([
  ["debug", debug],
  ["release", release],
])("digest grammar vs the %s core", (_name, core) => {
  it("accept the same strings, refuse with the same reason, and handles format back", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const problem = digestProblem(s);
        const verdict = coreVerdict(core, s);
        expect(verdict === 0, `core and grammar on ${JSON.stringify(s)}`).toBe(problem === undefined);
        // eslint-disable-next-line no-control-regex -- the core reads ASCII only, and NUL (\x00) is ASCII
        const coreReads = s.length <= MAX_DIGEST_LENGTH && /^[\x00-\x7f]*$/.test(s);
        if (problem && coreReads) {
          // The core's code mapped by the table it has always used, not by the grammar.
          const reasons: Record<number, string> = { [-1]: "empty", [-2]: "algorithm", [-3]: "length", [-4]: "hex", [-5]: "format" };
          expect(reasons[verdict], `reason for ${JSON.stringify(s)}`).toBe(problem.reason);
        }
        if (problem) {
          let err: unknown;
          try {
            parseDigest(s, core);
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(InvalidDigestError);
          expect((err as InvalidDigestError).reason).toBe(problem.reason);
          expect(digestError(s, verdict).reason).toBe(problem.reason);
        } else {
          expect(formatDigest(parseDigest(s, core), core)).toBe(s);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
