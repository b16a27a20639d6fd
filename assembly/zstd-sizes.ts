// Format limits of zstd (RFC 8878), shared by the decoder's files.

/** Block_Maximum_Size is at most 128 KiB. */
export const BLOCK_MAX: usize = 128 * 1024;
/** Window_Size never below 1 KiB (Window_Descriptor's smallest exponent). */
export const WINDOW_MIN: u64 = 1024;
/** Largest Window_Log the format can describe that a decoder may accept at all. */
export const WINDOW_LOG_ABSOLUTE_MAX: u32 = 31;
/** Window_Log refused above this unless the host raises it (as zstd's --memory). */
export const WINDOW_LOG_DEFAULT_MAX: u32 = 27;

export const MAX_LL: u32 = 35;
export const MAX_ML: u32 = 52;
export const MAX_OF: u32 = 31;
export const LL_MAX_LOG: u32 = 9;
export const ML_MAX_LOG: u32 = 9;
export const OF_MAX_LOG: u32 = 8;
