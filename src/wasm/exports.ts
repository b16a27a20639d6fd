// The core's exports as TypeScript sees them (assembly/index.ts is the source of truth).

export interface CoreExports {
  memory: WebAssembly.Memory;
  abiVersion(): number;
  isDebug(): number;
  ioIn(): number;
  ioOut(): number;
  ioInSize(): number;
  ioOutSize(): number;

  digestIntern(len: number): number;
  digestValidate(len: number): number;
  digestWrite(id: number): number;
  digestTableSize(): number;
  digestReserve(extra: number): void;

  cacheNew(capacity: number, maxBytes: bigint, withTtl: number, logKeys: number): number;
  cacheFree(p: number): void;
  cacheLookupStr(p: number, len: number, mode: number, now: number): number;
  cacheLookupH(p: number, h: number, mode: number, now: number): number;
  cacheSetStr(p: number, len: number, size: number, expiresAt: number, now: number): number;
  cacheSetLast(p: number, size: number, expiresAt: number, now: number): number;
  cacheSetH(p: number, h: number, size: number, expiresAt: number, now: number): number;
  cacheDeleteStr(p: number, len: number, now: number): number;
  cacheDeleteH(p: number, h: number, now: number): number;
  cacheLookupManyStr(p: number, count: number, mode: number, now: number): number;
  cacheLookupManyH(p: number, count: number, mode: number, now: number): number;
  cacheSetManyStr(p: number, count: number, expiresAt: number, now: number): number;
  cacheSetManyH(p: number, count: number, expiresAt: number, now: number): number;
  cacheEvictOldest(p: number, now: number): number;
  cachePurgeStale(p: number, now: number): number;
  cacheClear(p: number, now: number): void;
  cacheHead(p: number): number;
  cacheTail(p: number): number;
  cacheNext(p: number, s: number): number;
  cacheIsExpired(p: number, s: number, now: number): number;
  cacheSizeOf(p: number, s: number): number;
  cacheExpiresOf(p: number, s: number): number;
  cacheFormatKey(p: number, s: number): number;
  cacheFormatEventKey(p: number, e: number): number;
  cacheEvents(p: number): number;
  cacheEventCount(p: number): number;
  cacheEventsDrained(p: number): void;
  cacheCount(p: number): number;
  cacheBytes(p: number): number;
  cacheStats(p: number): void;
  cacheResetStats(p: number): void;
  cacheCheck(p: number): number;

  poolNew(initialRecords: number, maxRecords: number): number;
  poolFree(p: number): void;
  poolAcquire(p: number, media: number): number;
  poolRelease(p: number, h: number): number;
  poolReleaseAll(p: number): number;
  poolAcquireMany(p: number, media: number, count: number): number;
  poolReleaseMany(p: number, count: number): number;
  poolCheckHandle(p: number, h: number): number;
  poolTemplateInit(p: number, media: number, flags: number): number;
  poolTemplateFrom(p: number, media: number, h: number): number;
  poolTemplateClear(p: number, media: number): number;
  poolBlockBase(p: number, b: number): number;
  poolBlockCount(p: number): number;
  poolCapacity(p: number): number;
  poolInUse(p: number): number;
  poolStats(p: number): void;
  poolCheck(p: number): number;

  graphScratch(bytes: number): number;
  graphScratchRelease(): void;
  graphNew(nodes: number): number;
  graphFree(g: number): void;
  graphLoad(g: number, edgeCount: number): number;
  graphFindCycle(g: number): number;
  graphTopoOrder(g: number): number;
  graphResult(g: number): number;
  graphNodeCount(g: number): number;
  graphEdgeCount(g: number): number;
  graphRootsReaching(g: number, node: number): number;
  graphInternMany(count: number, bytes: number): number;
  graphCheck(g: number): number;
}

/** Negative return codes (assembly/layout.ts). */
export const ERR_DIGEST_EMPTY = -1;
export const ERR_DIGEST_ALGORITHM = -2;
export const ERR_DIGEST_LENGTH = -3;
export const ERR_DIGEST_HEX = -4;
export const ERR_DIGEST_FORMAT = -5;
export const NOT_FOUND = -10;
export const ERR_TOO_LARGE = -11;
export const ERR_BAD_HANDLE = -12;
export const ERR_CAPACITY = -13;
export const ERR_BAD_ARGUMENT = -14;
