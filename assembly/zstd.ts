// Streaming zstd decoder (RFC 8878, https://www.rfc-editor.org/rfc/rfc8878): frames,
// skippable frames, raw/RLE/compressed blocks, Huffman literals, FSE sequences, the
// Content_Checksum (XXH64). Dictionaries are refused (ZSTD_ERR_DICTIONARY).
//
// A push decoder with bounded steps:
//   z = zstdNew(maxWindowLog)          every region reserved here, except the window
//   loop: at = zstdInput(z); room = zstdInputRoom(z); host writes n <= room bytes at `at`
//         r = zstdDecode(z, n)         then zstdDecode(z, 0) again while r is output/FRAME_DONE
//           r > 0  → r bytes at zstdOutput(z), valid until the next call
//           ZSTD_NEED_INPUT / ZSTD_FRAME_DONE / error code (see abi.ts)
//   zstdIdle(z) at the end: true when the input ended on a frame boundary
//   zstdFree(z)
//
// Each call does at most one block of work: <= 128 KiB of output, <= 128 KiB of input
// parsed, so the host checks its output budget after every piece. Malformed input returns
// a negative code and the decoder stays failed (sticky); nothing traps. Time is bounded by
// input plus output: every step consumes input or produces output, every table size, log,
// length and offset is range-checked before use.

import { reserve, release } from "./layout";
import { xxh64Reset, xxh64Update, xxh64Digest, XXH64_STATE_BYTES } from "./xxhash64";
import { ZstdState, SLACK, IN_CAP, PHASE_FRAME, PHASE_BLOCK_HEADER, PHASE_BLOCK_BODY,
  PHASE_CHECKSUM, PHASE_SKIP, PHASE_FAILED } from "./zstd-state";
import { BLOCK_MAX, WINDOW_MIN, WINDOW_LOG_ABSOLUTE_MAX, LL_MAX_LOG, ML_MAX_LOG, OF_MAX_LOG } from "./zstd-sizes";
import { seqTableBytes } from "./zstd-seq-table";
import { HUF_TABLE_BYTES, HUF_SCRATCH_BYTES } from "./zstd-huffman";
import { decodeCompressedBlock } from "./zstd-block";
import {
  ZSTD_NEED_INPUT, ZSTD_FRAME_DONE, ZSTD_ERR_MAGIC, ZSTD_ERR_FRAME_HEADER, ZSTD_ERR_WINDOW_TOO_LARGE,
  ZSTD_ERR_DICTIONARY, ZSTD_ERR_BLOCK_TYPE, ZSTD_ERR_BLOCK_SIZE, ZSTD_ERR_CONTENT_SIZE, ZSTD_ERR_CHECKSUM,
  ZSTD_ERR_CAPACITY, ZSTD_ERR_ARGUMENT,
} from "./abi";

const MAGIC: u32 = 0xfd2fb528;
const SKIPPABLE_MAGIC: u32 = 0x184d2a50;
const SKIPPABLE_MASK: u32 = 0xfffffff0;
const BLOCK_RAW: u32 = 0;
const BLOCK_RLE: u32 = 1;
// Block_Type 2 (compressed) is every other type below 3.
/** Headroom kept below the 4 GiB address space when reserving a window. */
const MEMORY_LIMIT: u64 = (<u64>4 << 30) - (<u64>64 << 20);

/** A decoder that refuses windows above 2^maxWindowLog bytes (10..31); 0 when out of range. */
export function zstdNew(maxWindowLog: u32): usize {
  if (maxWindowLog < 10 || maxWindowLog > WINDOW_LOG_ABSOLUTE_MAX) return 0;
  const z = changetype<ZstdState>(reserve(offsetof<ZstdState>()));
  z.maxWindowLog = maxWindowLog;
  z.inBuf = reserve(IN_CAP + SLACK);
  z.litBuf = reserve(BLOCK_MAX + SLACK);
  z.huf = reserve(HUF_TABLE_BYTES);
  z.llSpace = reserve(seqTableBytes(LL_MAX_LOG));
  z.ofSpace = reserve(seqTableBytes(OF_MAX_LOG));
  z.mlSpace = reserve(seqTableBytes(ML_MAX_LOG));
  z.scratch = reserve(HUF_SCRATCH_BYTES + 1024);
  z.xxh = reserve(XXH64_STATE_BYTES);
  z.phase = PHASE_FRAME;
  return changetype<usize>(z);
}

