// OCI digests on the TypeScript side: validation and handles.
//
// Whether a string is a digest, and why not, is answered by one rule: src/oci/digest.ts, in
// TypeScript, so isDigest() and validateDigest() need no core. parseDigest() hands the string
// to the core, which parses it again as bytes and interns it in its digest table; the handle
// (a small integer) is what the cache, pool and graph take on their fast paths. When the core
// refuses a string, the reason still comes from the TypeScript rule, so every path reports
// the same InvalidDigestError (a property test checks that both accept the same strings).
// Spec: https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests

import { CoreError, InvalidDigestError } from "./errors.js";
import { checkDigestString, invalidDigest, isVerifiableDigest } from "./oci/digest.js";
import { Core, getDefaultCore } from "./wasm/core.js";
import { ERR_DIGEST_ALGORITHM, ERR_DIGEST_EMPTY, ERR_DIGEST_FORMAT, ERR_DIGEST_HEX, ERR_DIGEST_LENGTH } from "./wasm/abi.js";

/** An interned digest: an integer id in the core's digest table. */
export type DigestHandle = number & { readonly __digestHandle: true };

/** A digest given as its string or as a handle from parseDigest(). */
export type DigestLike = string | DigestHandle;

/** Longest valid digest string: "sha512:" + 128 hex digits. */
export const MAX_DIGEST_LENGTH = 135;

const REASONS = new Map<number, InvalidDigestError["reason"]>([
  [ERR_DIGEST_EMPTY, "empty"],
  [ERR_DIGEST_ALGORITHM, "algorithm"],
  [ERR_DIGEST_LENGTH, "length"],
  [ERR_DIGEST_HEX, "hex"],
  [ERR_DIGEST_FORMAT, "format"],
]);

/** The typed error for a failed parse of `input` with core code `code`. */
export function digestError(input: string, code: number): InvalidDigestError {
  return invalidDigest(input) ?? new InvalidDigestError(input, REASONS.get(code) ?? "format");
}

/**
 * Copy `s` into the core's IO window at `at`. Returns its length, or a negative digest
 * error code when it cannot be a digest before any parsing (not a string, too long, not
 * ASCII); digestError() then says why.
 */
export function writeDigestString(core: Core, s: string, at: number): number {
  if (typeof s !== "string") return ERR_DIGEST_FORMAT;
  if (s.length > MAX_DIGEST_LENGTH) return ERR_DIGEST_LENGTH;
  return core.writeAscii(s, at) ? s.length : ERR_DIGEST_HEX;
}

/** Validate `digest` and intern it; throws InvalidDigestError quoting the input. */
export function parseDigest(digest: string, core: Core = getDefaultCore()): DigestHandle {
  let r = writeDigestString(core, digest, core.ioIn);
  if (r >= 0) r = core.exports.digestIntern(r);
  if (r < 0) throw digestError(String(digest), r);
  return r as DigestHandle;
}

/**
 * True when `digest` is a valid OCI digest (sha256/sha512, lowercase hex). Needs no core;
 * the parameter is kept so existing calls that pass one still type-check.
 */
export function isDigest(digest: string, _core?: Core): boolean {
  return isVerifiableDigest(digest);
}

/** Throw InvalidDigestError unless `digest` is valid; returns it unchanged. Needs no core. */
export function validateDigest(digest: string, _core?: Core): string {
  return checkDigestString(digest);
}

/** The digest string of a handle; CoreError BAD_HANDLE for a number parseDigest() never returned. */
export function formatDigest(handle: DigestHandle, core: Core = getDefaultCore()): string {
  // Checked here: wasm would truncate 1.5 or NaN to a real handle.
  const len = typeof handle === "number" && handle >>> 0 === handle ? core.exports.digestWrite(handle) : -1;
  if (len < 0) throw new CoreError("BAD_HANDLE", `formatDigest: ${String(handle)} is not a digest handle from parseDigest()`);
  return core.readAscii(core.ioOut, len);
}
