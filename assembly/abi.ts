// Every constant that crosses the wasm boundary, written once.
//
// The core's modules import these; the TypeScript side reads the generated mirror in
// src/wasm/abi.ts, which assembly/gen-abi.mjs writes from this file on every `npm run
// asbuild` (tests/unit/abi.test.ts fails when the two drift apart). So this file keeps
// to one shape the generator can read: `export const NAME: TYPE = EXPR;` with integer
// literals, names defined above and the operators + - * << >> | & ~ ( ). Comments
// directly above a constant travel with it into the mirror.

// ---- version and the IO window ----

/** Bumped when an export changes meaning; the TypeScript side refuses a mismatched core. */
export const ABI_VERSION: u32 = 11;

/** "No index" in every u32 link field and result. */
export const NIL: u32 = 0xffffffff;

/** Bytes the host may write at ioIn() (digest strings, batch keys, handles). */
export const IO_IN_SIZE: usize = 64 * 1024;
/** Bytes the core may write at ioOut() (results, formatted digests, stats). */
export const IO_OUT_SIZE: usize = 32 * 1024;

// ---- error codes: negative i32 returns; the TypeScript side maps each to a typed error ----

export const ERR_DIGEST_EMPTY: i32 = -1;
export const ERR_DIGEST_ALGORITHM: i32 = -2;
export const ERR_DIGEST_LENGTH: i32 = -3;
export const ERR_DIGEST_HEX: i32 = -4;
export const ERR_DIGEST_FORMAT: i32 = -5;
/** The key is absent (an answer, not a failure). */
export const NOT_FOUND: i32 = -10;
/** An entry larger than the cache's byte budget, or a request beyond a region. */
export const ERR_TOO_LARGE: i32 = -11;
/** A number that is not a digest handle (or node id) the core handed out. */
export const ERR_BAD_HANDLE: i32 = -12;
/** Every record the pool may hold is in use. */
export const ERR_CAPACITY: i32 = -13;
/** An argument outside its range (batch too large, record past the window, bad code). */
export const ERR_BAD_ARGUMENT: i32 = -14;
/** The pool record was released (double release, or use after release). */
export const ERR_POOL_RELEASED: i32 = -20;
/** The handle's slot was released and acquired again since: the handle is stale. */
export const ERR_POOL_STALE: i32 = -21;
/** The record belongs to a batch (poolAcquireBatch): only poolReleaseBatch gives it back. */
export const ERR_POOL_BATCHED: i32 = -22;
/** A cycle was found where an order was asked for (the cycle is in the result region). */
export const ERR_CYCLE: i32 = -30;
/** The graph has no edges loaded yet. */
export const ERR_NOT_LOADED: i32 = -31;

// ---- digests ----

/** Digest algorithms, as stored in the one-byte alg field (0 = unused slot). */
export const ALG_NONE: u8 = 0;
export const ALG_SHA256: u8 = 1;
export const ALG_SHA512: u8 = 2;

/** A digest handle is (generation & DIGEST_GEN_MASK) << DIGEST_GEN_SHIFT | slot index: a
 *  handle kept past the release of its digest is refused, not read as the digest that
 *  took the slot next (see assembly/digest.ts). */
export const DIGEST_GEN_SHIFT: u32 = 24;
export const DIGEST_GEN_MASK: u32 = 0x7f;
export const DIGEST_INDEX_MASK: u32 = (1 << 24) - 1;
/** Most digests the table holds at once. */
export const MAX_DIGESTS: u32 = 1 << 24;
/** Most handles one digestReleaseMany call takes (u32 each at IO_IN). */
export const DIGEST_BATCH_MAX: u32 = 16384;
/** The handle's digest was released (its last holder let go): a stale handle. */
export const ERR_DIGEST_RELEASED: i32 = -15;

// ---- cache (assembly/lru.ts) ----

/** Lookup modes: get marks the entry recent and counts a hit or miss. */
export const LOOKUP_GET: u32 = 0;
/** peek and has do neither (lru-cache's peek() and has()). */
export const LOOKUP_PEEK: u32 = 1;
export const LOOKUP_HAS: u32 = 2;

/** Why an entry left, as logged in an event record. */
export const REASON_EVICTED: u32 = 1;
export const REASON_DELETED: u32 = 2;
export const REASON_REPLACED: u32 = 3;
export const REASON_EXPIRED: u32 = 4;
export const REASON_CLEARED: u32 = 5;

/** A set() result is the slot in the low 28 bits and these flags above it. */
export const SET_REPLACED: i32 = 1 << 28;
export const SET_EVENTS: i32 = 1 << 29;
export const SLOT_MASK: i32 = (1 << 28) - 1;
/** A get-or-set result flag: the key was missing and is now stored, waiting for its value. */
export const GOT_STORED: i32 = 1 << 30;

