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
export const ABI_VERSION: u32 = 4;

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
/** f64 counters cacheStats writes at IO_OUT: hits, misses, sets, deletes, evictions, expirations. */
export const CACHE_STATS: u32 = 6;

// ---- layer record pool (assembly/pool.ts) ----

export const RECORD_BYTES: u32 = 128;
export const BLOCK_SHIFT: u32 = 10;
export const BLOCK_RECORDS: u32 = 1 << BLOCK_SHIFT;
/** Generation words follow a block's records, at this offset from its base. */
export const GENS_OFF: usize = BLOCK_RECORDS * RECORD_BYTES;
export const MAX_RECORDS: u32 = 1 << 24;
/** Media codes below this have a template slot. */
export const MEDIA_CODES: u32 = 32;
/** Most handles one pool batch call takes or gives. */
export const POOL_BATCH_MAX: u32 = 8192;
/** f64 counters poolStats writes at IO_OUT: inUse, free, capacity, highWater, acquires,
 *  releases, templateHits, growths, refused. */
export const POOL_STATS: u32 = 9;

/** A handle is (acquisitions & GEN_MASK) << GEN_SHIFT | slot index. */
export const HANDLE_INDEX_MASK: u32 = MAX_RECORDS - 1;
export const GEN_SHIFT: u32 = 24;
export const GEN_MASK: u32 = 0x7f;
/** Set in a slot's generation word exactly while the record is acquired. */
export const GEN_LIVE: u32 = 0x80000000;

/** Record field offsets in bytes. */
export const OFF_DIGEST: usize = 0;
export const OFF_DIFF_ID: usize = 32;
export const OFF_COMPRESSED: usize = 64;
export const OFF_UNCOMPRESSED: usize = 72;
export const OFF_MEDIA: usize = 80;
export const OFF_POSITION: usize = 84;
export const OFF_FLAGS: usize = 88;
export const OFF_DIGEST_ID: usize = 92;
export const OFF_NEXT: usize = 96;
export const OFF_PARENT: usize = 100;
export const OFF_IMAGE: usize = 104;
export const OFF_USER: usize = 108;
export const OFF_DIFF_ID_ID: usize = 112;

// ---- graph (assembly/graph.ts) ----

export const MAX_NODES: u32 = 1 << 28;
/** Largest scratch region graphScratch hands out. */
export const MAX_SCRATCH: usize = 1 << 30;
