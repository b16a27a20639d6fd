// Bounded gzip decoding on the layerlens core (assembly/inflate.ts, RFC 1952 / RFC 1951), with
// checkpoints for random access into a compressed stream (zlib's zran method).
//
//   const index = new CheckpointIndex();
//   for await (const piece of inflateStream(blob, { index, what: "layer sha256:ab12…" })) use(piece);
//   // later: the bytes from `offset` on, without decoding what comes before the checkpoint
//   const cp = index.nearest(offset);
//   for await (const piece of resumeAt(cp, blobFrom(cp.inByte))) …   // pieces start at cp.outOffset
//
// A checkpoint is taken at the first DEFLATE block boundary after every `span` output bytes
// (default 4 MiB): the bit offset of the block header, the output offset, the member's output
// count and running CRC-32 (so a resumed decoder still checks the member's trailer) and the
// last <= 32 KiB of output, which later matches may reference. Pieces are at most
// INFLATE_STEP_BYTES (128.5 KiB); `maxBytes` is checked after each, so bombs stop early.
//
// Verdicts: corrupt data, a wrong CRC-32 or ISIZE, a bad header, a truncated or empty stream
// each throw GzipFormatError (code COMPRESSION, `reason` stable, `offset` the input byte).
// Several members decode one after another (`cat a.gz b.gz`, as gzip(1) and node:zlib do);
// zero bytes after a member are padding and skipped, as gzip(1) does. Other bytes after a
// member are refused ("trailing-garbage"): node:zlib drops them silently and gzip(1) warns,
// but a layer's bytes are its digest, so data nobody reads is treated as an error.

import { type Core, getDefaultCore } from "../wasm/core.js";
import * as abi from "../wasm/abi.js";
import { CapacityError, FreedError } from "../errors.js";
import { chunksOf } from "./chunks.js";
import { type DecodeSteps, decodeWhole, pushThrough } from "./core-decode.js";
import { CompressionError } from "./errors.js";

const ERROR_REASONS: Record<number, [reason: string, message: string]> = {
  [abi.INFLATE_ERR_MAGIC]: ["magic", "not a gzip stream (no 1f 8b magic)"],
  [abi.INFLATE_ERR_METHOD]: ["method", "compression method is not deflate"],
  [abi.INFLATE_ERR_FLAGS]: ["flags", "reserved header flag bits set"],
  [abi.INFLATE_ERR_HEADER_CRC]: ["header-crc", "header CRC16 mismatch"],
  [abi.INFLATE_ERR_BLOCK_TYPE]: ["block-type", "reserved block type"],
  [abi.INFLATE_ERR_STORED_LENGTH]: ["stored-length", "stored block length check failed"],
  [abi.INFLATE_ERR_CODE_LENGTHS]: ["code-lengths", "invalid Huffman code lengths"],
  [abi.INFLATE_ERR_SYMBOL]: ["symbol", "invalid Huffman code or symbol"],
  [abi.INFLATE_ERR_DISTANCE]: ["distance", "match distance too far back"],
  [abi.INFLATE_ERR_CRC]: ["crc", "CRC-32 mismatch"],
  [abi.INFLATE_ERR_SIZE]: ["size", "ISIZE mismatch"],
  [abi.INFLATE_ERR_TRAILING]: ["trailing-garbage", "bytes after the last member that are not a gzip member"],
  [abi.INFLATE_ERR_ARGUMENT]: ["argument", "decoder misuse"],
};

export const DEFAULT_CHECKPOINT_SPAN = 4 * 1024 * 1024;

/** A gzip stream the inflater refuses; `reason` is stable, `offset` is an input byte offset. */
export class GzipFormatError extends CompressionError {
  constructor(
    readonly what: string,
    readonly reason: string,
    message: string,
    readonly offset: number,
  ) {
    super(`${what}: corrupt gzip stream: ${message} (at byte ${offset})`);
  }
}

/** Where decoding can start again: everything a fresh decoder needs besides the input from inByte. */
export interface Checkpoint {
  /** Bit offset of a block header in the compressed stream. */
  readonly inBit: number;
  /** Output offset (from the stream start) of the first byte decoded from there. */
  readonly outOffset: number;
  /** Output bytes of the enclosing member before this point, and their CRC-32. */
  readonly memberOut: number;
  readonly crc: number;
  /** The member's last <= 32 KiB of output before outOffset. */
  readonly window: Uint8Array;
}

/** The first compressed byte a resumed decoder reads. */
export function checkpointInByte(cp: Checkpoint): number {
  return Math.floor(cp.inBit / 8);
}

/** Checkpoints in output order; nearest(offset) is the last one at or before offset. */
export class CheckpointIndex {
  readonly checkpoints: Checkpoint[] = [];

