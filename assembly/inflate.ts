// Streaming gzip inflater (RFC 1952 members, https://www.rfc-editor.org/rfc/rfc1952, around
// RFC 1951 DEFLATE data, https://www.rfc-editor.org/rfc/rfc1951) that can stop at a block
// boundary and hand out a checkpoint, and start again from one (the method of zlib's
// examples/zran.c: a bit offset into the compressed stream plus the 32 KiB of output before it).
//
// The same push protocol as the zstd decoder (assembly/zstd.ts):
//   s = inflateNew(span)                 span: output bytes between checkpoints (0: none)
//   loop: at = inflateInput(s); room = inflateInputRoom(s); host writes n <= room bytes at `at`
//         r = inflateDecode(s, n)        then inflateDecode(s, 0) again until INFLATE_NEED_INPUT
//           r > 0  → r bytes at inflateOutput(s), valid until the next call
//           INFLATE_MEMBER_DONE / INFLATE_CHECKPOINT (read it now) / an error code (abi.ts)
//   inflateIdle(s) at the end: true when the input ended after a whole member
//
// Each call returns at most INFLATE_STEP_BYTES of output, so the host checks its budget after
// every piece and a bomb never grows memory. Errors are sticky negative codes, never traps;
// every call consumes input, produces output or returns, so time is linear in both.
// Members: one after another as gzip(1) writes them with `cat a.gz b.gz`; after a member,
// zero bytes are padding (gzip(1) skips them too), anything else is INFLATE_ERR_TRAILING.

import { reserve, release } from "./layout";
import { crc32Update } from "./crc32";
import {
  InflateState, IN_CAP, SLACK, HISTORY, WIN_SPAN, WIN_CAP, STEP, P_HEADER, P_EXTRA_LEN, P_EXTRA, P_NAME,
  P_COMMENT, P_HCRC, P_BLOCK, P_STORED, P_CODES, P_TRAILER, P_ZEROS, P_FAILED, FHCRC, FEXTRA, FNAME, FCOMMENT,
} from "./inflate-state";
import { blockHeader, codes, toBytes } from "./inflate-block";
import { LITLEN_ENTRIES, DIST_ENTRIES, CODELEN_ENTRIES, BUILD_SCRATCH_BYTES } from "./inflate-huffman";
import {
  INFLATE_NEED_INPUT, INFLATE_MEMBER_DONE, INFLATE_CHECKPOINT, INFLATE_ERR_MAGIC, INFLATE_ERR_METHOD,
  INFLATE_ERR_FLAGS, INFLATE_ERR_HEADER_CRC, INFLATE_ERR_CRC, INFLATE_ERR_SIZE, INFLATE_ERR_TRAILING,
  INFLATE_ERR_ARGUMENT, INFLATE_WINDOW_BYTES,
} from "./abi";

/** A decoder that offers a checkpoint at the first block boundary after every `span` output bytes (0: never). */
export function inflateNew(span: f64): usize {
  if (!(span >= 0) || span > 9007199254740991) return 0;
  const z = changetype<InflateState>(reserve(offsetof<InflateState>()));
  z.inBuf = reserve(IN_CAP + SLACK);
  z.win = reserve(WIN_CAP);
  z.dynLit = reserve(<usize>LITLEN_ENTRIES << 2);
  z.dynDist = reserve(<usize>DIST_ENTRIES << 2);
  z.codeLen = reserve(<usize>CODELEN_ENTRIES << 2);
  z.lens = reserve(320);
  z.scratch = reserve(BUILD_SCRATCH_BYTES);
  z.span = <u64>span;
  z.phase = P_HEADER;
  return changetype<usize>(z);
}

export function inflateFree(state: usize): void {
  if (state == 0) return;
  const z = changetype<InflateState>(state);
  release(z.inBuf);
  release(z.win);
  release(z.dynLit);
  release(z.dynDist);
  release(z.codeLen);
  release(z.lens);
  release(z.scratch);
  release(state);
}

/** Where the host writes the next input (unread input moves to the front first, keeping the
 *  8 bytes before it, which the bit buffer may give back). */
