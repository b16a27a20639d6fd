// One ranged read of a blob, whole: a positional read of a local file, an HTTP Range request,
// a range of the blob cache (LayerLike.open(range)). Small metadata only (a footer, a TOC):
// the bytes are gathered into one buffer, which must be exactly the range's length.

import { SizeMismatchError } from "../../errors.js";
import type { LayerLike } from "../../oci/layer.js";
import type { Pipeline } from "../../report/work-clock.js";
import { chunksOf } from "../chunks.js";

/** Bytes [start, end) of `layer`'s blob; `pipe` (stats) counts them as read. */
export async function readRange(layer: LayerLike, start: number, end: number, what: string, pipe?: Pipeline | null): Promise<Uint8Array> {
  const out = new Uint8Array(end - start);
  const opened = chunksOf(await layer.open({ start, end }));
  let fill = 0;
  for await (const chunk of pipe ? pipe.sourceChunks(opened) : opened) {
    if (fill + chunk.length > out.length) throw new SizeMismatchError(`${what}: bytes ${start}-${end}`, out.length, fill + chunk.length);
    out.set(chunk, fill);
    fill += chunk.length;
  }
  if (fill !== out.length) throw new SizeMismatchError(`${what}: bytes ${start}-${end}`, out.length, fill);
  return out;
}
