// Layer streams: a layer blob in, verified tar bytes out.
//
// Compression is chosen by the magic bytes (1f 8b = gzip, 28 b5 2f fd = zstd, else an
// uncompressed tar), which also covers docker-archive layers that have no media type; the
// media type (image-spec media-types.md) is only cross-checked, see pick().
// - gzip: node:zlib where process.getBuiltinModule offers it (Node, Bun, Deno: ~1.8x faster
//   than DecompressionStream here), else the platform's DecompressionStream (browsers, workerd).
// - zstd: the core's decoder (src/fs/zstd.ts, RFC 8878). It refuses corrupt frames as the zstd
//   CLI does, runs in time linear in input plus output, and loads wherever the core does
//   (bench/suites/zstd.mjs compares it with fzstd and the CLI).
// Output per step is bounded by design, so `maxBytes` is checked before memory can balloon:
// the zstd decoder yields at most one block (<= 128 KiB) per step; node:zlib is read in
// paused mode (it stops inflating a written slice while its output buffer is full, and goes on
// only when the reader asks) in 128 KiB pieces and fed <= 256 KiB slices;
// DecompressionStream inflates a whole written chunk at once, so it is fed 16 KiB slices
// (deflate expands at most ~1032:1, so <= ~17 MB per step) one pull at a time.
// Both digests are checked while streaming by the one blob check (src/oci/blob.ts), each by
// its own algorithm (sha256 or sha512): the blob's size and digest over the compressed bytes,
// the diff_id over the tar bytes. A digest that cannot be verified is refused before a byte is
// read; more bytes than the size raise SizeMismatchError at once; a short blob or a wrong
// digest raise SizeMismatchError / DigestMismatchError after the last byte, so a consumer must
// treat what it received as provisional until readLayerStream resolves (LayerFS stages a layer
// and commits it only then). `maxBytes` caps the decompressed size (gzip bombs).
// Media types and magic bytes: src/oci/media-types.ts.

import { CapacityError, DigestMismatchError, LayerlensError } from "../errors.js";
import { CompressionError } from "./errors.js";
import { ZstdDecoder } from "./zstd.js";
import { chunksOf } from "./chunks.js";

export { chunksOf };
import { DEFAULT_CHECKPOINT_SPAN, GzipInflater } from "./inflate.js";
import type { IndexRecorder } from "./layer-index.js";
import { type Core, getDefaultCore } from "../wasm/core.js";
import { BlobCheck, DigestCheck, type HasherOverrides } from "../oci/blob.js";
import { parseDigestString } from "../oci/digest.js";
import { type Compression, compressionOfMediaType, sniffCompression } from "../oci/media-types.js";
import { startPipeline, timed, timedSteps } from "../report/work-clock.js";

export type { Compression };

export interface LayerReadOptions {
  /** The descriptor's media type (cross-checked; the magic bytes decide). */
  mediaType?: string;
  /** Expected blob digest (over the compressed bytes). */
  digest?: string;
  /** Expected size of the blob in bytes. */
  size?: number;
  /** Expected diff_id (over the uncompressed tar). */
  diffId?: string;
  /** Refuse more decompressed bytes than this (default 64 GiB). */
  maxBytes?: number;
  /** Names the layer in messages ("layer 2 sha256:ab12…"). */
  what?: string;
  /** The core that decodes zstd (default: getDefaultCore()). */
  core?: Core;
  /**
   * Record a random-access index of a gzip layer (layer-index.ts): gzip is then decoded by the
   * core's inflater, which can checkpoint, instead of node:zlib. The caller finishes the index
   * once the read resolved (verified); other compressions ignore it.
   */
  index?: IndexRecorder;
  /** Hashers to check both digests with instead of the registered ones (src/oci/blob.ts). */
  hashers?: HasherOverrides;
}

export interface LayerReadResult {
  compression: Compression;
  compressedBytes: number;
  uncompressedBytes: number;
  /**
   * Digests of the blob and of the tar as computed (by the expected digest's algorithm, else
   * sha256); undefined when the read stopped early.
   */
  digest?: string;
  diffId?: string;
  /** True when the sink asked to stop before the end (nothing was verified then). */
  stopped: boolean;
  /** The media type named another compression than the bytes have (the bytes win). */
  mislabelled: boolean;
}

/** Returning false stops the read early (readFile found its bytes). */
export type TarSink = (chunk: Uint8Array) => void | boolean;

export const DEFAULT_MAX_LAYER_BYTES = 64 * 1024 ** 3;

/**
 * Stream a layer blob through decompression into `sink`, counting and verifying as it goes.
 * Throws InvalidDigestError, SizeMismatchError, DigestMismatchError, CompressionError,
 * CapacityError, or whatever the sink throws.
 */
