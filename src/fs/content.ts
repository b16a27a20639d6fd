// File contents: a merged view stores where each visible file's bytes sit in its layer's tar
// (offset, size), never the bytes. Reading streams the layer again and slices those ranges out,
// stopping as soon as the last wanted byte has passed; one pass serves many files of a layer
// (export, hashing), so no layer is decompressed twice for one job.

import { TarFormatError } from "./errors.js";
import { readLayerStream } from "./decompress.js";
import type { LayerLike } from "../oci/layer.js";

export interface ByteSpan {
  /** Offset of the first byte in the uncompressed tar. */
  offset: number;
  size: number;
  /** Caller's tag, handed back with every chunk. */
  key: number;
}

/**
 * Stream `input` once and hand every byte of every span to `deliver`, in order. Spans must be
 * sorted by offset and must not overlap (distinct tar bodies never do). `done` is called once
 * per span after its last byte (also for empty spans).
 */
export async function readSpans(
  input: LayerLike,
  spans: ByteSpan[],
  deliver: (key: number, chunk: Uint8Array) => void,
  done?: (key: number) => void,
  what = "layer",
): Promise<void> {
  let idx = 0;
  let pos = 0;
  const finishEmpty = () => {
    while (idx < spans.length && spans[idx].size === 0 && spans[idx].offset <= pos) done?.(spans[idx++].key);
  };
  finishEmpty();
  if (idx === spans.length) return;
  const stream = await input.open();
  await readLayerStream(stream, (chunk) => {
    const start = pos;
    pos += chunk.length;
    while (idx < spans.length) {
      const s = spans[idx];
      const end = s.offset + s.size;
      if (s.offset >= pos) break;
      const from = Math.max(s.offset, start);
      const to = Math.min(end, pos);
      if (to > from) deliver(s.key, chunk.subarray(from - start, to - start));
      if (end > pos) break;
      done?.(s.key);
      idx++;
      finishEmpty();
    }
    return idx < spans.length;
  }, { mediaType: input.mediaType, what });
  if (idx < spans.length) {
    throw new TarFormatError(`${what} ended before the bytes of a file it listed (was it changed since it was mounted?)`, pos);
  }
}