export function zstdFree(state: usize): void {
  if (state == 0) return;
  const z = changetype<ZstdState>(state);
  release(z.inBuf);
  release(z.litBuf);
  release(z.huf);
  release(z.llSpace);
  release(z.ofSpace);
  release(z.mlSpace);
  release(z.scratch);
  release(z.xxh);
  release(z.win);
  release(state);
}

/** Where the host writes the next input bytes (compacts consumed input away first). */
export function zstdInput(state: usize): usize {
  const z = changetype<ZstdState>(state);
  if (z.inStart == z.inEnd) {
    z.inStart = z.inEnd = 0;
  } else if (z.inStart >= IN_CAP >> 1) {
    // A pending block is at most BLOCK_MAX + 3 bytes, so after this move it always fits.
    memory.copy(z.inBuf, z.inBuf + z.inStart, z.inEnd - z.inStart);
    z.inEnd -= z.inStart;
    z.inStart = 0;
  }
  return z.inBuf + z.inEnd;
}

/** How many bytes the host may write at zstdInput() before the next zstdDecode(). */
export function zstdInputRoom(state: usize): u32 {
  const z = changetype<ZstdState>(state);
  return <u32>(IN_CAP - z.inEnd);
}

/** Address of the output of the last call that returned a length. */
export function zstdOutput(state: usize): usize {
  const z = changetype<ZstdState>(state);
  return z.win + z.outStart;
}

/** True between frames with no input pending: a stream may end here. */
export function zstdIdle(state: usize): bool {
  const z = changetype<ZstdState>(state);
  return z.phase == PHASE_FRAME && z.inStart == z.inEnd;
}

/** Input offset of the frame part (header, block, checksum) an error was found in. */
export function zstdErrorOffset(state: usize): f64 {
  return <f64>changetype<ZstdState>(state).errorOffset;
}

/** Frames (zstd and skippable) decoded and verified so far. */
export function zstdFrames(state: usize): u32 {
  return changetype<ZstdState>(state).frames;
}

/** Bytes reserved for the window buffer (grows with the largest window seen). */
export function zstdWindowBytes(state: usize): f64 {
  return <f64>changetype<ZstdState>(state).winCap;
}

function fail(z: ZstdState, code: i32): i32 {
  z.phase = PHASE_FAILED;
  z.error = code;
  z.errorOffset = z.consumed;
  return code;
}

// @ts-ignore: decorator
@inline function advance(z: ZstdState, n: usize): void {
  z.inStart += n;
  z.consumed += <u64>n;
}

/** Frame header size from its descriptor byte, magic included. */
function headerSize(fhd: u32): usize {
  const single = (fhd >> 5) & 1;
  const fcsFlag = fhd >> 6;
  const dictFlag = fhd & 3;
  const dictBytes: usize = dictFlag == 3 ? 4 : <usize>dictFlag;
  const fcsBytes: usize = fcsFlag == 0 ? <usize>single : (<usize>1 << fcsFlag);
  return 5 + (single ? 0 : 1) + dictBytes + fcsBytes;
}

function readLE(p: usize, n: usize): u64 {
  let v: u64 = 0;
  for (let i: usize = 0; i < n; i++) v |= (<u64>load<u8>(p + i)) << ((<u64>i) << 3);
  return v;
}

