// The flat ABI of the layerlens core: only numbers cross it (i32/u32/usize/f64).
// Bytes cross through the IO window (ioIn/ioOut), whose addresses the host reads once.
// Each module below prefixes its exports with its name (cache*, digest*, pool*, graph*).
// The constants these calls speak in (codes, record layouts, flags) are in ./abi.

import { ABI_VERSION, IO_IN_SIZE, IO_OUT_SIZE, DIGEST_BATCH_MAX, ERR_BAD_ARGUMENT, ERR_TOO_LARGE } from "./abi";
import { IO_IN, IO_OUT, reservedTotal } from "./layout";
import {
  digestInternAt, digestFormat, digestCount, parseDigestAt, digestReserveRoom, digestRetain as retain,
  digestRelease as releaseOne, digestRefCount, digestCheck as checkDigests, digestInternPackedAt,
  digestSlot, digestKeyPtr,
} from "./digest";
import { graphScratch } from "./graph";

export function abiVersion(): u32 { return ABI_VERSION; }
export function ioIn(): usize { return IO_IN; }
export function ioOut(): usize { return IO_OUT; }
export function ioInSize(): usize { return IO_IN_SIZE; }
export function ioOutSize(): usize { return IO_OUT_SIZE; }

/** True in the debug build, where checkInvariants-style exports do real work. */
export function isDebug(): bool { return ASC_OPTIMIZE_LEVEL == 0; }

// Digest table (shared by cache, pool and graph).
export function digestIntern(len: i32): i32 { return digestInternAt(IO_IN, len); }
export function digestValidate(len: i32): i32 { return parseDigestAt(IO_IN, len); }
export function digestWrite(id: u32): i32 { return digestFormat(id, IO_OUT); }
export function digestTableSize(): u32 { return digestCount(); }
export function digestReserve(extra: u32): void { digestReserveRoom(extra); }
export function digestRetain(handle: u32): i32 { return retain(handle); }
export function digestRelease(handle: u32): i32 { return releaseOne(handle); }
export function digestRefs(handle: u32): i32 { return digestRefCount(handle); }
export function digestCheck(): i32 { return checkDigests(); }
/** Address of a live handle's first 32 digest bytes (valid until the table grows), 0 if refused. */
export function digestKeyAddress(handle: u32): usize { return digestSlot(handle) < 0 ? 0 : digestKeyPtr(handle); }

/** Release the `count` handles at IO_IN (u32 each); returns how many were refused. */
export function digestReleaseMany(count: u32): i32 {
  if (count > DIGEST_BATCH_MAX) return ERR_BAD_ARGUMENT;
  let refused: i32 = 0;
  for (let i: u32 = 0; i < count; i++) if (releaseOne(load<u32>(IO_IN + ((i as usize) << 2))) < 0) refused++;
  return refused;
}

/**
 * Intern `count` digests packed in the graph's scratch region (lengths u8 each, then the
 * ASCII of `bytes` bytes; see digestInternPackedAt); the i32 answers follow at the next
 * multiple of 4. Returns how many were refused, or ERR_TOO_LARGE when the scratch region
 * the host wrote into cannot hold the keys and the answers.
 */
export function digestInternPacked(count: u32, bytes: u32): i32 {
  const outOff = (((count as u64) + (bytes as u64) + 3) & ~3) as u64;
  const need = outOff + ((count as u64) << 2);
  const held = graphScratch(0);
  // A larger request would move the scratch region and lose what the host wrote.
  if (held == 0 || need > 0xffffffff || graphScratch(need as usize) != held) return ERR_TOO_LARGE;
  return digestInternPackedAt(held, count, bytes, held + (outOff as usize));
}

/** Bytes the core's structures hold now (f64: may pass 2^32 - 1 in sum of headers). */
export function coreReserved(): f64 { return reservedTotal(); }

export {
  cacheNew, cacheFree, cacheLookupStr, cacheLookupH, cacheSetStr, cacheSetLast, cacheSetH,
  cacheDeleteStr, cacheDeleteH, cacheLookupManyStr, cacheLookupManyH, cacheSetManyStr,
  cacheSetManyH, cacheEvictOldest, cachePurgeStale, cacheClear, cacheHead, cacheTail, cacheNext,
  cacheIsExpired, cacheSizeOf, cacheExpiresOf, cacheFormatKey, cacheFormatEventKey,
  cacheEvents, cacheEventCount, cacheEventsDrained, cacheCount, cacheBytes, cacheStats,
  cacheResetStats, cacheCheck, cacheLookupManyPacked, cacheSetManyPacked, cacheGetOrSetStr, cacheGetOrSetH,
  cacheGetOrSetManyPacked, cacheGetOrSetManyH,
} from "./lru";

export {
  poolNew, poolFree, poolAcquire, poolRelease, poolReleaseAll, poolCheckHandle,
  poolAcquireMany, poolReleaseMany, poolAcquireFilled, poolAcquireBatch, poolReleaseBatch,
  poolTemplateInit, poolTemplateFrom, poolTemplateClear, poolBlockBase, poolBlockCount,
  poolCapacity, poolInUse, poolStats, poolCheck,
} from "./pool";

export {
  graphScratch, graphScratchRelease, graphNew, graphFree, graphLoad, graphFindCycle,
  graphTopoOrder, graphResult, graphNodeCount, graphEdgeCount, graphRootsReaching,
  graphInternMany, graphCheck,
} from "./graph";

export {
  zstdNew, zstdFree, zstdInput, zstdInputRoom, zstdDecode, zstdOutput, zstdIdle,
  zstdErrorOffset, zstdFrames, zstdWindowBytes,
} from "./zstd";

export { sha256Context, sha256Init, sha256Update, sha256Final } from "./sha256";

export {
  inflateNew, inflateFree, inflateInput, inflateInputRoom, inflateDecode, inflateOutput, inflateIdle,
  inflateMembers, inflateErrorOffset, inflateTotalOut, inflateCheckpointBit, inflateMemberOut, inflateCrc,
  inflateWindow, inflateWindowLength, inflateWindowIn, inflateResume,
} from "./inflate";