export function inflateInput(state: usize): usize {
  const z = changetype<InflateState>(state);
  const keep: usize = z.inPos < 8 ? z.inPos : 8;
  const from = z.inPos - keep;
  if (from >= IN_CAP >> 1 || z.inEnd == IN_CAP) {
    memory.copy(z.inBuf, z.inBuf + from, z.inEnd - from);
    z.inEnd -= from;
    z.inPos -= from;
    z.base += <u64>from;
  }
  return z.inBuf + z.inEnd;
}

export function inflateInputRoom(state: usize): u32 {
  const z = changetype<InflateState>(state);
  return <u32>(IN_CAP - z.inEnd);
}

export function inflateOutput(state: usize): usize {
  const z = changetype<InflateState>(state);
  return z.win + z.outStart;
}

/** True when the input so far ended after a whole member (or its zero padding). */
export function inflateIdle(state: usize): bool {
  const z = changetype<InflateState>(state);
  return (z.phase == P_HEADER || z.phase == P_ZEROS) && z.afterMember != 0 && z.inPos == z.inEnd;
}

export function inflateMembers(state: usize): u32 {
  return changetype<InflateState>(state).members;
}

export function inflateErrorOffset(state: usize): f64 {
  return <f64>changetype<InflateState>(state).errorOffset;
}

/** Output bytes returned so far (from the stream start, also after a resume). */
export function inflateTotalOut(state: usize): f64 {
  return <f64>changetype<InflateState>(state).totalOut;
}

/** The last checkpoint: its bit offset in the compressed stream. */
export function inflateCheckpointBit(state: usize): f64 {
  return <f64>changetype<InflateState>(state).checkpointBit;
}

/** Output bytes of the current member so far, and their CRC-32 (a checkpoint keeps both so
 *  a resumed decoder still verifies the member's trailer). */
export function inflateMemberOut(state: usize): f64 {
  return <f64>changetype<InflateState>(state).memberOut;
}

export function inflateCrc(state: usize): u32 {
  return changetype<InflateState>(state).crc;
}

/** Length of the history at inflateWindow(): the member's last <= 32 KiB of output. */
export function inflateWindowLength(state: usize): u32 {
  const z = changetype<InflateState>(state);
  return <u32>(z.memberOut < <u64>HISTORY ? z.memberOut : <u64>HISTORY);
}

export function inflateWindow(state: usize): usize {
  const z = changetype<InflateState>(state);
  return z.win + z.pos - <usize>inflateWindowLength(state);
}

/** Where the host writes a checkpoint's window before inflateResume. */
export function inflateWindowIn(state: usize): usize {
  return changetype<InflateState>(state).win;
}

/**
 * Start at a checkpoint: the window (windowLength bytes) is already at inflateWindowIn(); the
 * next input is the stream from byte `inByte`, of which the first `skipBits` bits are dropped.
 */
export function inflateResume(state: usize, inByte: f64, skipBits: u32, windowLength: u32, totalOut: f64, memberOut: f64, crc: u32): i32 {
  const z = changetype<InflateState>(state);
  if (skipBits > 7 || windowLength > INFLATE_WINDOW_BYTES || !(inByte >= 0) || !(totalOut >= 0) || !(memberOut >= 0)) return INFLATE_ERR_ARGUMENT;
  if (z.members != 0 || z.totalOut != 0 || z.inEnd != 0 || z.phase != P_HEADER) return INFLATE_ERR_ARGUMENT;
  if (<f64>windowLength != (memberOut < <f64>HISTORY ? memberOut : <f64>HISTORY)) return INFLATE_ERR_ARGUMENT;
  z.base = <u64>inByte;
  z.skipBits = skipBits;
  z.pos = windowLength;
  z.totalOut = <u64>totalOut;
  z.lastCheckpoint = z.totalOut;
  z.memberOut = <u64>memberOut;
  z.crc = crc;
  z.afterMember = 1;
  z.phase = P_BLOCK;
  return 0;
}

function fail(z: InflateState, code: i32): i32 {
  z.phase = P_FAILED;
  z.error = code;
  z.errorOffset = z.base + <u64>z.inPos - <u64>(z.bits >> 3);
  return code;
}

/** Checksum and count the output made since the last account. */
function account(z: InflateState): void {
  const n = z.pos - z.crcPos;
  if (n == 0) return;
  z.crc = crc32Update(z.crc, z.win + z.crcPos, n);
  z.memberOut += <u64>n;
  z.totalOut += <u64>n;
  z.crcPos = z.pos;
}

