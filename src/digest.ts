// OCI digests on the TypeScript side: validation and handles.
//
// parseDigest() validates a digest string once and interns it in the core's digest table;
// the handle (a small integer) is what the cache, pool and graph take on their fast paths.
// Spec: https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests

import { CoreError, InvalidDigestError } from "./errors.js";
import { Core, getDefaultCore } from "./wasm/core.js";
import {
  ERR_DIGEST_ALGORITHM, ERR_DIGEST_EMPTY, ERR_DIGEST_FORMAT, ERR_DIGEST_HEX, ERR_DIGEST_LENGTH,
} from "./wasm/abi.js";

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
  return new InvalidDigestError(input, REASONS.get(code) ?? "format");
}

/**
 * Copy `s` into the core's IO window at `at`. Returns its length, or a negative digest
 * error code when it cannot be a digest before any parsing (too long, not ASCII).
 */
export function writeDigestString(core: Core, s: string, at: number): number {
  if (typeof s !== "string") return ERR_DIGEST_FORMAT;
  if (s.length > MAX_DIGEST_LENGTH) return classifyLong(s);
  return core.writeAscii(s, at) ? s.length : ERR_DIGEST_HEX;
}

/** Why a too-long string is not a digest, without crossing into the core. */
function classifyLong(s: string): number {
  const colon = s.indexOf(":");
  if (colon < 0) return ERR_DIGEST_FORMAT;
  const alg = s.slice(0, colon);
  return alg === "sha256" || alg === "sha512" ? ERR_DIGEST_LENGTH : ERR_DIGEST_ALGORITHM;
}

/** Validate `digest` and intern it; throws InvalidDigestError quoting the input. */
export function parseDigest(digest: string, core: Core = getDefaultCore()): DigestHandle {
  let r = writeDigestString(core, digest, core.ioIn);
  if (r >= 0) r = core.exports.digestIntern(r);
  if (r < 0) throw digestError(String(digest), r);
  return r as DigestHandle;
}

/** True when `digest` is a valid OCI digest (sha256/sha512, lowercase hex). */
export function isDigest(digest: string, core: Core = getDefaultCore()): boolean {
  let r = writeDigestString(core, digest, core.ioIn);
  if (r >= 0) r = core.exports.digestValidate(r);
  return r >= 0;
}

/** Throw InvalidDigestError unless `digest` is valid; returns it unchanged. */
export function validateDigest(digest: string, core: Core = getDefaultCore()): string {
  let r = writeDigestString(core, digest, core.ioIn);
  if (r >= 0) r = core.exports.digestValidate(r);
  if (r < 0) throw digestError(String(digest), r);
  return digest;
}

/** The digest string of a handle; CoreError BAD_HANDLE for a number parseDigest() never returned. */
export function formatDigest(handle: DigestHandle, core: Core = getDefaultCore()): string {
  // Checked here: wasm would truncate 1.5 or NaN to a real handle.
  const len = typeof handle === "number" && (handle >>> 0) === handle ? core.exports.digestWrite(handle) : -1;
  if (len < 0) throw new CoreError("BAD_HANDLE", `formatDigest: ${String(handle)} is not a digest handle from parseDigest()`);
  return core.readAscii(core.ioOut, len);
}