/** One event record: slot, seq (batch index), reason, alg (u32 each), then 64 key bytes. */
export const EVENT_BYTES: usize = 80;
export const EVENT_SLOT: usize = 0;
export const EVENT_SEQ: usize = 4;
export const EVENT_REASON: usize = 8;
export const EVENT_ALG: usize = 12;
export const EVENT_KEY: usize = 16;

/** Most keys one cache batch call takes. */
export const CACHE_BATCH_MAX: u32 = 2048;
/** Where setMany reads its u32 sizes, as an offset into the IO_OUT window. */
export const CACHE_SIZES_OFF: usize = 16 * 1024;
/** Batch record tag: a digest handle (u32) follows instead of len ASCII bytes. */
export const RECORD_HANDLE: u8 = 0xff;
/** Packed string batches (cacheLookupManyPacked, cacheSetManyPacked): count u8 key lengths
 *  at IO_IN, then the keys' ASCII back to back from IO_IN + CACHE_PACKED_KEYS_OFF. */
export const CACHE_PACKED_KEYS_OFF: usize = 2048;
/** f64 counters cacheStats writes at IO_OUT: hits, misses, sets, deletes, evictions, expirations. */
export const CACHE_STATS: u32 = 6;

// ---- layer record pool (assembly/pool.ts) ----

/** A record's bytes, every field packed with no padding: digests are handles into the
 *  core's digest table, which holds each digest's bytes once. */
export const RECORD_BYTES: u32 = 52;
export const BLOCK_SHIFT: u32 = 10;
export const BLOCK_RECORDS: u32 = 1 << BLOCK_SHIFT;
/** Generation words follow a block's records, at this offset from its base. */
export const GENS_OFF: usize = BLOCK_RECORDS * RECORD_BYTES;
export const MAX_RECORDS: u32 = 1 << 24;
/** Media codes below this have a template slot. */
export const MEDIA_CODES: u32 = 32;
/** Most handles one pool batch call takes or gives. */
export const POOL_BATCH_MAX: u32 = 8192;
/** Most records one poolAcquireFilled call fills: its columns (POOL_FILL_*) fit IO_IN. */
export const POOL_FILL_MAX: u32 = 1024;
/** poolAcquireFilled's columns at IO_IN, each POOL_FILL_MAX entries long, at these offsets:
 *  f64 compressed and uncompressed sizes, then i32 position, u32 flags, i32 parent, i32
 *  image, u32 user (a negative link is "none"). */
export const FILL_COMPRESSED: usize = 0;
export const FILL_UNCOMPRESSED: usize = POOL_FILL_MAX * 8;
export const FILL_POSITION: usize = POOL_FILL_MAX * 16;
export const FILL_FLAGS: usize = POOL_FILL_MAX * 20;
export const FILL_PARENT: usize = POOL_FILL_MAX * 24;
export const FILL_IMAGE: usize = POOL_FILL_MAX * 28;
export const FILL_USER: usize = POOL_FILL_MAX * 32;
/** Most records one poolAcquireBatch call hands out: its handles and word addresses fill IO_OUT. */
export const POOL_VIEW_MAX: u32 = 4096;
/** Where poolAcquireBatch writes each record's word address (byte address / 4), u32 each,
 *  as an offset into IO_OUT; the handles come first, at offset 0. */
export const POOL_VIEW_WORDS_OFF: usize = POOL_VIEW_MAX * 4;
/** f64 counters poolStats writes at IO_OUT: inUse, free, capacity, highWater, acquires,
 *  releases, templateHits, growths, refused. */
export const POOL_STATS: u32 = 9;

/** A handle is (acquisitions & GEN_MASK) << GEN_SHIFT | slot index. */
export const HANDLE_INDEX_MASK: u32 = MAX_RECORDS - 1;
export const GEN_SHIFT: u32 = 24;
export const GEN_MASK: u32 = 0x7f;
/** Set in a slot's generation word exactly while the record is acquired. */
export const GEN_LIVE: u32 = 0x80000000;
/** Set beside GEN_LIVE while the record belongs to a batch (poolAcquireBatch): the host
 *  writes such records through the batch's word addresses without a check per field, so no
 *  other release may free one under it. */
export const GEN_BATCH: u32 = 0x40000000;
/** The acquisition count's bits of a generation word (below GEN_BATCH). */
export const GEN_COUNT_MASK: u32 = 0x3fffffff;

