// Result codes of the zstd decoder (zstdDecode and friends). They cross the ABI, so they
// are stable; src/zstd.ts mirrors them and maps each error to a typed CompressionError.
//
// A zstdDecode() result is one of:
//   > 0               that many bytes of output are ready at zstdOutput(state)
//   ZSTD_NEED_INPUT   nothing more can be done until more input is written
//   ZSTD_FRAME_DONE   a frame (zstd or skippable) ended and was verified
//   <= ZSTD_ERR_FIRST an error; the decoder keeps answering the same code until freed

export const ZSTD_NEED_INPUT: i32 = -58;
export const ZSTD_FRAME_DONE: i32 = -59;

export const ZSTD_ERR_FIRST: i32 = -60;
/** The bytes at a frame boundary are neither a zstd nor a skippable frame magic number. */
export const ZSTD_ERR_MAGIC: i32 = -60;
/** Frame_Header_Descriptor has its reserved bit set. */
export const ZSTD_ERR_FRAME_HEADER: i32 = -61;
/** The frame's window is larger than this decoder was allowed to reserve. */
export const ZSTD_ERR_WINDOW_TOO_LARGE: i32 = -62;
/** The frame names a dictionary; dictionaries are not supported. */
export const ZSTD_ERR_DICTIONARY: i32 = -63;
/** A block of the reserved type 3. */
export const ZSTD_ERR_BLOCK_TYPE: i32 = -64;
/** A block (compressed or regenerated) larger than Block_Maximum_Size. */
export const ZSTD_ERR_BLOCK_SIZE: i32 = -65;
/** A literals section whose header or sizes are inconsistent. */
export const ZSTD_ERR_LITERALS: i32 = -66;
/** A Huffman tree description or Huffman-coded stream that does not decode exactly. */
export const ZSTD_ERR_HUFFMAN: i32 = -67;
/** An FSE table description that is malformed or too large. */
export const ZSTD_ERR_FSE: i32 = -68;
/** A sequences section whose header or bitstream is malformed. */
export const ZSTD_ERR_SEQUENCES: i32 = -69;
/** A match offset of zero or reaching before the start of the frame's output. */
export const ZSTD_ERR_OFFSET: i32 = -70;
/** Sequences that consume more literals than decoded, or produce more than one block. */
export const ZSTD_ERR_OVERRUN: i32 = -71;
/** The frame decoded to another size than its Frame_Content_Size. */
export const ZSTD_ERR_CONTENT_SIZE: i32 = -72;
/** The frame's Content_Checksum does not match the decoded bytes. */
export const ZSTD_ERR_CHECKSUM: i32 = -73;
/** Linear memory for the window could not be reserved. */
export const ZSTD_ERR_CAPACITY: i32 = -74;
/** The host wrote more input than zstdInputRoom() allowed, or passed a bad state. */
export const ZSTD_ERR_ARGUMENT: i32 = -75;
