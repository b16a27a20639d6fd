// The one blob check: bytes are what a descriptor promised when their count equals its size
// and they hash to its digest, by the digest's own algorithm (sha256 or sha512). Every reader
// uses it -- whole documents (checkBlob), streams (BlobCheck, verifyingStream), the layer
// decompressor (blob digest and diff_id) and the registry client -- so a blob is either
// verified or refused, never passed through because its algorithm was unexpected. A digest
// that cannot be verified (unknown algorithm, malformed) is refused before a byte is read.
// Size is checked before digest, so a truncated or padded blob reports SizeMismatchError.
// Spec: https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests

import { DigestMismatchError, SizeMismatchError } from "../errors.js";
import { type Hasher, type HasherFactory, createHasher } from "../hash/hasher.js";
import { type DigestAlgorithm, checkDigestString, parseDigestString } from "./digest.js";

/** What a blob must be: its digest and its size, each when known. */
export interface BlobExpectation {
  /** Compared at the end; without it the bytes are only hashed (by `algorithm`) and counted. */
  digest?: string;
  size?: number;
}

/** Factories to hash with instead of the registered ones (a client's own sha256). */
export type HasherOverrides = Partial<Record<DigestAlgorithm, HasherFactory>>;

export interface CheckOptions {
  /** The algorithm to hash with when no digest is expected (default sha256). */
  algorithm?: DigestAlgorithm;
  hashers?: HasherOverrides;
}

/** A hasher for `algorithm`: the override when one is given, else the registered factory. */
export function hasherFor(algorithm: DigestAlgorithm, overrides?: HasherOverrides): Hasher {
  return overrides?.[algorithm]?.() ?? createHasher(algorithm);
}

/** The digest of `bytes` by `algorithm`: "sha512:<hex>". */
export function digestOf(algorithm: DigestAlgorithm, bytes: Uint8Array, overrides?: HasherOverrides): string {
  const h = hasherFor(algorithm, overrides);
  h.update(bytes);
  return h.digest();
}

/**
 * Hashes bytes as they pass and compares with `expected` at the end. Constructing one
 * validates the digest, so an unverifiable digest throws InvalidDigestError up front.
 */
export class DigestCheck {
  readonly algorithm: DigestAlgorithm;
  private readonly hasher: Hasher;

  constructor(
    readonly what: string,
    readonly expected: string | undefined,
    options: CheckOptions = {},
  ) {
    this.algorithm = expected === undefined ? (options.algorithm ?? "sha256") : parseDigestString(expected).algorithm;
    this.hasher = hasherFor(this.algorithm, options.hashers);
  }

  update(chunk: Uint8Array): void {
    this.hasher.update(chunk);
  }

  /** The digest of what was seen; DigestMismatchError when it is not the expected one. */
  finish(): string {
    const actual = this.hasher.digest();
    if (this.expected !== undefined && actual !== this.expected) throw new DigestMismatchError(this.what, this.expected, actual);
    return actual;
  }
}

/**
 * Size and digest of one blob read as a stream: more bytes than the size throw at once (a
 * lying source cannot make a reader run on), fewer or a wrong digest throw at finish().
 */
export class BlobCheck {
  private readonly digest: DigestCheck;
  private seen = 0;

  constructor(
    readonly what: string,
    readonly expected: BlobExpectation,
    options: CheckOptions = {},
  ) {
    this.digest = new DigestCheck(what, expected.digest, options);
  }

  get algorithm(): DigestAlgorithm {
    return this.digest.algorithm;
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.seen;
  }

  update(chunk: Uint8Array): void {
    this.seen += chunk.length;
    const size = this.expected.size;
    if (size !== undefined && this.seen > size) throw new SizeMismatchError(this.what, size, this.seen);
    this.digest.update(chunk);
  }

  /** Checks the size, then the digest; returns the digest of the bytes seen. */
  finish(): string {
    const size = this.expected.size;
    if (size !== undefined && this.seen !== size) throw new SizeMismatchError(this.what, size, this.seen);
    return this.digest.finish();
  }
}

/** What a descriptor promises: a digest always, a size when known. */
export interface Described {
  digest: string;
  size?: number;
}

/**
 * A check for a blob that must match a descriptor: unlike BlobCheck, a missing digest is
 * refused (InvalidDigestError) instead of meaning "only count".
 */
export function describedCheck(what: string, expected: Described, options?: CheckOptions): BlobCheck {
  checkDigestString(expected.digest);
  return new BlobCheck(what, expected, options);
}

/** Check whole `bytes` against `expected` (size, then digest); returns them. */
export function checkBlob(what: string, expected: Described, bytes: Uint8Array, options?: CheckOptions): Uint8Array {
  const check = describedCheck(what, expected, options);
  if (expected.size !== undefined && bytes.length !== expected.size) throw new SizeMismatchError(what, expected.size, bytes.length);
  check.update(bytes);
  check.finish();
  return bytes;
}

/**
 * Wrap a blob stream so it checks as it goes: more bytes than the size error at once, fewer
 * or a wrong digest error at the end, so a consumer never takes unverified bytes for good ones.
 * With a known size the digest is checked before the chunk that completes it is handed on:
 * a consumer that counts bytes instead of waiting for the close (an HTTP client reading a
 * Content-Length body) never gets the whole count of a wrong blob, only a stream that errors.
 * Each read of the result is one read of `stream` (no pipe and no queue in between: a
 * TransformStream would add a pipe loop and two queues per chunk); cancelling it cancels `stream`.
 */
export function verifyingStream(stream: ReadableStream<Uint8Array>, expected: Described, what: string): ReadableStream<Uint8Array> {
  const check = describedCheck(what, expected);
  const reader = stream.getReader();
  let verified = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const step = await reader.read();
        if (step.done) {
          if (!verified) check.finish();
          controller.close();
          return;
        }
        try {
          check.update(step.value);
          if (check.bytes === expected.size) {
            check.finish();
            verified = true;
          }
        } catch (err) {
          reader.cancel(err).catch(() => {});
          throw err;
        }
        controller.enqueue(step.value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
