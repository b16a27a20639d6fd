// File contents: a merged view stores where each visible file's bytes sit in its layer's tar
// (offset, size), never the bytes. Reading streams the layer again and slices those ranges out,
// stopping as soon as the last wanted byte has passed; one pass serves many files of a layer
// (export, hashing), so no layer is decompressed twice for one job. A sparse file's range is
// its stored data, expanded on the way out with its map (sparse.ts).
//
// The blob read again is not the blob that was verified: a source may hand out other bytes
// the second time. Every stored byte therefore goes through a SpanVerifier first, which holds
// it back until its chunk hashes to the digest recorded while the layer was mounted
// (span-digests.ts); nothing reaches `deliver` unverified, and a mismatch is a
// DigestMismatchError naming the layer's digest and the file.
// A gzip layer with a checkpoint index (layer-index.ts) is read from the checkpoint nearest
// before the first wanted byte instead (indexed-read.ts): those bytes are verified a different
// way, compressed segment by segment against digests of the verified pass, before they are even
// decoded, so they need no span digests (and no verified pass to record them first).
// One file of a layer that carries a verified table of contents (an eStargz TOC, a zstd:chunked
// manifest: fs/toc/) is read through it instead: only that file's chunks are fetched, each
// checked against the TOC's chunk digest before it is handed out; after a refused chunk the
// rest of the file comes from a whole verified read.

import { DigestMismatchError, SizeMismatchError } from "../errors.js";
import { CompressionError, TarFormatError } from "./errors.js";
import { cleanPath } from "./path.js";
import { fileThroughToc } from "./toc/layer-toc.js";
import { chunksOf, readLayerStream } from "./decompress.js";
import type { LayerLike } from "../oci/layer.js";
import { emitZeros, SparseExpander, ZERO_CHUNK, type SparseLayout, type SparseSink } from "./sparse.js";
import { SpanDigests, SpanVerifier } from "./span-digests.js";
import { type LayerIndex, nearestCheckpoint } from "./layer-index.js";
import { readFromCheckpoint } from "./indexed-read.js";

/** A mounted layer to read again: its blob, the span digests a verified pass recorded, a name. */
export interface SpanSource {
  layer: LayerLike;
  /** The digests (recorded by a verified pass over the layer first, when that has not happened yet). */
  digests(): Promise<SpanDigests>;
  /** Names the layer in messages ("layer 2 of default"); the digest is added. */
  what: string;
  /** The layer's checkpoint index, when its mount recorded one (a gzip layer). */
  checkpoints?: LayerIndex;
}

export interface ByteSpan {
  /** Offset of the first stored byte in the uncompressed tar. */
  offset: number;
  /** Bytes delivered: the file's (real) size. */
  size: number;
  /** Caller's tag, handed back with every chunk. */
  key: number;
  /**
   * A sparse file's map: the tar holds sparse.storedSize bytes from `offset`, delivered
   * expanded to `size` bytes with the holes as zeros (bounded chunks of one shared buffer).
   */
  sparse?: SparseLayout;
  /** The file these bytes are (for messages). */
  path?: string;
}

/** How the reader of readSpans' bytes sets the pace of the read, and stops it. */
export interface SpanFlow {
  /** Aborted when the bytes are no longer wanted: the layer is read no further. */
  signal?: AbortSignal;
  /** Awaited after each piece of the layer is handed out: resolves when more is wanted. */
  ready?: () => Promise<void>;
}

/** The chunks of `stream`, each pulled only once `ready` resolved (backpressure on the blob read). */
async function* paced(
  stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  ready: () => Promise<void>,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunksOf(stream)) {
    yield chunk;
    await ready();
  }
}

/**
 * Stream the layer once and hand every byte of every span to `deliver`, in order, each byte
 * only once it is verified. Spans must be sorted by offset and must not overlap (distinct tar
 * bodies never do). `done` is called once per span after its last byte (also for empty spans).
 * Chunks are views: copy them to keep them. The holes of sparse spans go to `hole` as lengths
 * when it is given, else to `deliver` as zeros. With `flow`, the reader of the bytes sets the
 * pace (the layer is read no faster than `flow.ready` allows) and may stop the read (its
 * signal): readSpans then returns without reading further, or calling `done` again.
 */