  add(cp: Checkpoint): void {
    const last = this.checkpoints[this.checkpoints.length - 1];
    if (last && cp.outOffset <= last.outOffset) throw new RangeError(`checkpoints must grow: ${cp.outOffset} after ${last.outOffset}`);
    this.checkpoints.push(cp);
  }

  /** The checkpoint to resume at for `outOffset`, or undefined: start from the beginning. */
  nearest(outOffset: number): Checkpoint | undefined {
    let lo = 0;
    let hi = this.checkpoints.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.checkpoints[mid].outOffset <= outOffset) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? undefined : this.checkpoints[lo - 1];
  }
}

export interface InflaterOptions {
  /** Names the stream in messages ("layer 2 sha256:ab12…"). */
  what?: string;
  /** Output bytes between checkpoints; 0 (default) takes none. */
  checkpointSpan?: number;
  /** Receives each checkpoint as it is taken. */
  onCheckpoint?: (cp: Checkpoint) => void;
}

/** A push gzip decoder over the core; see the module comment. */
export class GzipInflater {
  private readonly core: Core;
  private readonly z: abi.CoreExports;
  private readonly what: string;
  private readonly onCheckpoint?: (cp: Checkpoint) => void;
  private state: number;
  private failed: GzipFormatError | null = null;
  private bytesIn = 0;
  private startByte = 0;
  private readonly steps: DecodeSteps;

  constructor(core: Core = getDefaultCore(), options: InflaterOptions = {}) {
    const span = options.checkpointSpan ?? 0;
    if (!Number.isSafeInteger(span) || span < 0) throw new RangeError(`checkpointSpan must be a non-negative integer, got ${span}`);
    if (span > 0 && !options.onCheckpoint) throw new RangeError("checkpointSpan needs an onCheckpoint callback");
    this.core = core;
    this.z = core.exports;
    this.what = options.what ?? "gzip stream";
    this.onCheckpoint = options.onCheckpoint;
    this.state = this.z.inflateNew(span) >>> 0;
    if (this.state === 0) throw new RangeError(`the core refused an inflater with span ${span}`);
    const z = this.z;
    this.steps = {
      input: () => z.inflateInput(this.state) >>> 0,
      room: () => z.inflateInputRoom(this.state) >>> 0,
      decode: (n) => z.inflateDecode(this.state, n),
      output: () => z.inflateOutput(this.state) >>> 0,
      needInput: abi.INFLATE_NEED_INPUT,
      signal: (code) => {
        if (code === abi.INFLATE_CHECKPOINT) this.takeCheckpoint();
        else if (code !== abi.INFLATE_MEMBER_DONE) throw this.fail(code);
      },
      what: this.what,
    };
  }

  /** Start from a checkpoint instead of the stream start; the input then begins at checkpointInByte(cp). */
  resume(cp: Checkpoint): void {
    const z = this.live("resumed");
    const expectWindow = Math.min(cp.memberOut, abi.INFLATE_WINDOW_BYTES);
    if (cp.window.length !== expectWindow) throw new RangeError(`checkpoint window is ${cp.window.length} bytes, expected ${expectWindow}`);
    this.core.u8.set(cp.window, z.inflateWindowIn(this.state) >>> 0);
    this.startByte = checkpointInByte(cp);
    const r = z.inflateResume(this.state, this.startByte, cp.inBit % 8, cp.window.length, cp.outOffset, cp.memberOut, cp.crc >>> 0);
    if (r !== 0) throw new RangeError(`${this.what}: the core refused the checkpoint at bit ${cp.inBit}`);
  }

  get members(): number {
    return this.live("read").inflateMembers(this.state) >>> 0;
  }

  /** Output bytes from the stream start (a resumed decoder starts at its checkpoint's offset). */
  get outputOffset(): number {
    return this.live("read").inflateTotalOut(this.state);
  }

  *push(chunk: Uint8Array): Generator<Uint8Array, void, undefined> {
    yield* this.pieces(chunk, false);
  }

  /**
   * As push(), but each piece is a view of the core's memory, good only until the next piece is
   * asked for: for a consumer that copies every piece into a buffer of its own at once.
   */
  *pushViews(chunk: Uint8Array): Generator<Uint8Array, void, undefined> {
    yield* this.pieces(chunk, true);
  }

  private *pieces(chunk: Uint8Array, views: boolean): Generator<Uint8Array, void, undefined> {
    this.live("pushed to");
    if (this.failed) throw this.failed;
    this.bytesIn += chunk.length;
    yield* pushThrough(this.core, chunk, this.steps, views);
  }