/** Parse a frame header (all of it is in the input) and get the window ready. */
function startFrame(z: ZstdState, p: usize): i32 {
  const fhd = <u32>load<u8>(p + 4);
  if ((fhd & 0x08) != 0) return ZSTD_ERR_FRAME_HEADER;
  const single = (fhd >> 5) & 1;
  const fcsFlag = fhd >> 6;
  const dictFlag = fhd & 3;
  let at = p + 5;
  let windowSize: u64 = 0;
  if (!single) {
    const wd = <u32>load<u8>(at);
    at++;
    const log: u32 = 10 + (wd >> 3);
    if (log > WINDOW_LOG_ABSOLUTE_MAX) return ZSTD_ERR_WINDOW_TOO_LARGE;
    const base = (<u64>1) << log;
    windowSize = base + (base >> 3) * <u64>(wd & 7);
  }
  const dictBytes: usize = dictFlag == 3 ? 4 : <usize>dictFlag;
  const dictId = readLE(at, dictBytes);
  at += dictBytes;
  if (dictId != 0) return ZSTD_ERR_DICTIONARY;
  const fcsBytes: usize = fcsFlag == 0 ? <usize>single : (<usize>1 << fcsFlag);
  let fcs = readLE(at, fcsBytes);
  if (fcsFlag == 1) fcs += 256;
  z.hasContentSize = fcsBytes > 0 ? 1 : 0;
  z.contentSize = fcs;
  if (single) windowSize = fcs;
  // Block_Maximum_Size comes from the declared window, before the 1 KiB floor (as zstd does).
  z.blockMax = <u32>(windowSize < <u64>BLOCK_MAX ? windowSize : <u64>BLOCK_MAX);
  if (windowSize < WINDOW_MIN) windowSize = WINDOW_MIN;
  // zstd allows one byte above the power of two (its default limit is 2^27 + 1).
  if (windowSize > ((<u64>1) << z.maxWindowLog) + 1) return ZSTD_ERR_WINDOW_TOO_LARGE;
  z.windowSize = windowSize;
  // Room past the window: the window slides (a copy of windowSize bytes) once per `spare`
  // bytes of output, so a spare as large as the window costs one copy per output byte;
  // windows above 8 MiB take half that, so memory stays under twice the window.
  const half: u64 = windowSize > <u64>(8 << 20) ? windowSize >> 1 : windowSize;
  const spare: u64 = half > <u64>(4 * BLOCK_MAX) ? half : <u64>(4 * BLOCK_MAX);
  const need: u64 = windowSize + spare + <u64>BLOCK_MAX + <u64>SLACK;
  if (need > <u64>z.winCap) {
    if (((<u64>memory.size()) << 16) + need > MEMORY_LIMIT) return ZSTD_ERR_CAPACITY;
    release(z.win);
    z.win = 0;
    z.winCap = 0;
    z.win = reserve(<usize>need); // released by release(), which reads the region header reserve() writes
    z.winCap = <usize>need;
  }
  z.hasChecksum = (fhd >> 2) & 1;
  if (z.hasChecksum) xxh64Reset(z.xxh);
  z.decoded = 0;
  z.pos = 0;
  z.outStart = 0;
  z.hufValid = 0;
  z.seqValid = 0;
  z.rep0 = 1;
  z.rep1 = 4;
  z.rep2 = 8;
  return 0;
}

/** Decode the block whose body is complete in the input; returns its output size or a code. */
function block(z: ZstdState, p: usize): i32 {
  const size = <usize>z.blockSize;
  // Keep the last windowSize bytes and make room for a whole block (and the copy slack).
  if (z.pos + BLOCK_MAX + SLACK > z.winCap) {
    const keep = <usize>z.windowSize < z.pos ? <usize>z.windowSize : z.pos;
    memory.copy(z.win, z.win + z.pos - keep, keep);
    z.pos = keep;
  }
  const dst = z.win + z.pos;
  let n: i32;
  if (z.blockType == BLOCK_RAW) {
    memory.copy(dst, p, size);
    n = <i32>size;
  } else if (z.blockType == BLOCK_RLE) {
    memory.fill(dst, load<u8>(p), size);
    n = <i32>size;
  } else {
    n = decodeCompressedBlock(z, p, size, dst, z.win);
    if (n < 0) return n;
  }
  z.decoded += <u64>n;
  if (z.hasContentSize && z.decoded > z.contentSize) return ZSTD_ERR_CONTENT_SIZE;
  if (z.hasChecksum) xxh64Update(z.xxh, dst, <usize>n);
  z.outStart = z.pos;
  z.pos += <usize>n;
  return n;
}

