// The error a table of contents (an eStargz TOC, a zstd:chunked manifest) raises when it breaks
// its format or our bounds: a footer that is not one, a TOC whose JSON is not the spec's shape,
// an offset outside the blob, a chunk list with gaps. Like every layerlens error it has a stable
// `code`; its message names the layer's digest. A read refused for this reason falls back to
// reading the layer without the TOC, so the error is seen only by callers that ask for a TOC.

import { LayerlensError } from "../../errors.js";

export class TocFormatError extends LayerlensError {
  constructor(
    readonly what: string,
    why: string,
  ) {
    super("TOC_FORMAT", `${what}: ${why}`);
  }
}