  /** The input ended: throws unless it ended after a whole member. */
  end(): void {
    const z = this.live("ended");
    if (this.failed) throw this.failed;
    if (this.bytesIn === 0) throw (this.failed = new GzipFormatError(this.what, "empty", "empty input", this.startByte));
    if (z.inflateIdle(this.state) === 0) {
      throw (this.failed = new GzipFormatError(this.what, "truncated", "unexpected end of input", this.startByte + this.bytesIn));
    }
  }

  free(): void {
    if (this.state !== 0) {
      this.z.inflateFree(this.state);
      this.state = 0;
    }
  }

  private takeCheckpoint(): void {
    const z = this.z;
    const s = this.state;
    const at = z.inflateWindow(s) >>> 0;
    const len = z.inflateWindowLength(s) >>> 0;
    this.onCheckpoint?.({
      inBit: z.inflateCheckpointBit(s),
      outOffset: z.inflateTotalOut(s),
      memberOut: z.inflateMemberOut(s),
      crc: z.inflateCrc(s) >>> 0,
      window: this.core.u8.slice(at, at + len),
    });
  }

  private live(doing: string): abi.CoreExports {
    if (this.state === 0) throw new FreedError("GzipInflater", doing);
    return this.z;
  }

  private fail(code: number): GzipFormatError {
    const [reason, message] = ERROR_REASONS[code] ?? ["unknown", `core error ${code}`];
    return (this.failed = new GzipFormatError(this.what, reason, message, this.z.inflateErrorOffset(this.state)));
  }
}

export interface InflateStreamOptions {
  what?: string;
  /** Refuse more output than this many bytes (checked after every piece). */
  maxBytes?: number;
  /** Record checkpoints here while decoding (every checkpointSpan output bytes). */
  index?: CheckpointIndex;
  checkpointSpan?: number;
  core?: Core;
}

type Input = Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

async function* chunks(input: Input): AsyncGenerator<Uint8Array> {
  if (input instanceof Uint8Array) {
    for (let i = 0; i < input.length; i += 1 << 16) yield input.subarray(i, i + (1 << 16));
  } else if (!(Symbol.asyncIterator in input) && Symbol.iterator in input) {
    yield* input;
  } else {
    yield* chunksOf(input as ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>);
  }
}

async function* run(dec: GzipInflater, input: Input, what: string, max: number, base: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  try {
    for await (const chunk of chunks(input)) {
      for (const piece of dec.push(chunk)) {
        total += piece.length;
        if (total > max) throw new CapacityError(`${what}: decompressed size exceeds the ${max}-byte limit (from offset ${base})`);
        yield piece;
      }
    }
    dec.end();
  } finally {
    dec.free();
  }
}

/** An inflater that records checkpoints into `options.index` when there is one. */
function recordingInflater(options: InflateStreamOptions, what: string): GzipInflater {
  const index = options.index;
  return new GzipInflater(options.core ?? getDefaultCore(), {
    what,
    checkpointSpan: index ? (options.checkpointSpan ?? DEFAULT_CHECKPOINT_SPAN) : 0,
    onCheckpoint: index ? (cp) => index.add(cp) : undefined,
  });
}

/**
 * Decode a gzip stream into pieces; with `index`, record checkpoints along the way. The
 * inflater's core memory is taken at the first next() and given back on every exit, so a
 * generator returned or dropped before it started holds none.
 */
export async function* inflateStream(input: Input, options: InflateStreamOptions = {}): AsyncGenerator<Uint8Array> {
  const what = options.what ?? "gzip stream";
  yield* run(recordingInflater(options, what), input, what, options.maxBytes ?? Infinity, 0);
}

/**
 * Decode from a checkpoint; `input` is the compressed stream from checkpointInByte(cp) on. As
 * with inflateStream, core memory is held only from the first next() to the generator's end.
 */
export async function* resumeAt(
  cp: Checkpoint,
  input: Input,
  options: Omit<InflateStreamOptions, "index" | "checkpointSpan"> = {},
): AsyncGenerator<Uint8Array> {
  const what = options.what ?? "gzip stream";
  const dec = new GzipInflater(options.core ?? getDefaultCore(), { what });
  try {
    dec.resume(cp);
  } catch (e) {
    dec.free();
    throw e;
  }
  yield* run(dec, input, what, options.maxBytes ?? Infinity, cp.outOffset);
}

/** Decode a whole gzip buffer (tests, small blobs); `maxBytes` bounds the output. */
export function gunzipSync(input: Uint8Array, options: InflateStreamOptions = {}): Uint8Array {
  const what = options.what ?? "gzip stream";
  const dec = recordingInflater(options, what);
  return decodeWhole(dec, input, options.maxBytes ?? Infinity, what);
}
