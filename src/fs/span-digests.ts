// Span digests: what makes a second read of a layer as trustworthy as the first. Mounting
// reads every layer end to end and verifies it (blob digest, diff_id); during that same pass
// the sha256 of every regular file's stored bytes is recorded here, one digest per SPAN_CHUNK
// bytes of the file. A later read (readFile, `cat`, export, the web viewer) re-opens a blob
// nobody vouches for any more -- a registry may serve other bytes of the same size -- so it
// holds each chunk back until the chunk hashes to what the verified pass recorded.
//
// Layout: one SpanDigests per layer, its spans in tar order (the order they were recorded,
// so offsets ascend and lookup is a binary search), parallel typed arrays:
//   span i:   offset[i] (first stored byte in the uncompressed tar)  size[i] (stored bytes)
//             first[i] (its first chunk)
//   chunk c:  bytes 32c..32c+31 of `digests`, the raw sha256 of that chunk
// The key is where the bytes sit in the layer's tar, not which inode shows them: every view
// that shows a file version reads the same (layer, offset) span, so one record serves them all.

import { DigestMismatchError, InvariantError } from "../errors.js";
import { createSha256, type Sha256 } from "../hash/hasher.js";

/** Bytes of a file covered by one recorded digest: a read holds at most this much back. */
export const SPAN_CHUNK = 1 << 20;

const DIGEST_BYTES = 32;
const HEX = "0123456789abcdef";

function grow<T extends Float64Array | Uint32Array | Uint8Array>(a: T, n: number): T {
  if (a.length >= n) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(n, a.length * 2, 16));
  b.set(a);
  return b;
}

function chunksOf(size: number): number {
  return Math.ceil(size / SPAN_CHUNK);
}

/** A SpanDigests as plain typed arrays (trimmed copies), to hand to another thread. */
export interface SpanDigestParts {
  offset: Float64Array;
  size: Float64Array;
  first: Uint32Array;
  digests: Uint8Array;
}

export class SpanDigests {
  private offset = new Float64Array(0);
  private size = new Float64Array(0);
  private first = new Uint32Array(0);
  private digests = new Uint8Array(0);
  private spanCount = 0;
  private chunkCount = 0;

  get spans(): number {
    return this.spanCount;
  }

  /** Bytes held (stats, the mount-cost measurement). */
  get bytes(): number {
    return this.offset.byteLength + this.size.byteLength + this.first.byteLength + this.digests.byteLength;
  }

  /** Its records as trimmed copies (the buffers may be transferred). */
  toParts(): SpanDigestParts {
    return {
      offset: this.offset.slice(0, this.spanCount),
      size: this.size.slice(0, this.spanCount),
      first: this.first.slice(0, this.spanCount),
      digests: this.digests.slice(0, this.chunkCount * DIGEST_BYTES),
    };
  }

  /** The SpanDigests toParts() described, e.g. recorded by a worker. */
  static fromParts(p: SpanDigestParts): SpanDigests {
    const d = new SpanDigests();
    // The parts arrived as arrays of their own (a transfer or a copy), never views of shared memory.
    d.offset = p.offset as typeof d.offset;
    d.size = p.size as typeof d.size;
    d.first = p.first as typeof d.first;
    d.digests = p.digests as typeof d.digests;
    d.spanCount = p.offset.length;
    d.chunkCount = p.digests.length / DIGEST_BYTES;
    return d;
  }

  /** @internal Start the record of a span (recorder only; offsets must ascend). */
  open(offset: number, size: number): void {
    const i = this.spanCount;
    if (i > 0 && offset < this.offset[i - 1] + this.size[i - 1])
      throw new InvariantError(`span digests: span at ${offset} overlaps the last`);
    this.offset = grow(this.offset, i + 1);
    this.size = grow(this.size, i + 1);
    this.first = grow(this.first, i + 1);
    this.offset[i] = offset;
    this.size[i] = size;
    this.first[i] = this.chunkCount;
    this.spanCount++;
  }

  /** @internal Append the next chunk digest ("sha256:<hex>") of the span opened last. */
  push(digest: string): void {
    const c = this.chunkCount++;
    this.digests = grow(this.digests, (c + 1) * DIGEST_BYTES);
    const at = c * DIGEST_BYTES;
    for (let k = 0; k < DIGEST_BYTES; k++) this.digests[at + k] = parseInt(digest.substr(7 + 2 * k, 2), 16);
  }