export async function readLayerStream(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  sink: TarSink,
  options: LayerReadOptions = {},
): Promise<LayerReadResult> {
  const what = options.what ?? "layer";
  const max = options.maxBytes ?? DEFAULT_MAX_LAYER_BYTES;
  // Both expected digests are judged before a byte is read: one that cannot be verified is
  // refused here, never skipped.
  const diffAlgorithm = options.diffId === undefined ? undefined : parseDigestString(options.diffId).algorithm;
  const blob = new BlobCheck(what, { digest: options.digest, size: options.size }, { algorithm: diffAlgorithm, hashers: options.hashers });
  let uncompressedBytes = 0;
  const pipe = startPipeline(); // null unless stats are being taken (report/work-clock.ts)
  const chunks = pipe ? pipe.sourceChunks(chunksOf(source)) : chunksOf(source);
  const counted = countIn(chunks, (c) => timed("verifying", c.length, () => blob.update(c)));
  const { compression, declared, stream } = await pick(counted, options.mediaType).catch((e: unknown) => {
    pipe?.close();
    throw e;
  });
  const mislabelled = declared !== undefined && declared !== compression;
  // An uncompressed layer's tar bytes are its blob bytes: when both digests use one algorithm,
  // its diff_id is its blob digest, so the bytes are hashed once instead of twice.
  const sameBytes = compression === "none" && (diffAlgorithm ?? blob.algorithm) === blob.algorithm;
  const tar = sameBytes
    ? undefined
    : new DigestCheck(`${what}: diff_id`, options.diffId, { algorithm: diffAlgorithm, hashers: options.hashers });
  let stopped = false;
  try {
    const decoded =
      compression === "gzip" && options.index
        ? gunzipIndexed(stream, what, options.core ?? getDefaultCore(), options.index)
        : decode(compression, stream, what, options.core);
    for await (const chunk of pipe && compression === "gzip" && !options.index ? pipe.inflatedChunks(decoded) : decoded) {
      uncompressedBytes += chunk.length;
      if (uncompressedBytes > max) {
        throw new CapacityError(`${what}: decompressed size exceeds the ${max}-byte limit (a compression bomb?)`);
      }
      if (tar) timed("verifying", chunk.length, () => tar.update(chunk));
      if (timed("tar", chunk.length, () => sink(chunk)) === false) {
        stopped = true;
        break;
      }
    }
  } finally {
    await stream.return?.(undefined);
    pipe?.close();
  }
  const compressedBytes = blob.bytes;
  if (stopped) return { compression, compressedBytes, uncompressedBytes, stopped, mislabelled };
  const digest = blob.finish();
  const diffId = tar ? tar.finish() : digest;
  if (!tar && options.diffId !== undefined && options.diffId !== diffId) {
    throw new DigestMismatchError(`${what}: diff_id`, options.diffId, diffId);
  }
  return { compression, compressedBytes, uncompressedBytes, digest, diffId, stopped, mislabelled };
}

async function* countIn(src: AsyncIterable<Uint8Array>, see: (c: Uint8Array) => void): AsyncGenerator<Uint8Array> {
  for await (const c of src) {
    if (c.length === 0) continue;
    see(c);
    yield c;
  }
}

/**
 * Decide the compression by the magic bytes, peeking at the first chunk(s). The media type
 * only cross-checks: skopeo 1.9 writes uncompressed blobs labelled "+gzip"
 * (--dest-oci-accept-uncompressed-layers), and containerd and umoci also go by the bytes.
 */
