// Sparse files in tar: a file stored as its data segments only, with a map saying where each
// segment sits in the real file; everything between segments (and after the last) is a hole,
// read back as zeros. This module holds the map, its three encodings and the expansion of the
// stored bytes into real content, shared by the tar reader (stage, hashing) and content.ts
// (cat, readFile, export).
//
// Encodings (GNU tar manual, "Storing Sparse Files"; Go's archive/tar reads the same ones):
// - PAX 0.0 / 0.1: the map in the entry's PAX records (GNU.sparse.offset/numbytes pairs, or
//   GNU.sparse.map "off,len,off,len"), with GNU.sparse.numblocks giving the segment count.
// - PAX 1.0: the map as decimal lines ("count\n" then "offset\nlength\n" per segment) at the
//   start of the entry's body, padded to a 512-byte block; the data follows.
// - Old GNU (typeflag 'S'): 12-byte numeric pairs in the header, continued in 512-byte
//   extension blocks after it while their "isextended" byte is set.
//
// Invariants: a map that is accepted has segments in order, not overlapping, inside the real
// size, and their lengths add up to the bytes stored (Go refuses both missing and unreferenced
// data). Expansion never allocates in proportion to a hole: zeros come out of one shared
// read-only buffer, ZERO_CHUNK bytes at a time.

import { TarFormatError } from "./errors.js";

export interface SparseSegment {
  /** Where the segment starts in the real file. */
  offset: number;
  length: number;
}

export interface SparseLayout {
  /** Data segments of the real file, in order. */
  segments: SparseSegment[];
  /** Bytes of data stored in the archive (the sum of the segment lengths). */
  storedSize: number;
}

/** Largest zero chunk handed out for a hole. */
export const ZERO_CHUNK = 64 * 1024;
const ZEROS = new Uint8Array(ZERO_CHUNK);

/** Hand `length` zero bytes to `data` in pieces of at most ZERO_CHUNK (views of one buffer). */
export function emitZeros(length: number, data: (chunk: Uint8Array) => void): void {
  while (length > 0) {
    const n = Math.min(length, ZERO_CHUNK);
    data(ZEROS.subarray(0, n));
    length -= n;
  }
}

/** Check a map against the real size and build the layout; `at` locates the entry. */
export function sparseLayout(segments: SparseSegment[], realSize: number, at: number): SparseLayout {
  let end = 0;
  let stored = 0;
  for (const s of segments) {
    if (!Number.isSafeInteger(s.offset) || !Number.isSafeInteger(s.length) || s.offset < 0 || s.length < 0) {
      throw new TarFormatError("sparse map has a bad segment", at);
    }
    if (s.offset < end) throw new TarFormatError("sparse map segments overlap or are out of order", at);
    end = s.offset + s.length;
    if (end > realSize) throw new TarFormatError(`sparse map reaches past the real size ${realSize}`, at);
    stored += s.length;
  }
  return { segments, storedSize: stored };
}

/** A decimal number of a sparse map (no sign, no spaces). */
function decimal(s: string, what: string, at: number): number {
  if (!/^\d{1,16}$/.test(s)) throw new TarFormatError(`bad ${what} ${JSON.stringify(s.slice(0, 40))} in a sparse map`, at);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new TarFormatError(`${what} out of range in a sparse map`, at);
  return n;
}

/** Pairs of decimal strings as segments. */
function pairs(numbers: string[], at: number): SparseSegment[] {
  const out: SparseSegment[] = [];
  for (let i = 0; i < numbers.length; i += 2) {
    out.push({ offset: decimal(numbers[i], "offset", at), length: decimal(numbers[i + 1], "length", at) });
  }
  return out;
}

/** PAX 0.0 / 0.1: GNU.sparse.map ("off,len,...") and GNU.sparse.numblocks. */
export function parsePaxSparseMap(map: string, numblocks: string | undefined, at: number): SparseSegment[] {
  const count = decimal(numblocks ?? "", "GNU.sparse.numblocks", at);
  const numbers = map === "" ? [] : map.split(",");
  if (numbers.length !== 2 * count) {
    throw new TarFormatError(`sparse map has ${numbers.length} numbers, GNU.sparse.numblocks says ${count} pairs`, at);
  }
  return pairs(numbers, at);
}

/**
 * PAX 1.0: try to read the map from the first bytes of the body. Returns the segments and
 * the bytes the map occupies (whole blocks), or null when more blocks are needed.
 */
export function parseSparseMap1(body: Uint8Array, at: number): { segments: SparseSegment[]; bytes: number } | null {
  const numbers: string[] = [];
  let start = 0;
  let want = 1;
  for (let i = 0; i < body.length && numbers.length < want; i++) {
    if (body[i] !== 0x0a) continue;
    numbers.push(String.fromCharCode.apply(null, body.subarray(start, i) as unknown as number[]));
    start = i + 1;
    if (numbers.length === 1) want = 1 + 2 * decimal(numbers[0], "segment count", at);
  }
  if (numbers.length < want) return null;
  return { segments: pairs(numbers.slice(1), at), bytes: Math.ceil(start / 512) * 512 };
}

/**
 * Old GNU: `count` 24-byte entries (offset, length: 12-byte numeric fields) from `off` in a
 * block. An entry whose offset field starts with NUL ends the list (as GNU tar, Go and bsdtar
 * read it).
 */
export function readOldGnuSparse(
  b: Uint8Array,
  off: number,
  count: number,
  readNumber: (b: Uint8Array, off: number, len: number, what: string) => number,
  into: SparseSegment[],
): void {
  for (let i = 0; i < count; i++) {
    const e = off + 24 * i;
    if (b[e] === 0) return;
    into.push({ offset: readNumber(b, e, 12, "sparse offset"), length: readNumber(b, e + 12, 12, "sparse length") });
  }
}

/** Where the expanded content goes: data bytes, and holes (zeros) as lengths. */
export interface SparseSink {
  data(chunk: Uint8Array): void;
  hole(length: number): void;
}

/**
 * The stored bytes of a sparse file in, its real content out (in order): each segment's
 * bytes, preceded by the hole before it, and a final hole up to the real size at finish().
 */
export class SparseExpander {
  private seg = 0;
  private inSeg = 0;
  private pos = 0;

  constructor(
    private readonly layout: SparseLayout,
    private readonly realSize: number,
    private readonly sink: SparseSink,
  ) {}

  /** Next stored bytes; never more in total than layout.storedSize (the reader counts). */
  push(chunk: Uint8Array): void {
    const segs = this.layout.segments;
    let i = 0;
    while (i < chunk.length) {
      while (segs[this.seg].length === 0) this.seg++;
      const s = segs[this.seg];
      if (this.inSeg === 0 && this.pos < s.offset) {
        this.sink.hole(s.offset - this.pos);
        this.pos = s.offset;
      }
      const take = Math.min(s.length - this.inSeg, chunk.length - i);
      this.sink.data(chunk.subarray(i, i + take));
      i += take;
      this.inSeg += take;
      this.pos += take;
      if (this.inSeg === s.length) {
        this.seg++;
        this.inSeg = 0;
      }
    }
  }

  /** After the last stored byte: the hole that ends the file, if any. */
  finish(): void {
    if (this.pos < this.realSize) this.sink.hole(this.realSize - this.pos);
    this.pos = this.realSize;
  }
}