  /** The span recorded at `offset` with `size` stored bytes, or -1. */
  find(offset: number, size: number): number {
    let lo = 0;
    let hi = this.spanCount - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const o = this.offset[mid];
      if (o === offset) return this.size[mid] === size ? mid : -1;
      if (o < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The recorded digest of chunk `chunk` of span `span`, as "sha256:<hex>". */
  expected(span: number, chunk: number): string {
    if (chunk >= chunksOf(this.size[span])) throw new InvariantError(`span digests: chunk ${chunk} past the end of span ${span}`);
    const at = (this.first[span] + chunk) * DIGEST_BYTES;
    let hex = "sha256:";
    for (let k = 0; k < DIGEST_BYTES; k++) {
      const b = this.digests[at + k];
      hex += HEX[b >> 4] + HEX[b & 15];
    }
    return hex;
  }
}

/**
 * Records span digests while a layer streams: told where each regular file's stored bytes sit
 * (expect), fed the uncompressed tar chunk by chunk (push), it hashes those ranges straight from
 * the chunks, without copying, cutting a digest every SPAN_CHUNK bytes of a file.
 */
export class SpanRecorder {
  readonly digests = new SpanDigests();
  private readonly pending: { offset: number; size: number }[] = [];
  private head = 0;
  private pos = 0;
  private hasher: Sha256 | null = null;
  /** Bytes of the current span already hashed. */
  private done = 0;

  /** A span to record: `size` stored bytes from `offset` (ranges ascend, do not overlap). */
  expect(offset: number, size: number): void {
    if (size > 0) this.pending.push({ offset, size });
  }

  /** The next bytes of the uncompressed tar, after the headers they hold were parsed. */
  push(chunk: Uint8Array): void {
    const start = this.pos;
    this.pos += chunk.length;
    while (this.head < this.pending.length) {
      const s = this.pending[this.head];
      if (s.offset >= this.pos) break;
      let from = Math.max(s.offset + this.done, start);
      const end = Math.min(s.offset + s.size, this.pos);
      if (this.done === 0 && this.hasher === null) {
        // Headers are parsed before push() sees their chunk, so a body never starts behind it.
        if (s.offset < start) throw new InvariantError(`span digests: the bytes at ${s.offset} went by before they were expected`);
        this.digests.open(s.offset, s.size);
        this.hasher = createSha256();
      }
      while (from < end) {
        const chunkEnd = s.offset + Math.min(s.size, (Math.floor(this.done / SPAN_CHUNK) + 1) * SPAN_CHUNK);
        const to = Math.min(end, chunkEnd);
        this.hasher!.update(chunk.subarray(from - start, to - start));
        this.done += to - from;
        from = to;
        if (to === chunkEnd) {
          this.digests.push(this.hasher!.digest());
          this.hasher = this.done < s.size ? createSha256() : null;
        }
      }
      if (this.done < s.size) break;
      this.head++;
      this.done = 0;
      this.hasher = null;
    }
    // Spans already recorded are dropped now and then, so a layer of many files stays O(live).
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Every expected span was seen whole (the reader ended where the tar said it would). */
  finish(): SpanDigests {
    if (this.head < this.pending.length) {
      const s = this.pending[this.head];
      throw new InvariantError(`span digests: the tar ended inside the ${s.size} bytes at ${s.offset}`);
    }
    return this.digests;
  }
}

/**
 * Checks one span of a re-read against its record and releases its bytes only once a whole
 * chunk (or the span's tail) hashed as recorded; a mismatch releases nothing of that chunk.
 * `describe` names the layer (with its digest) and the path for the error.
 */
export class SpanVerifier {
  private buffer: Uint8Array | null = null;
  private fill = 0;
  private chunk = 0;
  private seen = 0;
  private index = -1;
  private size = 0;

  constructor(
    private readonly digests: SpanDigests,
    private readonly describe: () => string,
  ) {}

  /** Start a span of `size` stored bytes at `offset`; InvariantError when it was never recorded. */
  begin(offset: number, size: number): void {
    this.fill = 0;
    this.chunk = 0;
    this.seen = 0;
    this.size = size;
    this.index = size > 0 ? this.digests.find(offset, size) : -1;
    if (size > 0 && this.index < 0)
      throw new InvariantError(`${this.describe()}: no verified digest recorded for ${size} bytes at ${offset}`);
  }

  /** Stored bytes of the span, in order; `release` gets verified views (copy them to keep them). */
  push(part: Uint8Array, release: (verified: Uint8Array) => void): void {
    let i = 0;
    while (i < part.length) {
      const want = Math.min(SPAN_CHUNK, this.size - this.chunk * SPAN_CHUNK);
      if (this.fill === 0 && part.length - i >= want) {
        // A whole chunk inside this part: checked in place, no copy.
        const whole = part.subarray(i, i + want);
        this.check(whole);
        i += want;
        release(whole);
        continue;
      }
      const take = Math.min(want - this.fill, part.length - i);
      this.buffer ??= new Uint8Array(Math.min(SPAN_CHUNK, this.size));
      if (this.buffer.length < want) this.buffer = new Uint8Array(want);
      this.buffer.set(part.subarray(i, i + take), this.fill);
      this.fill += take;
      i += take;
      if (this.fill === want) {
        const full = this.buffer.subarray(0, want);
        this.check(full);
        this.fill = 0;
        release(full);
      }
    }
  }

  /** After the span's last byte: every byte arrived and was checked. */
  end(): void {
    if (this.seen !== this.size || this.fill !== 0) {
      throw new InvariantError(`${this.describe()}: ${this.seen} of ${this.size} bytes verified`);
    }
  }

  private check(bytes: Uint8Array): void {
    const h = createSha256();
    h.update(bytes);
    const actual = h.digest();
    const expected = this.digests.expected(this.index, this.chunk);
    if (actual !== expected) {
      const from = this.chunk * SPAN_CHUNK;
      throw new DigestMismatchError(
        `${this.describe()}, bytes ${from}-${from + bytes.length} of ${this.size} read again do not match the verified mount`,
        expected,
        actual,
      );
    }
    this.chunk++;
    this.seen += bytes.length;
  }
}
