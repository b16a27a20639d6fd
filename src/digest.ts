// OCI digests on the TypeScript side: validation and handles.
//
// Whether a string is a digest, and why not, is answered by one rule: src/oci/digest.ts, in
// TypeScript, so isDigest() and validateDigest() need no core. parseDigest() hands the string
// to the core, which parses it again as bytes and interns it in its digest table; the handle
// (a small integer) is what the cache, pool and graph take on their fast paths. When the core
// refuses a string, the reason still comes from the TypeScript rule, so every path reports
// the same InvalidDigestError (a property test checks that both accept the same strings).
//
// Handles are reference counted (assembly/digest.ts): parseDigest() and internDigests()
// hand the caller one reference each, a LayerGraph node or a pool record holds one of its
// own, and the digest leaves the core's table when the last holder lets go, so a process
// that reads image after image does not grow. A caller gives its reference back with
// releaseDigest(); one that never does keeps that digest for the life of the core, as
// before. A handle whose digest was released is refused (FreedError from formatDigest,
// BAD_HANDLE where a structure takes it); its slot comes back under a new generation, so
// the number is not read as the digest that took the slot next.
// Spec: https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests

import { CapacityError, CoreError, FreedError, InvalidDigestError } from "./errors.js";
import { checkDigestString, invalidDigest, isVerifiableDigest } from "./oci/digest.js";
import { Core, getDefaultCore } from "./wasm/core.js";
import {
  DIGEST_BATCH_MAX,
  ERR_CAPACITY,
  ERR_DIGEST_ALGORITHM,
  ERR_DIGEST_EMPTY,
  ERR_DIGEST_FORMAT,
  ERR_DIGEST_HEX,
  ERR_DIGEST_LENGTH,
  ERR_DIGEST_RELEASED,
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

/**
 * Validate `digest` and intern it; throws InvalidDigestError quoting the input. The handle
 * carries one reference, the caller's: releaseDigest() gives it back.
 */
export function parseDigest(digest: string, core: Core = getDefaultCore()): DigestHandle {
  let r = writeDigestString(core, digest, core.ioIn);
  if (r >= 0) r = core.exports.digestIntern(r);
  if (r === ERR_CAPACITY) throw new CapacityError(`parseDigest: the core's digest table is full (interning ${String(digest)})`);
  if (r < 0) throw digestError(String(digest), r);
  return r as DigestHandle;
}

/** True for a number that could be a handle: wasm would truncate 1.5 or NaN to a real one. */
function isU32(h: unknown): h is number {
  return typeof h === "number" && h >>> 0 === h;
}

/** The error for a handle the core refused with `code`, naming what was being done. */
export function handleError(handle: unknown, code: number, doing: string): Error {
  if (code === ERR_DIGEST_RELEASED) return new FreedError(`digest handle ${String(handle)}`, doing);
  if (code === ERR_CAPACITY) return new CapacityError(`digest handle ${String(handle)}: too many holders`);
  return new CoreError("BAD_HANDLE", `${doing}: ${String(handle)} is not a digest handle from parseDigest()`);
}

/** Count one more holder of `handle` (a structure keeping it); returns it. */
export function retainDigest(handle: DigestHandle, core: Core = getDefaultCore()): DigestHandle {
  const r = isU32(handle) ? core.exports.digestRetain(handle) : -1;
  if (r < 0) throw handleError(handle, r, "retaining");
  return handle;
}

/**
 * Give back the reference parseDigest() (or internDigests()) handed out. When no structure
 * holds the digest either, it leaves the core's table and `handle` is refused from then on.
 */
export function releaseDigest(handle: DigestHandle, core: Core = getDefaultCore()): void {
  const r = isU32(handle) ? core.exports.digestRelease(handle) : -1;
  if (r < 0) throw handleError(handle, r, "releasing");
}

/**
 * Give back many references in few crossings (a structure's whole set). Returns how many the
 * core refused (already released): a finalizer or free() tolerates those, a caller may not.
 */
export function releaseDigests(handles: ArrayLike<number>, count: number = handles.length, core: Core = getDefaultCore()): number {
  const ex = core.exports;
  let refused = 0;
  for (let start = 0; start < count; start += DIGEST_BATCH_MAX) {
    const n = Math.min(DIGEST_BATCH_MAX, count - start);
    const window = new Uint32Array(ex.memory.buffer, core.ioIn, n);
    for (let i = 0; i < n; i++) window[i] = handles[start + i];
    refused += ex.digestReleaseMany(n);
  }
  return refused;
}

/** How many holders `handle` has now (0 once released). */
export function digestRefCount(handle: DigestHandle, core: Core = getDefaultCore()): number {
  const r = isU32(handle) ? core.exports.digestRefs(handle) : -1;
  if (r === ERR_DIGEST_RELEASED) return 0;
  if (r < 0) throw handleError(handle, r, "counting");
  return r;
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

/**
 * The digest string of a handle; FreedError once its digest was released, CoreError
 * BAD_HANDLE for a number parseDigest() never returned.
 */
export function formatDigest(handle: DigestHandle, core: Core = getDefaultCore()): string {
  const len = isU32(handle) ? core.exports.digestWrite(handle) : -1;
  if (len < 0) throw handleError(handle, len, "formatDigest");
  return core.readAscii(core.ioOut, len);
}
