// Shared constants and the tiny region allocator every module of the core uses.
//
// The core keeps no managed objects on its hot paths: each structure reserves plain
// regions of linear memory once (heap.alloc, TLSF from the "minimal" runtime) and links
// records by u32 index. NIL marks "no index" in every link field.
//
//   memory
//   ┌──────────────┬──────────────┬───────────────────────┬──────────────┐
//   │ static data  │ IO window    │ digest table regions  │ cache / pool │ ...
//   │ (hex table)  │ (IN + OUT)   │ keys|algs|hashes|tbl  │ regions      │
//   └──────────────┴──────────────┴───────────────────────┴──────────────┘
//
// The IO window is how bytes cross the boundary: the host writes digest strings (ASCII)
// into IN and reads results from OUT; its addresses are read once by the host.

export const NIL: u32 = 0xffffffff;

/** Bumped when an export changes meaning; the TypeScript side refuses a mismatched core. */
export const ABI_VERSION: u32 = 2;

export const IO_IN_SIZE: usize = 64 * 1024;
export const IO_OUT_SIZE: usize = 32 * 1024;

// Error codes returned as negative i32. Stable: the TypeScript side maps them to typed errors.
export const ERR_DIGEST_EMPTY: i32 = -1;
export const ERR_DIGEST_ALGORITHM: i32 = -2;
export const ERR_DIGEST_LENGTH: i32 = -3;
export const ERR_DIGEST_HEX: i32 = -4;
export const ERR_DIGEST_FORMAT: i32 = -5;
export const NOT_FOUND: i32 = -10;
export const ERR_TOO_LARGE: i32 = -11;
export const ERR_BAD_HANDLE: i32 = -12;
export const ERR_CAPACITY: i32 = -13;
export const ERR_BAD_ARGUMENT: i32 = -14;

/** Digest algorithms, as stored in the one-byte alg field (0 = unused slot). */
export const ALG_NONE: u8 = 0;
export const ALG_SHA256: u8 = 1;
export const ALG_SHA512: u8 = 2;

/** Reserve a zeroed region. Only construction and growth call this, never a hot path. */
export function reserve(bytes: usize): usize {
  const size: usize = bytes == 0 ? <usize>8 : bytes;
  const ptr = heap.alloc(size);
  memory.fill(ptr, 0, size);
  return ptr;
}

export function release(ptr: usize): void {
  if (ptr != 0) heap.free(ptr);
}

/** Smallest power of two >= n (n >= 1). */
export function nextPow2(n: u32): u32 {
  if (n <= 1) return 1;
  return (1 as u32) << (32 - clz<u32>(n - 1));
}

export const IO_IN: usize = reserve(IO_IN_SIZE);
export const IO_OUT: usize = reserve(IO_OUT_SIZE);
