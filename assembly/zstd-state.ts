// One zstd decoder's state and the regions it owns.
//
//   ZstdState ─┬─ inBuf   IN_CAP + SLACK   input not yet consumed: [inStart, inEnd)
//              ├─ litBuf  BLOCK_MAX + SLACK decoded literals of the current block
//              ├─ huf     HUF_TABLE_BYTES   the last Huffman table (treeless literals reuse it)
//              ├─ ll/of/ml spaces           FSE tables built from descriptions or RLE bytes
//              ├─ scratch                   FSE/Huffman description scratch
//              ├─ xxh     XXH64 state       running Content_Checksum
//              └─ win     window + spare + BLOCK_MAX + SLACK (spare: the window again up to
//                         8 MiB, half of it above), reserved on the first frame that needs it
//                         and only ever grown (up to the decoder's window cap)
//
// The window buffer holds the frame's output: a block is decoded at `pos`, matches copy from
// before it. When the next block might not fit, the last `windowSize` bytes slide to the
// front, so sliding costs at most one copy per output byte (two above 8 MiB). The host reads
// a block's output at win + outStart before its next call; nothing moves until then.
//
// SLACK lets the sequence executor copy in 8-byte words that overshoot the exact end.

import { BLOCK_MAX } from "./zstd-sizes";

export const SLACK: usize = 64;
/** Twice the largest block with its header: a pending block always fits after compaction. */
export const IN_CAP: usize = 2 * (BLOCK_MAX + 8);

export const PHASE_FRAME: u32 = 0;
export const PHASE_BLOCK_HEADER: u32 = 1;
export const PHASE_BLOCK_BODY: u32 = 2;
export const PHASE_CHECKSUM: u32 = 3;
export const PHASE_SKIP: u32 = 4;
export const PHASE_FAILED: u32 = 5;

@unmanaged
export class ZstdState {
  phase: u32;
  error: i32;
  maxWindowLog: u32;
  frames: u32;
  /** Input bytes consumed before inStart, over the decoder's life. */
  consumed: u64;
  errorOffset: u64;
  inBuf: usize;
  inStart: usize;
  inEnd: usize;

  // Frame
  windowSize: u64;
  blockMax: u32;
  hasChecksum: u32;
  hasContentSize: u32;
  lastBlock: u32;
  contentSize: u64;
  decoded: u64;
  blockType: u32;
  blockSize: u32;
  skipLeft: u64;

  // Window / output
  win: usize;
  winCap: usize;
  pos: usize;
  outStart: usize;

  // Entropy carried between blocks of a frame
  litBuf: usize;
  huf: usize;
  hufLog: u32;
  hufValid: u32;
  seqValid: u32;
  llTable: usize;
  ofTable: usize;
  mlTable: usize;
  llLog: u32;
  ofLog: u32;
  mlLog: u32;
  llSpace: usize;
  ofSpace: usize;
  mlSpace: usize;
  scratch: usize;
  rep0: u32;
  rep1: u32;
  rep2: u32;
  xxh: usize;
}