export async function readSpans(
  source: SpanSource,
  spans: ByteSpan[],
  deliver: (key: number, chunk: Uint8Array) => void,
  done?: (key: number) => void,
  hole?: (key: number, length: number) => void,
  flow: SpanFlow = {},
): Promise<void> {
  const { layer: input, what } = source;
  const stopped = () => flow.signal?.aborted === true;
  const ready = flow.ready ?? (() => Promise.resolve());
  let idx = 0;
  let pos = 0;
  let expander: SparseExpander | null = null;
  const stored = (s: ByteSpan) => (s.sparse ? s.sparse.storedSize : s.size);
  const named = () => {
    const s = spans[idx];
    return `${what} (${input.digest ?? "no digest"})${s.path !== undefined ? `: ${JSON.stringify(s.path)}` : ""}`;
  };
  const firstStored = spans.find((s) => stored(s) > 0);
  // One file of a layer with a table of contents (eStargz, zstd:chunked): only its chunks are read.
  const layerName = `${what} (${input.digest ?? "no digest"})`;
  const toc =
    spans.length === 1 && firstStored && !firstStored.sparse ? await readThroughToc(input, firstStored, layerName, deliver, flow) : null;
  if (stopped()) return;
  if (toc?.read) {
    done?.(firstStored!.key);
    return;
  }
  // Chunks the TOC verified and handed out before one was refused are not handed out again.
  let handedOut = toc?.delivered ?? 0;
  const index = firstStored && !toc && source.checkpoints;
  // Through the index the bytes come verified already; without one they are checked by span digests.
  let verifier = index ? null : new SpanVerifier(await digestsFor(source, firstStored), named);
  const verify = (part: Uint8Array, out: (c: Uint8Array) => void) => (verifier ? verifier.push(part, out) : out(part));
  const sink = (s: ByteSpan): SparseSink => ({
    data: (c) => deliver(s.key, c),
    hole: hole ? (n) => hole(s.key, n) : (n) => emitZeros(n, (c) => deliver(s.key, c)),
  });
  const expanding = (s: ByteSpan) => (expander ??= new SparseExpander(s.sparse!, s.size, sink(s)));
  const release = (c: Uint8Array) => {
    if (handedOut > 0) {
      const skip = Math.min(handedOut, c.length);
      handedOut -= skip;
      if (skip === c.length) return;
      c = c.subarray(skip);
    }
    const s = spans[idx];
    if (s.sparse) expanding(s).push(c);
    else deliver(s.key, c);
  };
  const begin = (s: ByteSpan) => verifier?.begin(s.offset, stored(s));
  const finish = (s: ByteSpan) => {
    verifier?.end();
    if (s.sparse) expanding(s).finish();
    expander = null;
    done?.(s.key);
    idx++;
    if (idx < spans.length) begin(spans[idx]);
  };
  const finishEmpty = () => {
    while (idx < spans.length && stored(spans[idx]) === 0 && spans[idx].offset <= pos) finish(spans[idx]);
  };
  if (spans.length) begin(spans[0]);
  finishEmpty();
  // Only empty files left: there is nothing to read, so the blob is not opened at all.
  while (idx < spans.length && spans.slice(idx).every((s) => stored(s) === 0)) finish(spans[idx]);
  if (idx === spans.length) return;
  const take = (chunk: Uint8Array): boolean => {
    if (stopped()) return false;
    const start = pos;
    pos += chunk.length;
    while (idx < spans.length) {
      const s = spans[idx];
      const end = s.offset + stored(s);
      if (s.offset >= pos) break;
      const from = Math.max(s.offset, start);
      const to = Math.min(end, pos);
      if (to > from) verify(chunk.subarray(from - start, to - start), release);
      if (end > pos) break;
      finish(s);
      finishEmpty();
    }
    return idx < spans.length;
  };
  let fromStart = !index;
  if (index) {
    const k = nearestCheckpoint(index, firstStored.offset);
    pos = k >= 0 ? index.checkpoints[k].outOffset : 0;
    let delivered = false;
    const pieces = readFromCheckpoint(input, index, k, `${what} (${input.digest ?? "no digest"})`);
    try {
      for await (const piece of pieces) {
        delivered ||= pos + piece.length > firstStored.offset;
        if (!take(piece)) break;
        await ready();
      }
    } catch (e) {
      // Refused bytes (a damaged cache entry, a source serving other bytes for a range): when
      // none were handed out yet, the whole blob is read instead, which the cache checks whole
      // (dropping and refetching a damaged entry) and the span digests check again.
      if (delivered || !(e instanceof DigestMismatchError || e instanceof SizeMismatchError)) throw e;
      fromStart = true;
    } finally {
      await pieces.return(undefined);
    }
  }
  if (stopped()) return;
  if (fromStart) {
    pos = 0;
    verifier = new SpanVerifier(await digestsFor(source, firstStored), named);
    begin(spans[idx]);
    await readLayerStream(paced(await input.open(), ready), take, { mediaType: input.mediaType, what });
  }
  if (stopped()) return;
  if (idx < spans.length) {
    throw new TarFormatError(`${what} ended before the bytes of a file it listed (was it changed since it was mounted?)`, pos);
  }
}

