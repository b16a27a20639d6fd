// Errors of the layer filesystem: tar format, compression and layer-content problems.
// They extend the project's LayerlensError (stable `code`), like every other error, and live
// here only so the fs module can be developed beside the shared src/errors.ts; they are
// re-exported from the package entry.

import { LayerlensError } from "../errors.js";

/** A tar stream that is not a valid archive: bad checksum, truncated entry, bad number field. */
export class TarFormatError extends LayerlensError {
  constructor(
    readonly detail: string,
    readonly offset?: number,
  ) {
    super("TAR_FORMAT", offset === undefined ? detail : `${detail} (at byte ${offset})`);
  }
}

/** A compressed layer that cannot be decoded (corrupt gzip/zstd data, truncated stream). */
export class CompressionError extends LayerlensError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("COMPRESSION", message, options);
  }
}

/** A layer entry the merged view refuses: a hardlink to nothing, a malformed whiteout, ... */
export class LayerEntryError extends LayerlensError {
  constructor(
    readonly path: string,
    why: string,
  ) {
    super("LAYER_ENTRY", `layer entry ${JSON.stringify(path)}: ${why}`);
  }
}
