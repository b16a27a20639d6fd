// Every error layerlens raises: one base class with a stable string `code`, so callers can
// branch on `err.code` across runtimes and versions; messages say what was being read.

export class LayerlensError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A string that is not an OCI digest. `input` is quoted in the message. */
export class InvalidDigestError extends LayerlensError {
  readonly input: string;
  readonly reason: "empty" | "algorithm" | "length" | "hex" | "format";
  /** `detail` says what exactly is wrong; without it, a sentence for the reason. */
  constructor(input: string, reason: InvalidDigestError["reason"], detail?: string) {
    const why =
      detail ??
      {
        empty: "it is empty",
        algorithm: "the algorithm is not supported: only sha256 and sha512 can be verified",
        length: "sha256 takes 64 hex digits and sha512 128",
        hex: "the hex part must be lowercase 0-9a-f",
        format: "expected ALGORITHM:HEX",
      }[reason];
    super("INVALID_DIGEST", `invalid digest ${JSON.stringify(clip(input))}: ${why}`);
    this.input = input;
    this.reason = reason;
  }
}

/** A blob's bytes did not hash to the digest its descriptor promised. */
export class DigestMismatchError extends LayerlensError {
  constructor(
    readonly what: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super("DIGEST_MISMATCH", `${what}: expected ${expected}, got ${actual}`);
  }
}

/** Something asked for does not exist (blob, tag, path, platform). */
export class NotFoundError extends LayerlensError {
  constructor(
    message: string,
    readonly what?: string,
  ) {
    super("NOT_FOUND", message);
  }
}

/** A capacity or budget refused the request (entry larger than maxBytes, pool full, ...). */
export class CapacityError extends LayerlensError {
  constructor(message: string) {
    super("CAPACITY", message);
  }
}

/** The wasm core is missing, of the wrong ABI, or was handed a bad argument. */
export class CoreError extends LayerlensError {}

/**
 * A handle (MetadataCache, LayerPool, LayerGraph, IdGraph, LayerFS) used after free(): its
 * memory went back to the core and may already hold another structure, so every call refuses.
 */
export class FreedError extends LayerlensError {
  constructor(
    readonly what: string,
    doing = "used",
  ) {
    super("FREED", `${what} ${doing} after free()`);
  }
}

/** A broken internal invariant: a bug in layerlens, reported with what was being done. */
export class InvariantError extends LayerlensError {
  constructor(message: string) {
    super("INVARIANT", message);
  }
}

/** A graph that must be acyclic has a cycle; `cycle` lists its nodes in order. */
export class CycleError extends LayerlensError {
  constructor(
    readonly cycle: string[],
    context = "graph",
  ) {
    // A cycle can run through a million legacy parent ids: name the first few, count the rest.
    const shown = cycle.length > 8 ? [...cycle.slice(0, 8), `… (${cycle.length} nodes in all)`] : [...cycle, cycle[0]];
    super("CYCLE", `${context} has a cycle: ${shown.join(" -> ")}`);
  }
}

/** A LayerPool handle used after release: released (double release / use after release),
 *  reused (its slot belongs to a newer record), invalid (never handed out) or batched (a
 *  LayerBatch's record released on its own). */
export class StaleHandleError extends LayerlensError {
  constructor(
    readonly handle: number,
    readonly reason: "released" | "reused" | "invalid" | "batched",
    doing = "using",
    subject = `layer record handle ${handle}`,
  ) {
    const why = {
      released: "the record was released",
      reused: "its slot now holds a newer record",
      invalid: "not a handle this pool gave out",
      batched: "it belongs to a LayerBatch, which releaseBatch() gives back whole",
    }[reason];
    super("STALE_HANDLE", `${doing} ${subject}: ${why}`);
  }
}

/** A path that would escape the root (../, absolute, symlink out). */
export class UnsafePathError extends LayerlensError {
  constructor(
    readonly path: string,
    why: string,
  ) {
    super("UNSAFE_PATH", `unsafe path ${JSON.stringify(path)}: ${why}`);
  }
}

/** A manifest, index, config or descriptor that breaks the image-spec; `field` is a JSON path ("layers[2].digest"). */
export class InvalidManifestError extends LayerlensError {
  constructor(
    readonly what: string,
    readonly field: string,
    why: string,
  ) {
    super("INVALID_MANIFEST", `${what}: ${field ? field + ": " : ""}${why}`);
  }
}

/** A blob whose length differs from its descriptor's size (checked before and while reading). */
export class SizeMismatchError extends LayerlensError {
  constructor(
    readonly what: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super("SIZE_MISMATCH", `${what}: descriptor says ${expected} bytes, got ${actual}${actual > expected ? " or more" : ""}`);
  }
}

/** A tar archive that cannot be read as one (truncated, bad header checksum, missing member). */
export class ArchiveError extends LayerlensError {
  constructor(
    readonly archive: string,
    why: string,
  ) {
    super("ARCHIVE", `${archive}: ${why}`);
  }
}

/** An image reference, transport or platform string that cannot be parsed. */
export class InvalidReferenceError extends LayerlensError {
  constructor(
    readonly input: string,
    why: string,
  ) {
    super("INVALID_REFERENCE", `invalid reference ${JSON.stringify(clip(input))}: ${why}`);
  }
}

/** Command-line usage errors: unknown command or flag, missing argument. */
export class UsageError extends LayerlensError {
  constructor(message: string) {
    super("USAGE", message);
  }
}

/** One entry of a registry's JSON error body (distribution spec, "Error Codes"). */
export interface RegistryDiagnostic {
  code: string;
  message?: string;
  detail?: unknown;
}

/**
 * A registry answered with an error (or could not be reached). `url` never carries credentials;
 * `diagnostics` are the registry's own `errors[]`; `retryable` says whether trying again may help
 * (429, 5xx, dropped connections).
 */
export class RegistryError extends LayerlensError {
  constructor(
    message: string,
    readonly status: number,
    readonly url: string,
    readonly retryable: boolean,
    readonly diagnostics: RegistryDiagnostic[] = [],
    options?: { cause?: unknown },
  ) {
    const said = diagnostics.map((d) => d.code + (d.message ? `: ${d.message}` : "")).join("; ");
    super("REGISTRY", `${message} (${status ? "HTTP " + status : "no answer"} from ${url})${said ? ": " + said : ""}`, options);
  }
}

/**
 * A registry or token server stopped answering: no response headers within the connect and
 * first-byte budgets, or a body that went quiet for longer than the idle budget. `url` never
 * carries credentials; like a dropped connection it is worth trying again (`retryable`).
 */
export class TimeoutError extends LayerlensError {
  readonly retryable = true;
  constructor(
    readonly what: string,
    readonly url: string,
    readonly phase: "headers" | "idle",
    readonly ms: number,
  ) {
    const waited = phase === "headers" ? `no response headers within ${ms} ms` : `no body bytes for ${ms} ms`;
    super("TIMEOUT", `${what}: ${waited} (from ${url})`);
  }
}

function clip(s: string): string {
  return s.length > 200 ? s.slice(0, 200) + "…" : s;
}

/**
 * The service refused to reach an address for a caller: a registry not on its allowlist, or a
 * private, loopback or link-local address (directly, through DNS or through a redirect).
 */
export class ForbiddenError extends LayerlensError {
  constructor(
    message: string,
    readonly url: string,
  ) {
    super("FORBIDDEN", message);
  }
}
