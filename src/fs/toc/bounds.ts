// The budgets a table of contents is held to, so that a layer's own index cannot make a read
// allocate, decode or fetch more than the file asked for needs:
// - The TOC itself: at most MAX_TOC_COMPRESSED_BYTES in the blob and MAX_TOC_BYTES once
//   decoded (the JSON plus its tar header), checked while it inflates, so a TOC that is a
//   zip bomb stops at the cap. 64 MiB of JSON holds about 300k entries at ~200 bytes each,
//   more than the largest layers we know of.
// - Entries: the same cap as a layer's tar entries (fs/limits.ts maxEntries).
// - A chunk: at most MAX_CHUNK_BYTES decoded (its inner offset included). A chunk's bytes are
//   held until its digest matches, so this is the memory a read may take; the reference
//   writer cuts chunks of 4 MiB. A file stored as one bigger chunk is read without the TOC.
// - The compressed bytes of one chunk's member: at most MAX_CHUNK_COMPRESSED_BYTES. They are
//   streamed, not held, but a member far larger than what it decodes to is not a chunk.

import { DEFAULT_LIMITS } from "../limits.js";

export const MAX_TOC_COMPRESSED_BYTES = 64 << 20;
export const MAX_TOC_BYTES = 64 << 20;
export const MAX_TOC_ENTRIES = DEFAULT_LIMITS.maxEntries;
export const MAX_CHUNK_BYTES = 64 << 20;
export const MAX_CHUNK_COMPRESSED_BYTES = 80 << 20;