/** Record field offsets in bytes. */
export const OFF_COMPRESSED: usize = 0;
export const OFF_UNCOMPRESSED: usize = 8;
export const OFF_MEDIA: usize = 16;
export const OFF_POSITION: usize = 20;
export const OFF_FLAGS: usize = 24;
export const OFF_DIGEST_ID: usize = 28;
export const OFF_NEXT: usize = 32;
export const OFF_PARENT: usize = 36;
export const OFF_IMAGE: usize = 40;
export const OFF_USER: usize = 44;
export const OFF_DIFF_ID_ID: usize = 48;

// ---- graph (assembly/graph.ts) ----

export const MAX_NODES: u32 = 1 << 28;
/** Largest scratch region graphScratch hands out. */
export const MAX_SCRATCH: usize = 1 << 30;

// ---- zstd decoder (assembly/zstd.ts): zstdDecode results, stable across the ABI ----

/** zstdDecode: nothing more can be done until more input is written. (A result > 0 is that
 *  many output bytes ready at zstdOutput(state); one <= ZSTD_ERR_FIRST is an error, and the
 *  decoder answers the same code until freed.) */
export const ZSTD_NEED_INPUT: i32 = -58;
/** zstdDecode: a frame (zstd or skippable) ended and was verified. */
export const ZSTD_FRAME_DONE: i32 = -59;
/** Every error code is at or below this. */
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

// ---- sha256 (assembly/sha256.ts): the one context region, as the host saves and restores it ----

/** Bytes of the context at sha256Context(): h[8], length, buffered count, partial block. */
export const SHA256_CTX_BYTES: usize = 112;
/** u64 message length in bytes so far. */
export const SHA256_CTX_LENGTH: usize = 32;
/** u32 bytes waiting in the partial block (0..63). */
export const SHA256_CTX_BUFFERED: usize = 40;
/** The partial block, 64 bytes. */
export const SHA256_CTX_BLOCK: usize = 48;
export const SHA256_BLOCK_BYTES: usize = 64;
/** Digest bytes sha256Final writes at ioOut(). */
export const SHA256_DIGEST_BYTES: usize = 32;

// ---- inflate (assembly/inflate.ts): inflateDecode results and the checkpoint record ----

/** inflateDecode: nothing more can be done until more input is written. (A result > 0 is that
 *  many output bytes at inflateOutput(state); one <= INFLATE_ERR_FIRST is an error, and the
 *  decoder answers the same code until freed.) */
export const INFLATE_NEED_INPUT: i32 = -80;
/** inflateDecode: a gzip member ended and its CRC-32 and ISIZE matched. */
export const INFLATE_MEMBER_DONE: i32 = -81;
/** inflateDecode: a checkpoint is ready (inflateCheckpoint* and inflateWindow); call again. */
export const INFLATE_CHECKPOINT: i32 = -82;
/** Every error code is at or below this. */
export const INFLATE_ERR_FIRST: i32 = -90;
/** The stream does not start with the gzip magic bytes 1f 8b. */
export const INFLATE_ERR_MAGIC: i32 = -90;
/** A member's compression method is not 8 (deflate). */
export const INFLATE_ERR_METHOD: i32 = -91;
/** A member header sets reserved flag bits. */
export const INFLATE_ERR_FLAGS: i32 = -92;
/** The header's CRC16 (FHCRC) does not match. */
export const INFLATE_ERR_HEADER_CRC: i32 = -93;
/** A block of the reserved type 3. */
export const INFLATE_ERR_BLOCK_TYPE: i32 = -94;
/** A stored block whose LEN and NLEN are not complements. */
export const INFLATE_ERR_STORED_LENGTH: i32 = -95;
/** A dynamic block's code lengths are malformed (counts, repeats, over-subscribed or incomplete codes). */
export const INFLATE_ERR_CODE_LENGTHS: i32 = -96;
/** A code that is not in the block's Huffman table (or a length/distance symbol out of range). */
export const INFLATE_ERR_SYMBOL: i32 = -97;
/** A match distance reaching before the start of the member's output. */
export const INFLATE_ERR_DISTANCE: i32 = -98;
/** The member's CRC-32 does not match its output. */
export const INFLATE_ERR_CRC: i32 = -99;
/** The member's ISIZE differs from its output size modulo 2^32. */
export const INFLATE_ERR_SIZE: i32 = -100;
/** Bytes after a member that are neither another member nor zero padding. */
export const INFLATE_ERR_TRAILING: i32 = -101;
/** The host wrote more input than inflateInputRoom() allowed, or passed a bad argument. */
export const INFLATE_ERR_ARGUMENT: i32 = -102;
/** Most history bytes a checkpoint holds (the DEFLATE window). */
export const INFLATE_WINDOW_BYTES: u32 = 32768;
/** Most output bytes one inflateDecode call returns. */
export const INFLATE_STEP_BYTES: u32 = 128 * 1024 + 512;
