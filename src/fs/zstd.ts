// Bounded zstd decoding on the layerlens core (assembly/zstd.ts, RFC 8878).
//
//   const dec = new ZstdDecoder(getDefaultCore(), { what: "layer 2 sha256:ab12…" });
//   try {
//     for await (const chunk of blob) {
//       for (const piece of dec.push(chunk)) {      // each piece <= 128 KiB
//         total += piece.length;
//         if (total > maxBytes) throw new CapacityError(…);   // checked after every piece
//         sink(piece);
//       }
//     }
//     dec.end();                                    // throws on a truncated or empty stream
//   } finally {
//     dec.free();                                   // idempotent; end() does not free
//   }
//
// Why a generator per chunk: the core decodes at most one block (<= 128 KiB of output) per
// call, so a consumer that stops iterating (budget exceeded, sink done) stops the work too
// — a 4-byte RLE block of 128 KiB, repeated, never grows memory past one piece. Stopping
// mid-chunk leaves the rest of that chunk unread: the decoder is then only good for free().
//
// Verdicts follow the zstd CLI: corrupt or truncated frames, trailing garbage, a wrong
// Content_Checksum or Frame_Content_Size, a dictionary, or a window above 2^maxWindowLog
// (default 27, zstd's own default limit) each throw ZstdFormatError (code COMPRESSION,
// `reason` a stable name, `offset` the input byte where the failing frame part starts).
// A pieces array is a copy: it stays valid after the next push.

import { Core, getDefaultCore } from "../wasm/core.js";
import * as abi from "../wasm/abi.js";
import { FreedError } from "../errors.js";
import { type DecodeSteps, decodeWhole, pushThrough } from "./core-decode.js";
import { CompressionError } from "./errors.js";

/** Each core error code (assembly/abi.ts, zstd block) as a stable reason and a message. */
const ERROR_REASONS: Record<number, [reason: string, message: string]> = {
  [abi.ZSTD_ERR_MAGIC]: ["magic", "unknown frame magic number"],
  [abi.ZSTD_ERR_FRAME_HEADER]: ["frame-header", "reserved bit set in the frame header"],
  [abi.ZSTD_ERR_WINDOW_TOO_LARGE]: ["window-too-large", "frame window larger than allowed"],
  [abi.ZSTD_ERR_DICTIONARY]: ["dictionary", "frame requires a dictionary (not supported)"],
  [abi.ZSTD_ERR_BLOCK_TYPE]: ["block-type", "reserved block type"],
  [abi.ZSTD_ERR_BLOCK_SIZE]: ["block-size", "block larger than Block_Maximum_Size"],
  [abi.ZSTD_ERR_LITERALS]: ["literals", "corrupt literals section"],
  [abi.ZSTD_ERR_HUFFMAN]: ["huffman", "corrupt Huffman table or stream"],
  [abi.ZSTD_ERR_FSE]: ["fse", "corrupt FSE table description"],
  [abi.ZSTD_ERR_SEQUENCES]: ["sequences", "corrupt sequences section"],
  [abi.ZSTD_ERR_OFFSET]: ["offset", "match offset outside the window"],
  [abi.ZSTD_ERR_OVERRUN]: ["overrun", "sequences overrun the literals or the block"],
  [abi.ZSTD_ERR_CONTENT_SIZE]: ["content-size", "decoded size differs from the frame content size"],
  [abi.ZSTD_ERR_CHECKSUM]: ["checksum", "content checksum mismatch"],
  [abi.ZSTD_ERR_CAPACITY]: ["capacity", "no memory left for the frame window"],
  [abi.ZSTD_ERR_ARGUMENT]: ["argument", "decoder misuse (input beyond the room given)"],
};

export const ZSTD_DEFAULT_MAX_WINDOW_LOG = 27;

export interface ZstdDecoderOptions {
  /** Refuse frames whose window exceeds 2^maxWindowLog bytes (10..31, default 27). */
  maxWindowLog?: number;
  /** Names the stream in messages ("layer 2 sha256:ab12…"). */
  what?: string;
}