export function zstdDecode(state: usize, inputLen: u32): i32 {
  const z = changetype<ZstdState>(state);
  if (z.phase == PHASE_FAILED) return z.error;
  if (<usize>inputLen > IN_CAP - z.inEnd) return fail(z, ZSTD_ERR_ARGUMENT);
  z.inEnd += <usize>inputLen;
  // Each pass consumes at least 3 input bytes or returns, so the loop is bounded by the input.
  for (;;) {
    const avail = z.inEnd - z.inStart;
    const p = z.inBuf + z.inStart;
    const phase = z.phase;
    if (phase == PHASE_FRAME) {
      if (avail < 4) return ZSTD_NEED_INPUT;
      const magic = load<u32>(p);
      if (magic == MAGIC) {
        if (avail < 5) return ZSTD_NEED_INPUT;
        const size = headerSize(<u32>load<u8>(p + 4));
        if (avail < size) return ZSTD_NEED_INPUT;
        const r = startFrame(z, p);
        if (r < 0) return fail(z, r);
        advance(z, size);
        z.phase = PHASE_BLOCK_HEADER;
      } else if ((magic & SKIPPABLE_MASK) == SKIPPABLE_MAGIC) {
        if (avail < 8) return ZSTD_NEED_INPUT;
        z.skipLeft = <u64>load<u32>(p + 4);
        advance(z, 8);
        z.phase = PHASE_SKIP;
      } else {
        return fail(z, ZSTD_ERR_MAGIC);
      }
    } else if (phase == PHASE_SKIP) {
      const n: u64 = <u64>avail < z.skipLeft ? <u64>avail : z.skipLeft;
      advance(z, <usize>n);
      z.skipLeft -= n;
      if (z.skipLeft != 0) return ZSTD_NEED_INPUT;
      z.phase = PHASE_FRAME;
      z.frames++;
      return ZSTD_FRAME_DONE;
    } else if (phase == PHASE_BLOCK_HEADER) {
      if (avail < 3) return ZSTD_NEED_INPUT;
      const h = <u32>load<u16>(p) | ((<u32>load<u8>(p + 2)) << 16);
      const type = (h >> 1) & 3;
      const size = h >> 3;
      if (type == 3) return fail(z, ZSTD_ERR_BLOCK_TYPE);
      if (size > z.blockMax) return fail(z, ZSTD_ERR_BLOCK_SIZE);
      z.lastBlock = h & 1;
      z.blockType = type;
      z.blockSize = size;
      advance(z, 3);
      z.phase = PHASE_BLOCK_BODY;
    } else if (phase == PHASE_BLOCK_BODY) {
      const need: usize = z.blockType == BLOCK_RLE ? 1 : <usize>z.blockSize;
      if (avail < need) return ZSTD_NEED_INPUT;
      const n = block(z, p);
      if (n < 0) return fail(z, n);
      advance(z, need);
      z.phase = z.lastBlock ? PHASE_CHECKSUM : PHASE_BLOCK_HEADER;
      if (n > 0) return n;
    } else if (phase == PHASE_CHECKSUM) {
      if (z.hasChecksum) {
        if (avail < 4) return ZSTD_NEED_INPUT;
        if (load<u32>(p) != <u32>xxh64Digest(z.xxh)) return fail(z, ZSTD_ERR_CHECKSUM);
      }
      if (z.hasContentSize && z.decoded != z.contentSize) return fail(z, ZSTD_ERR_CONTENT_SIZE);
      if (z.hasChecksum) advance(z, 4);
      z.phase = PHASE_FRAME;
      z.frames++;
      return ZSTD_FRAME_DONE;
    } else {
      return fail(z, ZSTD_ERR_ARGUMENT);
    }
  }
  return ZSTD_NEED_INPUT;
}