/**
 * Deliver `span` through its layer's TOC when it has one listing the file. Null when there is
 * no TOC to use; else whether the whole file was read, and how many of its bytes were handed
 * out (verified) before a chunk was refused: the layer is then read whole, and verified, for
 * the rest.
 */
async function readThroughToc(
  layer: LayerLike,
  span: ByteSpan,
  what: string,
  deliver: (key: number, chunk: Uint8Array) => void,
  flow: SpanFlow,
): Promise<{ read: boolean; delivered: number } | null> {
  if (span.path === undefined) return null;
  const pieces = await fileThroughToc(layer, cleanPath(span.path).path, span.size, what);
  if (!pieces) return null;
  let delivered = 0;
  try {
    for await (const piece of pieces) {
      deliver(span.key, piece);
      delivered += piece.length;
      await flow.ready?.();
      if (flow.signal?.aborted) break;
    }
    return { read: true, delivered };
  } catch (e) {
    if (!(e instanceof DigestMismatchError || e instanceof SizeMismatchError || e instanceof CompressionError)) throw e;
    return { read: false, delivered };
  }
}

/**
 * The digests to check `first` (the first span with bytes) and the rest against; none are
 * needed when no span has bytes. A verified pass that fails names the file it was run for.
 */
async function digestsFor(source: SpanSource, first: ByteSpan | undefined): Promise<SpanDigests> {
  if (!first) return new SpanDigests();
  try {
    return await source.digests();
  } catch (e) {
    if (e instanceof DigestMismatchError && first.path !== undefined) {
      throw new DigestMismatchError(`${e.what}, to read ${JSON.stringify(first.path)}`, e.expected, e.actual);
    }
    throw e;
  }
}

/** Bytes of a file queued ahead of its reader before the layer's read waits for it. */
const QUEUED_AHEAD = 4 << 20;

/**
 * One file's content as a pull stream. The stored bytes are queued as the layer is read, up
 * to QUEUED_AHEAD bytes ahead of the reader: then the read of the layer waits, so a slow
 * reader (a download to disk) does not make the file sit whole in memory. Holes are queued as
 * lengths and turned into zero chunks of at most ZERO_CHUNK bytes only as the consumer pulls,
 * so a huge sparse file costs what it stores. Cancelling stops the layer's read (a preview
 * that took its first bytes reads no more).
 */
export function fileStream(source: SpanSource, span: ByteSpan): ReadableStream<Uint8Array> {
  const queue: (Uint8Array | number)[] = [];
  let queued = 0;
  let finished = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  let resume: (() => void) | null = null;
  const stop = new AbortController();
  const notify = () => {
    wake?.();
    wake = null;
  };
  const more = () => {
    resume?.();
    resume = null;
  };
  const ready = () => (queued < QUEUED_AHEAD || stop.signal.aborted ? Promise.resolve() : new Promise<void>((r) => (resume = r)));
  let started = false;
  const run = () =>
    readSpans(
      source,
      [span],
      (_k, c) => {
        queue.push(c.slice());
        queued += c.length;
        notify();
      },
      undefined,
      (_k, n) => {
        queue.push(n);
        notify();
      },
      { signal: stop.signal, ready },
    )
      .then(
        () => {
          finished = true;
        },
        (e) => {
          failure = e;
          finished = true;
        },
      )
      .finally(notify);
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      if (!started) {
        started = true;
        void run();
      }
      for (;;) {
        const head = queue[0];
        if (typeof head === "number") {
          const n = Math.min(head, ZERO_CHUNK);
          if (head === n) queue.shift();
          else queue[0] = head - n;
          return ctl.enqueue(new Uint8Array(n));
        }
        if (head) {
          queue.shift();
          queued -= head.length;
          if (queued < QUEUED_AHEAD) more();
          return ctl.enqueue(head);
        }
        if (failure) return ctl.error(failure);
        if (finished) return ctl.close();
        await new Promise<void>((r) => (wake = r));
      }
    },
    cancel() {
      stop.abort();
      queue.length = 0;
      queued = 0;
      more();
      notify();
    },
  });
}
