// as-pect specs for the layer record pool: free list, growth, templates, refused handles.
import {
  NIL,
  ERR_CAPACITY,
  ERR_BAD_HANDLE,
  ERR_BAD_ARGUMENT,
  ERR_POOL_RELEASED,
  ERR_POOL_STALE,
  BLOCK_RECORDS,
  RECORD_BYTES,
  BLOCK_SHIFT,
  OFF_MEDIA,
  OFF_FLAGS,
  OFF_COMPRESSED,
  OFF_NEXT,
  OFF_POSITION,
} from "../abi";
import { IO_OUT } from "../layout";
import {
  poolNew,
  poolAcquire,
  poolRelease,
  poolReleaseAll,
  poolCheck,
  poolCheckHandle,
  poolCapacity,
  poolInUse,
  poolBlockBase,
  poolBlockCount,
  poolTemplateInit,
  poolTemplateFrom,
  poolTemplateClear,
  poolStats,
} from "../pool";

function addr(p: usize, h: i32): usize {
  const s = (h as u32) & 0xffffff;
  return poolBlockBase(p, s >> BLOCK_SHIFT) + ((s & (BLOCK_RECORDS - 1)) as usize) * (RECORD_BYTES as usize);
}

describe("pool core", () => {
  test("acquire and release reuse the most recently freed slot", () => {
    const p = poolNew(4, 4096);
    const a = poolAcquire(p, 0);
    const b = poolAcquire(p, 0);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(b & 0xffffff).toBe((a & 0xffffff) + 1);
    expect(poolRelease(p, a)).toBe(0);
    const c = poolAcquire(p, 0);
    expect(c & 0xffffff).toBe(a & 0xffffff); // same slot...
    expect(c).not.toBe(a); // ...new generation
    expect(poolInUse(p)).toBe(2);
    expect(poolCheck(p)).toBe(0);
  });

  test("double release and use after release are refused, not trapped", () => {
    const p = poolNew(0, 4096);
    const a = poolAcquire(p, 0);
    expect(poolRelease(p, a)).toBe(0);
    expect(poolRelease(p, a)).toBe(ERR_POOL_RELEASED);
    expect(poolCheckHandle(p, a)).toBe(ERR_POOL_RELEASED);
    const b = poolAcquire(p, 0); // reuses the slot
    expect(poolCheckHandle(p, a)).toBe(ERR_POOL_STALE);
    expect(poolRelease(p, a)).toBe(ERR_POOL_STALE);
    expect(poolCheckHandle(p, b)).toBe((b & 0xffffff) as i32);
    expect(poolRelease(p, -1)).toBe(ERR_BAD_HANDLE);
    expect(poolRelease(p, 0x00ffffff)).toBe(ERR_BAD_HANDLE);
    poolStats(p);
    expect(load<f64>(IO_OUT, 64)).toBe(4); // refused
    expect(poolCheck(p)).toBe(0);
  });

  test("grows by whole blocks and old records stay where they were", () => {
    const p = poolNew(0, BLOCK_RECORDS * 3);
    const first = poolAcquire(p, 1);
    const firstAddr = addr(p, first);
    store<u64>(firstAddr + OFF_COMPRESSED, 12345);
    for (let i: u32 = 1; i < BLOCK_RECORDS * 3; i++) expect(poolAcquire(p, 1)).toBeGreaterThanOrEqual(0);
    expect(poolBlockCount(p)).toBe(3);
    expect(poolCapacity(p)).toBe(BLOCK_RECORDS * 3);
    expect(poolAcquire(p, 1)).toBe(ERR_CAPACITY);
    expect(addr(p, first)).toBe(firstAddr);
    expect(load<u64>(firstAddr + OFF_COMPRESSED)).toBe(12345);
    poolStats(p);
    expect(load<f64>(IO_OUT, 56)).toBe(3); // growths
    expect(load<f64>(IO_OUT, 24)).toBe(BLOCK_RECORDS * 3); // high-water mark
    expect(poolCheck(p)).toBe(0);
  });

  test("templates overwrite every field of a reused slot", () => {
    const p = poolNew(8, 64);
    expect(poolTemplateInit(p, 3, 0xabc)).toBe(0);
    const a = poolAcquire(p, 3);
    expect(load<u32>(addr(p, a) + OFF_FLAGS)).toBe(0xabc);
    expect(load<u32>(addr(p, a) + OFF_POSITION)).toBe(NIL);
    store<u64>(addr(p, a) + OFF_COMPRESSED, 99);
    expect(poolTemplateFrom(p, 4, a)).toBe(0);
    poolRelease(p, a);
    const b = poolAcquire(p, 3); // same slot, template 3: the 99 is gone
    expect(load<u64>(addr(p, b) + OFF_COMPRESSED)).toBe(0);
    const c = poolAcquire(p, 4); // template copied from a record
    expect(load<u64>(addr(p, c) + OFF_COMPRESSED)).toBe(99);
    expect(load<u32>(addr(p, c) + OFF_MEDIA)).toBe(4);
    expect(poolTemplateClear(p, 3)).toBe(0);
    const d = poolAcquire(p, 3); // blank record, media still set
    expect(load<u32>(addr(p, d) + OFF_FLAGS)).toBe(0);
    expect(load<u32>(addr(p, d) + OFF_MEDIA)).toBe(3);
    expect(poolTemplateInit(p, 32, 0)).toBe(ERR_BAD_ARGUMENT);
    poolStats(p);
    expect(load<f64>(IO_OUT, 48)).toBe(3); // template hits: a, b, c (d had none)
    expect(poolCheck(p)).toBe(0);
  });

  test("releaseAll frees everything and old handles go stale", () => {
    const p = poolNew(16, 64);
    const hs = new StaticArray<i32>(10);
    for (let i = 0; i < 10; i++) hs[i] = poolAcquire(p, 0);
    expect(poolReleaseAll(p)).toBe(10);
    expect(poolInUse(p)).toBe(0);
    expect(poolRelease(p, hs[3])).toBe(ERR_POOL_RELEASED);
    expect(poolCheck(p)).toBe(0);
    expect(load<u32>(addr(p, poolAcquire(p, 0)) + OFF_NEXT)).toBe(NIL);
  });

  test("max is exact even when the last block has room", () => {
    const p = poolNew(0, 5);
    for (let i = 0; i < 5; i++) expect(poolAcquire(p, 0)).toBeGreaterThanOrEqual(0);
    expect(poolAcquire(p, 0)).toBe(ERR_CAPACITY);
    expect(poolCapacity(p)).toBe(BLOCK_RECORDS);
    expect(poolCheck(p)).toBe(0);
  });

  test("refuses impossible sizes", () => {
    expect(poolNew(0, 0)).toBe(0);
    expect(poolNew(10, 5)).toBe(0);
    expect(poolNew(0, (1 << 24) + 1)).toBe(0);
  });
});
