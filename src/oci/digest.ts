// The one rule for digest strings, in plain TypeScript so that it needs no wasm core.
// The image-spec grammar (descriptor.md, "Digests"):
//   digest                ::= algorithm ":" encoded
//   algorithm             ::= algorithm-component (algorithm-separator algorithm-component)*
//   algorithm-component   ::= [a-z0-9]+
//   algorithm-separator   ::= [+._-]
//   encoded               ::= [a-zA-Z0-9=_-]+
// and the registered algorithms, whose encoding is fixed: sha256 (64 lowercase hex digits)
// and sha512 (128). Both are verified when blobs are read (src/oci/blob.ts); a digest of any
// other algorithm, however well-formed, could not be verified, so it is refused ("algorithm"),
// never passed through unchecked.
//
// The reasons are judged in this order: empty, no colon ("format"), the text before the first
// colon is not a registered algorithm ("algorithm"), the encoded part has the wrong length
// ("length"), or holds a character outside 0-9a-f ("hex"). The core's parser (assembly/digest.ts)
// classifies every string it reads in the same order; a property test holds the two together.
// Spec: https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests

import { InvalidDigestError } from "../errors.js";
import type { HashAlgorithm } from "../hash/hasher.js";

export type DigestAlgorithm = HashAlgorithm;

/** Registered algorithms and the length of their lowercase hex encoding. */
export const DIGEST_ALGORITHMS: Readonly<Record<DigestAlgorithm, number>> = { sha256: 64, sha512: 128 };

const ALGORITHM = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*$/;
const ENCODED = /^[a-zA-Z0-9=_-]+$/;
const LOWER_HEX = /^[a-f0-9]*$/;

export interface DigestProblem {
  reason: InvalidDigestError["reason"];
  /** What is wrong, as a clause for a message: "sha256 takes 64 hex digits, got 63". */
  detail: string;
}

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  /** The lowercase hex digits after the colon. */
  encoded: string;
}

function isRegistered(algorithm: string): algorithm is DigestAlgorithm {
  return Object.hasOwn(DIGEST_ALGORITHMS, algorithm);
}

/** Why `digest` is not a digest this library can verify, or undefined when it is one. */
export function digestProblem(digest: unknown): DigestProblem | undefined {
  if (typeof digest !== "string") return { reason: "format", detail: `expected a string, got ${digest === null ? "null" : typeof digest}` };
  if (digest === "") return { reason: "empty", detail: "it is empty" };
  const colon = digest.indexOf(":");
  if (colon < 0) return { reason: "format", detail: "expected ALGORITHM:ENCODED" };
  const algorithm = digest.slice(0, colon);
  const encoded = digest.slice(colon + 1);
  if (!isRegistered(algorithm)) {
    const shown = JSON.stringify(algorithm.length > 40 ? algorithm.slice(0, 40) + "…" : algorithm);
    const wellFormed = ALGORITHM.test(algorithm) && ENCODED.test(encoded);
    return {
      reason: "algorithm",
      detail: wellFormed
        ? `algorithm ${shown} is not supported: only sha256 and sha512 can be verified`
        : `${shown} is not an algorithm (lowercase components joined by + . _ -), and only sha256 and sha512 can be verified`,
    };
  }
  const want = DIGEST_ALGORITHMS[algorithm];
  if (encoded.length !== want) return { reason: "length", detail: `${algorithm} takes ${want} hex digits, got ${encoded.length}` };
  if (!LOWER_HEX.test(encoded)) return { reason: "hex", detail: `${algorithm} takes lowercase hex digits 0-9a-f` };
  return undefined;
}

/** True when `digest` is a sha256 or sha512 digest in its canonical form. */
export function isVerifiableDigest(digest: unknown): boolean {
  return digestProblem(digest) === undefined;
}

/** The InvalidDigestError for `digest`, or undefined when it is valid. */
export function invalidDigest(digest: unknown): InvalidDigestError | undefined {
  const problem = digestProblem(digest);
  return problem && new InvalidDigestError(String(digest), problem.reason, problem.detail);
}

/** Split a digest into its algorithm and hex; throws InvalidDigestError quoting the input. */
export function parseDigestString(digest: unknown): ParsedDigest {
  const err = invalidDigest(digest);
  if (err) throw err;
  const s = digest as string;
  const colon = s.indexOf(":");
  return { algorithm: s.slice(0, colon) as DigestAlgorithm, encoded: s.slice(colon + 1) };
}

/** Throw InvalidDigestError unless `digest` is valid; returns it unchanged. */
export function checkDigestString(digest: unknown): string {
  const err = invalidDigest(digest);
  if (err) throw err;
  return digest as string;
}