async function pick(
  src: AsyncGenerator<Uint8Array>,
  mediaType: string | undefined,
): Promise<{ compression: Compression; declared?: Compression; stream: AsyncGenerator<Uint8Array> }> {
  const declared = compressionOfMediaType(mediaType);
  // Peek until 4 bytes are seen (a first chunk may be tiny).
  const head: Uint8Array[] = [];
  let n = 0;
  while (n < 4) {
    const r = await src.next();
    if (r.done) break;
    head.push(r.value);
    n += r.value.length;
  }
  const joined = concat(head);
  async function* replay(): AsyncGenerator<Uint8Array> {
    if (joined.length) yield joined;
    yield* src;
  }
  const stream = replay();
  const base = stream.return.bind(stream);
  stream.return = async (v) => {
    await src.return(undefined);
    return base(v);
  };
  return { compression: sniffCompression(joined), declared, stream };
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function decode(c: Compression, src: AsyncIterable<Uint8Array>, what: string, core: Core | undefined): AsyncIterable<Uint8Array> {
  if (c === "none") return src;
  if (c === "zstd") return zstd(src, what, core ?? getDefaultCore());
  const zlib = nodeZlib();
  return zlib ? gunzipNode(zlib, src, what) : gunzipWeb(src, what);
}

/**
 * One piece (<= 128 KiB) per step: the consumer checks its budget between pieces, and stopping
 * the iteration stops the decoding. The decoder's core memory is freed on every exit.
 */
async function* zstd(src: AsyncIterable<Uint8Array>, what: string, core: Core): AsyncGenerator<Uint8Array> {
  const decoder = new ZstdDecoder(core, { what });
  try {
    for await (const c of src) yield* timedSteps("zstd", decoder.push(c));
    decoder.end();
  } finally {
    decoder.free();
  }
}

/** gzip through the core's inflater, every compressed byte and checkpoint shown to `index`. */
async function* gunzipIndexed(src: AsyncIterable<Uint8Array>, what: string, core: Core, index: IndexRecorder): AsyncGenerator<Uint8Array> {
  const dec = new GzipInflater(core, { what, checkpointSpan: DEFAULT_CHECKPOINT_SPAN, onCheckpoint: (cp) => index.checkpoint(cp) });
  try {
    for await (const c of src) {
      index.input(c);
      yield* timedSteps("gunzip", dec.push(c));
    }
    dec.end();
  } finally {
    dec.free();
  }
}

/**
 * Compressed bytes per node:zlib write. zlib itself pauses mid-write while its output is
 * unread, so the slice bounds the input held, not the output; each write and each output
 * piece is a round trip through the stream machinery, which at 64 KiB cost mounts ~20% CPU.
 */
const NODE_GZIP_SLICE = 256 * 1024;
/** Bytes per node:zlib output piece: the budget is checked after each, as zstd's 128 KiB blocks. */
const NODE_GZIP_PIECE = 128 * 1024;
/** Compressed bytes per DecompressionStream write, which inflates all of a write at once. */
const WEB_GZIP_SLICE = 16 * 1024;

type Zlib = typeof import("node:zlib");

function nodeZlib(): Zlib | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return (proc?.getBuiltinModule?.("node:zlib") as Zlib | undefined) ?? null;
  } catch {
    return null;
  }
}

function gzipFailure(e: unknown, what: string): unknown {
  const err = e as Error & { code?: string };
  if (typeof err?.code === "string" && err.code.startsWith("Z_")) {
    return new CompressionError(`${what}: corrupt gzip stream: ${err.message}`, { cause: e });
  }
  return e;
}

async function* gunzipNode(zlib: Zlib, src: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<Uint8Array> {
  const z = zlib.createGunzip({ chunkSize: NODE_GZIP_PIECE });
  // A late error (after the reader stopped) must not become an unhandled 'error' event.
  let failure: unknown = null;
  z.on("error", (e) => void (failure ??= e));
  let writing = true;
  // The writer runs beside the reader and waits for 'drain', which comes only as the reader
  // takes output: input is pulled no faster than output is consumed.
  const writer = (async () => {
    try {
      for await (const c of src) {
        for (let at = 0; at < c.length && writing; at += NODE_GZIP_SLICE) {
          if (!z.write(c.subarray(at, at + NODE_GZIP_SLICE))) await drained(z);
        }
        if (!writing) break;
      }
      if (writing) z.end();
    } catch (e) {
      // The source's own error (a size or digest check) ends the output with that error.
      failure ??= e;
      z.destroy(e instanceof Error ? e : new Error(String(e)));
    }
  })();
  try {
    // The async iterator reads in paused mode: zlib stops inflating while its buffer is full.
    for await (const out of z as AsyncIterable<Uint8Array>) yield out;
  } catch (e) {
    throw gzipFailure(failure ?? e, what);
  } finally {
    writing = false;
    z.destroy();
    await writer;
  }
}

function drained(z: import("node:stream").Writable): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      z.off("drain", done);
      z.off("close", done);
      resolve();
    };
    z.on("drain", done);
    z.on("close", done);
  });
}

async function* gunzipWeb(src: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<Uint8Array> {
  const it = src[Symbol.asyncIterator]();
  let pending: Uint8Array = new Uint8Array(0);
  let at = 0;
  // highWaterMark 0: a slice is read only when the inflater asks for one.
  const input = new ReadableStream<Uint8Array>(
    {
      async pull(ctl) {
        while (at >= pending.length) {
          const r = await it.next();
          if (r.done) return ctl.close();
          pending = r.value;
          at = 0;
        }
        ctl.enqueue(pending.subarray(at, at + WEB_GZIP_SLICE));
        at += WEB_GZIP_SLICE;
      },
      async cancel() {
        await it.return?.();
      },
    },
    { highWaterMark: 0 },
  );
  const out = input.pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>);
  const reader = out.getReader();
  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        // Our own errors (a size or digest check on the way in) pass through the pipe as they are.
        if (e instanceof LayerlensError) throw e;
        throw new CompressionError(`${what}: corrupt gzip stream: ${(e as Error).message}`, { cause: e });
      }
      if (r.done) return;
      yield r.value;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