/** Return the output pending in this call, else `code` (which then recurs on the next call). */
function stop(z: InflateState, code: i32): i32 {
  account(z);
  const n = z.pos - z.outStart;
  return n > 0 ? <i32>n : code;
}

function nextHeaderPart(z: InflateState): void {
  const f = z.hflags;
  z.phase = f & FEXTRA ? P_EXTRA_LEN : f & FNAME ? P_NAME : f & FCOMMENT ? P_COMMENT : f & FHCRC ? P_HCRC : P_BLOCK;
}

function headerBytes(z: InflateState, n: usize): void {
  z.hcrc = crc32Update(z.hcrc, z.inBuf + z.inPos, n);
  z.inPos += n;
}

/** Skip a zero-terminated header field; true when its end was found. */
function skipString(z: InflateState): bool {
  let i = z.inPos;
  while (i < z.inEnd && load<u8>(z.inBuf + i) != 0) i++;
  const found = i < z.inEnd;
  headerBytes(z, i - z.inPos + (found ? 1 : 0));
  return found;
}

function memberHeader(z: InflateState): i32 {
  const avail = z.inEnd - z.inPos;
  const p = z.inBuf + z.inPos;
  if (avail == 0) return INFLATE_NEED_INPUT;
  const b0 = load<u8>(p);
  if (z.afterMember && b0 == 0) {
    z.phase = P_ZEROS;
    return 0;
  }
  if (b0 != 0x1f) return z.afterMember ? INFLATE_ERR_TRAILING : INFLATE_ERR_MAGIC;
  if (avail < 2) return INFLATE_NEED_INPUT;
  if (load<u8>(p + 1) != 0x8b) return z.afterMember ? INFLATE_ERR_TRAILING : INFLATE_ERR_MAGIC;
  if (avail < 10) return INFLATE_NEED_INPUT;
  if (load<u8>(p + 2) != 8) return INFLATE_ERR_METHOD;
  const flags = <u32>load<u8>(p + 3);
  if ((flags & 0xe0) != 0) return INFLATE_ERR_FLAGS;
  z.hflags = flags;
  z.hcrc = 0;
  headerBytes(z, 10);
  z.crc = 0;
  z.memberOut = 0;
  z.afterMember = 0;
  nextHeaderPart(z);
  return 0;
}

/** One step of the byte-level phases; 0 to go on, else a result for the host. */
function bytePhase(z: InflateState, phase: u32): i32 {
  const avail = z.inEnd - z.inPos;
  if (phase == P_HEADER) return memberHeader(z);
  if (phase == P_EXTRA_LEN) {
    if (avail < 2) return INFLATE_NEED_INPUT;
    z.extraLeft = <u32>load<u16>(z.inBuf + z.inPos);
    headerBytes(z, 2);
    z.phase = P_EXTRA;
  } else if (phase == P_EXTRA) {
    const n = avail < <usize>z.extraLeft ? avail : <usize>z.extraLeft;
    headerBytes(z, n);
    z.extraLeft -= <u32>n;
    if (z.extraLeft != 0) return INFLATE_NEED_INPUT;
    z.hflags &= ~FEXTRA;
    nextHeaderPart(z);
  } else if (phase == P_NAME || phase == P_COMMENT) {
    if (!skipString(z)) return INFLATE_NEED_INPUT;
    z.hflags &= phase == P_NAME ? ~FNAME : ~FCOMMENT;
    nextHeaderPart(z);
  } else if (phase == P_HCRC) {
    if (avail < 2) return INFLATE_NEED_INPUT;
    if (<u32>load<u16>(z.inBuf + z.inPos) != (z.hcrc & 0xffff)) return INFLATE_ERR_HEADER_CRC;
    z.inPos += 2;
    z.hflags &= ~FHCRC;
    nextHeaderPart(z);
  } else if (phase == P_ZEROS) {
    while (z.inPos < z.inEnd && load<u8>(z.inBuf + z.inPos) == 0) z.inPos++;
    if (z.inPos == z.inEnd) return INFLATE_NEED_INPUT;
    return INFLATE_ERR_TRAILING;
  } else {
    return INFLATE_ERR_ARGUMENT;
  }
  return 0;
}

