// Every memory region of the core, and the tiny region allocator each structure uses.
//
// The core keeps no managed objects on its hot paths: each structure reserves plain
// regions of linear memory once (heap.alloc, TLSF from the "minimal" runtime, for small
// regions; whole pages grown exactly for large ones, assembly/pages.ts) and links
// records by u32 index. Each region starts with a 16-byte header holding its size, so the
// core can say how many bytes its structures hold (coreReserved(), what a leak grows). NIL (0xFFFFFFFF, assembly/abi.ts) marks "no index" in every link
// field. Offsets, strides and codes the host reads are in assembly/abi.ts.
//
// Linear memory
//
//   ┌──────────────┬──────────────────────┬───────────────────────┬──────────────────┐
//   │ static data  │ IO window            │ digest table regions  │ cache / pool /   │
//   │ (KEY, LAST,  │ IN 64 KiB│OUT 32 KiB │ keys|tails|gens|...   │ graph regions    │
//   │  scratch)    │ host → core│core → host                       │ (one set each)   │
//   └──────────────┴──────────────────────┴───────────────────────┴──────────────────┘
//
// The IO window is how bytes cross the boundary: the host writes digest strings (ASCII),
// batch keys and handles into IN and reads results from OUT; it reads both addresses once.
//
//   IO_IN   ┌─[u8 len][len ASCII]─┬─[0xFF][u32 handle]─┬── … ──┐   cache batch records
//           └─────────────────────┴────────────────────┴───────┘   (or count × u32 handles)
//   IO_OUT  ┌─ count × i32 results ─┬── … ──┬─ CACHE_SIZES_OFF: count × u32 sizes ─┐
//           └───────────────────────┴───────┴──────────────────────────────────────┘
//
// Digest table (assembly/digest.ts; slots in segments of 16384 that never move once full,
// assembly/digest-slots.ts, so handles and key addresses stay valid; slots of released
// digests are reused first in, first out, so the table stops growing once churn is steady)
//
//   directory  per segment ┌ keys ┬ gens ┬ refs ┬ tails ┐ base addresses (u32 each)
//   segment  slot: 0        1        2              16383
//   keys   ┌────────┬────────┬────────┬ … ┬────────┐  32 bytes: the digest's first 32 bytes
//   gens   ├────┬────┬────┬ … ──────────────────────┤  8 bytes: u32 LIVE (bit 31) | alg (bits 28..29) |
//          │                                          releases (bits 0..27, the handle generation),
//          │                                          then u32 the cache hint: cache id (bits 24..31)
//          │                                          | its slot holding this key (NIL: none); the
//          │                                          hash is hashKey(keys[id]), recomputed
//   refs   └──┴──┴──┴ … ────────────────────────────┘  u32: holders while live, next free slot while free
//   tails  own region per segment, 32 bytes a slot: bytes 32..63 (sha512; on the segment's first)
//   table  one region, 2^k × u32 (2^k >= 2 × slots): hash & 0x7f (bits 25..31) | slot + 1
//          (bits 0..24), 0 = empty (live slots only)
//   handle ┌ releases & 0x7f (bits 24..30) ┬ slot (bits 0..23) ┐
//
// Cache (assembly/lru.ts; reserved once from the capacity, slot s < capacity)
//
//   one region ┌ table: 2^k × u32 (2^k > 1.5 × capacity), 0 = empty ┬ records: capacity × 40 bytes ┐
//   cell       ┌ low bits of the hash ┬ sha512? (bit cellBits) ┬ slot + 1 (cellBits = bits of the capacity) ┐
//   record s   ┌ prev u32 ┬ next u32 ┬ key (first 32 bytes) ┐
//              0          4          8                      40
//              prev: towards the most recent (head); next: towards the least recent
//              (tail), or the next free slot while free
//   hints   s × 4   the digest slot + 1 whose hint (cache id | slot, beside its generation
//                   word) names s, 0: none; cleared with the hint when s loses its key
//                   (assembly/lru.ts); reserved by the first handle that reaches a key
//   tails   s × 32  bytes 32..63 of sha512 keys (reserved on the first one)
//   sizes   s × 4   entry size (only with maxBytes)
//   expires s × 8   f64 ms (only with TTL)
//
//   events  ┌ slot u32 │ seq u32 │ reason u32 │ alg u32 │ key 64 bytes ┐  × eventCap
//           └ 0        │ 4       │ 8          │ 12      │ 16        80 ┘  (EVENT_BYTES)
//
// Layer record pool (assembly/pool.ts; blocks never move, so a record's address is stable)
//
//   blocks  maxBlocks × u32 base addresses
//   block b ┌───────────────────────────────────────────┬──────────────────────────┐  56 KiB; a
//           │ BLOCK_RECORDS × RECORD_BYTES records       │ BLOCK_RECORDS × u32      │  slab of 8m+1
//           │ (index b·BLOCK_RECORDS + i at base + i·52) │ generations (at GENS_OFF)│  blocks fills
//           └───────────────────────────────────────────┴──────────────────────────┘  7m+1 pages
//   slabs   the regions blocks are carved from (one block each while the pool is small)
//   record  ┌ compressed u64 ┬ uncompressed u64 ┬ media u32 ┬ position ┬ flags ┬ digestId ┐
//           │ 0              │ 8                │ 16        │ 20       │ 24    │ 28       │
//           ├ next ┬ parent ┬ image ┬ user ┬ diffIdId ┐  no padding; the digests' bytes are in
//           │ 32   │ 36     │ 40    │ 44   │ 48       │ 52  the digest table, once each
//           └──────┴────────┴───────┴──────┴──────────┘
//   generation word  ┌ LIVE (bit 31) ┬ acquisitions (bits 0..30) ┐
//   handle           ┌ acquisitions & 0x7f (bits 24..30) ┬ slot index (bits 0..23) ┐
//   templates        MEDIA_CODES × RECORD_BYTES, then one blank record
//
// Graph (assembly/graph.ts; n nodes, m edges, reserved by graphNew / graphLoad)
//
//   offsets  ┌ (n+1) × u32 ┐  node u's successors: targets[offsets[u] .. offsets[u+1])
//   targets  ├ m × u32     ┤
//   stack    ├ n × 12      ┤  DFS frames (node, next edge, end), root first
//   colour   ├ n × 2 bits  ┤  WHITE / GREY / BLACK
//   cursor   ├ n × u32     ┤  working space (CSR fill, order positions)
//   result   ├ n × u32     ┤  the cycle (first k) or the topological order
//   roffsets/rsources       the reversed CSR, built on the first "who reaches" question
//   mark     └ n × u32     ┘  visit stamps for reachability walks (epoch, so no clearing)
//   scratch  one host-writable region shared by every graph: (from, to) u32 edge pairs,
//            or [u8 len][ASCII] digest records followed by their i32 ids

