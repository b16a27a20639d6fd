// The push loop the core's streaming decoders share (inflate.ts for gzip, zstd.ts for zstd):
// copy a chunk into the core's input window as far as it has room, then drain -- each decode
// call makes at most one bounded piece of output (a block), so a consumer that stops iterating
// stops the work too -- until the core asks for more input, and repeat until the chunk is in.
// Codes other than "need input" (member or frame done, a checkpoint taken, an error) go to the
// decoder's own signal(), which returns to go on or throws to stop.

import { CapacityError, InvariantError } from "../errors.js";
import type { Core } from "../wasm/core.js";

/** One decoder's view of its core state, as the shared loop drives it. */
export interface DecodeSteps {
  /** Address of the core's input window (called first: it may make room), then how many bytes it can take now. */
  input(): number;
  room(): number;
  /** Decode after `n` new input bytes (0: go on): > 0 output bytes at output(), else a code. */
  decode(n: number): number;
  output(): number;
  /** The code meaning "give me more input". */
  readonly needInput: number;
  /** Every other code <= 0. */
  signal(code: number): void;
  /** Names the stream in an invariant failure. */
  readonly what: string;
}

/** Push `chunk` through a decoder, yielding its output pieces (copies) as they come. */
export function* pushThrough(core: Core, chunk: Uint8Array, steps: DecodeSteps): Generator<Uint8Array, void, undefined> {
  for (const view of pushViews(core, chunk, steps)) yield view.slice();
}

/**
 * Push `chunk` through a decoder, yielding each output piece as a view of the core's memory,
 * valid only until the generator is resumed: a consumer that copies the bytes where they are
 * going anyway (one buffer for a whole blob) saves the allocation and the copy of a fresh piece.
 */
export function* pushViews(core: Core, chunk: Uint8Array, steps: DecodeSteps): Generator<Uint8Array, void, undefined> {
  let at = 0;
  for (;;) {
    let n = 0;
    if (at < chunk.length) {
      // input() before room(): asking for the window's address is what makes room (the inflater
      // moves its unread bytes to the front then). core.u8 is read each time: the core's memory
      // may have grown (a new buffer) meanwhile.
      const dst = steps.input();
      n = Math.min(steps.room(), chunk.length - at);
      core.u8.set(chunk.subarray(at, at + n), dst);
      at += n;
    }
    let r = steps.decode(n);
    while (r !== steps.needInput) {
      if (r > 0) {
        const out = steps.output();
        yield core.u8.subarray(out, out + r);
      } else {
        steps.signal(r);
      }
      r = steps.decode(0);
    }
    if (at >= chunk.length) return;
    // The core always has room once it asks for input.
    if (n === 0) throw new InvariantError(`${steps.what}: decoder has no input room`);
  }
}

/** A streaming decoder as decodeWhole() takes it. */
export interface PushDecoder {
  push(chunk: Uint8Array): Iterable<Uint8Array>;
  end(): void;
  free(): void;
}

/** Decode all of `input` with `dec` (which is freed) into one buffer of at most `maxBytes`. */
export function decodeWhole(dec: PushDecoder, input: Uint8Array, maxBytes: number, what: string): Uint8Array {
  const pieces: Uint8Array[] = [];
  let total = 0;
  try {
    for (const piece of dec.push(input)) {
      total += piece.length;
      if (total > maxBytes) throw new CapacityError(`${what}: decompressed size exceeds the ${maxBytes}-byte limit`);
      pieces.push(piece);
    }
    dec.end();
  } finally {
    dec.free();
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
