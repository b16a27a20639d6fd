// One gzip inflater's state and the regions it owns.
//
//   InflateState ─┬─ inBuf  IN_CAP + SLACK   input; [inPos, inEnd) not yet loaded into the bit buffer
//                 ├─ win    WIN_SPAN + STEP + SLACK   output: the last 32 KiB of history, then new output
//                 ├─ lens   320 code lengths of a dynamic block
//                 ├─ litlen / dist / codelen   the dynamic block's tables (assembly/inflate-huffman.ts)
//                 └─ scratch  table-build scratch
//
// Bit buffer: `bitbuf` holds `bits` valid bits, LSB first; the byte at inBuf + inPos begins at
// bit `bits`. Bits above `bits` are zero or a copy of the bytes at inPos, so refilling with one
// unaligned 8-byte load and an OR is exact. The 8 bytes before inPos stay in inBuf across
// compaction, so the decoder can give unread whole bytes back (rewind) when it moves from bit
// to byte parsing (stored blocks, trailers, member headers).
//
// Output: each call decodes at `pos` onwards; when `pos` passes WIN_SPAN, the last 32 KiB slide
// to the front (one 32 KiB copy per MiB of output).

export const IN_CAP: usize = 64 * 1024;
export const SLACK: usize = 64;
export const HISTORY: usize = 32768;
export const WIN_SPAN: usize = HISTORY + (1 << 20);
export const STEP: usize = 128 * 1024;
/** A match may start just below the step limit (258) and a wide copy overshoots (16). */
export const WIN_CAP: usize = WIN_SPAN + STEP + 512;

export const P_HEADER: u32 = 0;
export const P_EXTRA_LEN: u32 = 1;
export const P_EXTRA: u32 = 2;
export const P_NAME: u32 = 3;
export const P_COMMENT: u32 = 4;
export const P_HCRC: u32 = 5;
export const P_BLOCK: u32 = 6;
export const P_STORED: u32 = 7;
export const P_CODES: u32 = 8;
export const P_TRAILER: u32 = 9;
export const P_ZEROS: u32 = 10;
export const P_FAILED: u32 = 11;

export const FHCRC: u32 = 2;
export const FEXTRA: u32 = 4;
export const FNAME: u32 = 8;
export const FCOMMENT: u32 = 16;

@unmanaged
export class InflateState {
  phase: u32;
  error: i32;
  /** Stream offset of inBuf[0]. */
  base: u64;
  inBuf: usize;
  inPos: usize;
  inEnd: usize;
  bitbuf: u64;
  bits: u32;
  /** Bits to drop before the first block header (resuming at a checkpoint). */
  skipBits: u32;
  errorOffset: u64;

  // member
  members: u32;
  /** A member ended (or decoding resumed inside one): what follows may be padding, not garbage. */
  afterMember: u32;
  hflags: u32;
  extraLeft: u32;
  hcrc: u32;
  crc: u32;
  memberOut: u64;
  lastBlock: u32;
  storedLeft: u32;

  // output
  win: usize;
  pos: usize;
  outStart: usize;
  crcPos: usize;
  totalOut: u64;

  // checkpoints
  span: u64;
  lastCheckpoint: u64;
  checkpointBit: u64;

  // tables
  lit: usize;
  dist: usize;
  dynLit: usize;
  dynDist: usize;
  codeLen: usize;
  lens: usize;
  scratch: usize;
}