function trailer(z: InflateState): i32 {
  toBytes(z);
  if (z.inEnd - z.inPos < 8) return INFLATE_NEED_INPUT;
  const p = z.inBuf + z.inPos;
  if (load<u32>(p) != z.crc) return INFLATE_ERR_CRC;
  if (load<u32>(p + 4) != <u32>z.memberOut) return INFLATE_ERR_SIZE;
  z.inPos += 8;
  z.members++;
  z.afterMember = 1;
  z.phase = P_HEADER;
  return INFLATE_MEMBER_DONE;
}

function stored(z: InflateState, outLimit: usize): i32 {
  const room = outLimit - (z.win + z.pos);
  const avail = z.inEnd - z.inPos;
  let n = <usize>z.storedLeft;
  if (n > room) n = room;
  if (n > avail) n = avail;
  memory.copy(z.win + z.pos, z.inBuf + z.inPos, n);
  z.pos += n;
  z.inPos += n;
  z.storedLeft -= <u32>n;
  if (z.storedLeft == 0) {
    z.phase = z.lastBlock ? P_TRAILER : P_BLOCK;
    return 0;
  }
  return n == avail ? INFLATE_NEED_INPUT : 0;
}

export function inflateDecode(state: usize, inputLen: u32): i32 {
  const z = changetype<InflateState>(state);
  if (z.phase == P_FAILED) return z.error;
  if (<usize>inputLen > IN_CAP - z.inEnd) return fail(z, INFLATE_ERR_ARGUMENT);
  z.inEnd += <usize>inputLen;
  if (z.pos > WIN_SPAN) {
    memory.copy(z.win, z.win + z.pos - HISTORY, HISTORY);
    z.pos = HISTORY;
  }
  z.outStart = z.pos;
  z.crcPos = z.pos;
  const outLimit = z.win + z.pos + STEP;
  // Every pass moves input or output forward, or returns.
  for (;;) {
    const phase = z.phase;
    let r: i32;
    if (phase == P_CODES) {
      if (z.win + z.pos >= outLimit) return stop(z, 0);
      // History: the member's output so far (accounted, plus this call's), within the buffer.
      const made = z.memberOut + <u64>(z.pos - z.crcPos);
      const history = made < <u64>z.pos ? <usize>made : z.pos;
      r = codes(z, outLimit, history);
      if (r == INFLATE_NEED_INPUT) return stop(z, r);
    } else if (phase == P_BLOCK) {
      if (z.span != 0 && z.totalOut + <u64>(z.pos - z.crcPos) - z.lastCheckpoint >= z.span) {
        if (z.pos > z.outStart) return stop(z, 0);
        z.lastCheckpoint = z.totalOut;
        z.checkpointBit = ((z.base + <u64>z.inPos) << 3) - <u64>z.bits;
        return INFLATE_CHECKPOINT;
      }
      if (z.skipBits != 0) {
        if (z.inPos >= z.inEnd) return stop(z, INFLATE_NEED_INPUT);
        z.bitbuf = <u64>(load<u8>(z.inBuf + z.inPos) >> <u8>z.skipBits);
        z.bits = 8 - z.skipBits;
        z.inPos++;
        z.skipBits = 0;
      }
      r = blockHeader(z);
      if (r == INFLATE_NEED_INPUT) return stop(z, r);
    } else if (phase == P_STORED) {
      if (z.win + z.pos >= outLimit) return stop(z, 0);
      r = stored(z, outLimit);
      if (r == INFLATE_NEED_INPUT) return stop(z, r);
    } else if (phase == P_TRAILER) {
      if (z.pos > z.outStart) return stop(z, 0);
      account(z);
      r = trailer(z);
      if (r == INFLATE_NEED_INPUT || r == INFLATE_MEMBER_DONE) return r;
    } else if (phase == P_FAILED) {
      return z.error;
    } else {
      r = bytePhase(z, phase);
      if (r == INFLATE_NEED_INPUT) return stop(z, r);
    }
    if (r < 0) {
      account(z);
      return fail(z, r);
    }
  }
  return INFLATE_NEED_INPUT;
}