import { IO_IN_SIZE, IO_OUT_SIZE } from "./abi";
import { takePages, givePages, pagesFor } from "./pages";

/** Bytes in front of each region: its size, so release() can count what went back. The
 *  allocator hands out 16-byte aligned blocks; a 16-byte header keeps regions aligned. */
const REGION_HEADER: usize = 16;
/** Bytes in the regions the core holds now (headers included); see coreReserved(). */
let reservedBytes: u64 = 0;

/** Regions of this many bytes or more take whole pages (assembly/pages.ts), so the memory
 *  grows by what they need instead of doubling; at this size the rounding up to a page
 *  wastes under a third. The header's second word holds the pages (0: a TLSF block). */
const PAGED_FROM: usize = 2 * 65536;

/** Reserve a zeroed region. Only construction and growth call this, never a hot path.
 *  `paged`: whole pages even below PAGED_FROM, for a structure that adds many regions of
 *  one size (pool blocks), which TLSF would serve by doubling the memory. */
export function reserve(bytes: usize, paged: bool = false): usize {
  const size: usize = (bytes == 0 ? <usize>8 : bytes) + REGION_HEADER;
  let raw: usize;
  let pages: usize = 0;
  if (size >= PAGED_FROM || paged) {
    pages = pagesFor(size);
    raw = takePages(pages);
    if (raw == 0) unreachable(); // out of memory: callers check the headroom first
  } else raw = heap.alloc(size);
  memory.fill(raw, 0, size);
  store<usize>(raw, size);
  store<usize>(raw, pages, sizeof<usize>());
  reservedBytes += size as u64;
  return raw + REGION_HEADER;
}

/** Zeroed whole pages with no header in front, for a region that is itself a whole number
 *  of pages and is kept for the core's life (the digest table's full segments): a header
 *  would cost each such region one more page. Counted in coreReserved(); never release()d. */
export function reservePages(pages: usize): usize {
  const raw = takePages(pages);
  if (raw == 0) unreachable(); // out of memory, as in reserve()
  memory.fill(raw, 0, pages << 16);
  reservedBytes += (pages << 16) as u64;
  return raw;
}

export function release(ptr: usize): void {
  if (ptr == 0) return;
  const raw = ptr - REGION_HEADER;
  reservedBytes -= load<usize>(raw) as u64;
  const pages = load<usize>(raw, sizeof<usize>());
  if (pages != 0) givePages(raw, pages);
  else heap.free(raw);
}

/** Bytes the core's structures hold now: what a leak grows and a free() gives back. */
export function reservedTotal(): f64 { return reservedBytes as f64; }

/** Smallest power of two >= n (n >= 1). */
export function nextPow2(n: u32): u32 {
  if (n <= 1) return 1;
  return (1 as u32) << (32 - clz<u32>(n - 1));
}

export const IO_IN: usize = reserve(IO_IN_SIZE);
export const IO_OUT: usize = reserve(IO_OUT_SIZE);