/** A zstd stream the decoder refuses; `reason` is stable, `offset` is an input byte offset. */
export class ZstdFormatError extends CompressionError {
  constructor(
    readonly what: string,
    readonly reason: string,
    message: string,
    readonly offset: number,
  ) {
    super(`${what}: corrupt zstd stream: ${message} (at byte ${offset})`);
  }
}

export class ZstdDecoder {
  private readonly core: Core;
  private readonly z: abi.CoreExports;
  private readonly what: string;
  private state: number;
  private failed: ZstdFormatError | null = null;
  private bytesIn = 0;
  private readonly steps: DecodeSteps;

  constructor(core: Core = getDefaultCore(), options: ZstdDecoderOptions = {}) {
    const log = options.maxWindowLog ?? ZSTD_DEFAULT_MAX_WINDOW_LOG;
    if (!Number.isInteger(log) || log < 10 || log > 31) {
      throw new RangeError(`maxWindowLog must be an integer from 10 to 31, got ${log}`);
    }
    this.core = core;
    this.z = core.exports;
    this.what = options.what ?? "zstd stream";
    this.state = this.z.zstdNew(log) >>> 0;
    if (this.state === 0) throw new RangeError(`the core refused a decoder with maxWindowLog ${log}`);
    const z = this.z;
    this.steps = {
      input: () => z.zstdInput(this.state) >>> 0,
      room: () => z.zstdInputRoom(this.state) >>> 0,
      decode: (n) => z.zstdDecode(this.state, n),
      output: () => z.zstdOutput(this.state) >>> 0,
      needInput: abi.ZSTD_NEED_INPUT,
      signal: (code) => {
        if (code !== abi.ZSTD_FRAME_DONE) throw this.fail(code);
      },
      what: this.what,
    };
  }

  /** Input bytes pushed so far. */
  get inputBytes(): number {
    return this.bytesIn;
  }

  /** Frames (zstd and skippable) completed so far. */
  get frames(): number {
    return this.live("read").zstdFrames(this.state) >>> 0;
  }

  /** Bytes the core reserved for this decoder's window (it grows with the largest window seen). */
  get windowBytes(): number {
    return this.live("read").zstdWindowBytes(this.state);
  }

  /**
   * Decode `chunk`, yielding output pieces of at most 128 KiB as they come. Throws
   * ZstdFormatError on corrupt input (and on every later call).
   */
  *push(chunk: Uint8Array): Generator<Uint8Array, void, undefined> {
    this.live("pushed to");
    if (this.failed) throw this.failed;
    this.bytesIn += chunk.length;
    yield* pushThrough(this.core, chunk, this.steps);
  }

  /** The input ended: throws unless it ended on a frame boundary after at least one frame. */
  end(): void {
    const z = this.live("ended");
    if (this.failed) throw this.failed;
    if (this.bytesIn === 0) {
      throw (this.failed = new ZstdFormatError(this.what, "empty", "empty input", 0));
    }
    if (z.zstdIdle(this.state) === 0) {
      throw (this.failed = new ZstdFormatError(this.what, "truncated", "unexpected end of input", this.bytesIn));
    }
  }

  /** Release the core memory (window, tables, buffers). Safe to call twice. */
  free(): void {
    if (this.state !== 0) {
      this.z.zstdFree(this.state);
      this.state = 0;
    }
  }

  private live(doing: string): abi.CoreExports {
    if (this.state === 0) throw new FreedError("ZstdDecoder", doing);
    return this.z;
  }

  private fail(code: number): ZstdFormatError {
    const [reason, message] = ERROR_REASONS[code] ?? ["unknown", `core error ${code}`];
    const offset = this.z.zstdErrorOffset(this.state);
    return (this.failed = new ZstdFormatError(this.what, reason, message, offset));
  }
}

/** Decode a whole zstd buffer (tests, small blobs); `maxBytes` bounds the output. */
export function zstdDecompress(input: Uint8Array, options: ZstdDecoderOptions & { core?: Core; maxBytes?: number } = {}): Uint8Array {
  const dec = new ZstdDecoder(options.core ?? getDefaultCore(), options);
  return decodeWhole(dec, input, options.maxBytes ?? Infinity, options.what ?? "zstd stream");
}
