// as-pect specs for the pool's batches (poolAcquireBatch / poolReleaseBatch) and for its
// growth by slabs: word addresses, the batch mark, refusals, and every block still usable.
import {
  NIL,
  ERR_CAPACITY,
  ERR_BAD_ARGUMENT,
  ERR_BAD_HANDLE,
  ERR_POOL_RELEASED,
  ERR_POOL_BATCHED,
  BLOCK_RECORDS,
  BLOCK_SHIFT,
  RECORD_BYTES,
  GENS_OFF,
  OFF_MEDIA,
  OFF_FLAGS,
  OFF_POSITION,
  POOL_VIEW_MAX,
  POOL_VIEW_WORDS_OFF,
} from "../abi";
import { IO_IN, IO_OUT } from "../layout";
import {
  poolNew,
  poolFree,
  poolAcquire,
  poolRelease,
  poolReleaseMany,
  poolReleaseAll,
  poolCheck,
  poolInUse,
  poolCapacity,
  poolBlockBase,
  poolBlockCount,
  poolTemplateInit,
  poolAcquireBatch,
  poolReleaseBatch,
} from "../pool";

function addr(p: usize, h: i32): usize {
  const s = (h as u32) & 0xffffff;
  return poolBlockBase(p, s >> BLOCK_SHIFT) + ((s & (BLOCK_RECORDS - 1)) as usize) * (RECORD_BYTES as usize);
}

function handleOut(i: u32): i32 {
  return load<i32>(IO_OUT + ((i as usize) << 2));
}
function wordOut(i: u32): u32 {
  return load<u32>(IO_OUT + POOL_VIEW_WORDS_OFF + ((i as usize) << 2));
}

describe("pool batches", () => {
  test("hand out live records from the template, each with its word address", () => {
    const p = poolNew(0, 8192);
    expect(poolTemplateInit(p, 3, 0x55)).toBe(0);
    expect(poolAcquireBatch(p, 3, 1500)).toBe(1500);
    expect(poolInUse(p)).toBe(1500);
    // Counted, not one expect each: thousands of expects are slow in as-pect.
    let wrong: u32 = 0;
    for (let i: u32 = 0; i < 1500; i++) {
      const h = handleOut(i);
      if (h < 0 || (wordOut(i) as usize) << 2 != addr(p, h)) wrong++;
      else if (load<u32>(addr(p, h) + OFF_MEDIA) != 3 || load<u32>(addr(p, h) + OFF_FLAGS) != 0x55) wrong++;
      else if (load<u32>(addr(p, h) + OFF_POSITION) != NIL) wrong++;
    }
    expect(wrong).toBe(0);
    expect(poolCheck(p)).toBe(0);
    // Back in one call.
    for (let i: u32 = 0; i < 1500; i++) store<i32>(IO_IN + ((i as usize) << 2), handleOut(i));
    expect(poolReleaseBatch(p, 1500)).toBe(0);
    expect(poolInUse(p)).toBe(0);
    expect(poolCheck(p)).toBe(0);
    poolFree(p);
  });

  test("a batch's record refuses a single release; a batch release refuses other handles", () => {
    const p = poolNew(16, 4096);
    expect(poolAcquireBatch(p, 0, 2)).toBe(2);
    const a = handleOut(0);
    const b = handleOut(1);
    expect(poolRelease(p, a)).toBe(ERR_POOL_BATCHED);
    store<i32>(IO_IN, b);
    expect(poolReleaseMany(p, 1)).toBe(1);
    expect(load<i32>(IO_OUT)).toBe(ERR_POOL_BATCHED);
    const single = poolAcquire(p, 0);
    // a: released; single: not a batch's (refused, kept); -1: not a handle; a again: double release
    store<i32>(IO_IN, a);
    store<i32>(IO_IN + 4, single);
    store<i32>(IO_IN + 8, -1);
    store<i32>(IO_IN + 12, a);
    expect(poolReleaseBatch(p, 4)).toBe(3);
    expect(load<u32>(IO_OUT)).toBe(1); // the first refused one's index, then its code
    expect(load<i32>(IO_OUT, 4)).toBe(ERR_BAD_ARGUMENT);
    store<i32>(IO_IN, a);
    expect(poolReleaseBatch(p, 1)).toBe(1);
    expect(load<i32>(IO_OUT, 4)).toBe(ERR_POOL_RELEASED);
    store<i32>(IO_IN, -1);
    expect(poolReleaseBatch(p, 1)).toBe(1);
    expect(load<i32>(IO_OUT, 4)).toBe(ERR_BAD_HANDLE);
    expect(poolInUse(p)).toBe(2); // b and single
    expect(poolRelease(p, single)).toBe(0);
    expect(poolReleaseAll(p)).toBe(1); // b: releaseAll takes batch records too
    expect(poolCheck(p)).toBe(0);
    poolFree(p);
  });

  test("take all or nothing, within the batch limit", () => {
    const p = poolNew(0, 100);
    expect(poolAcquireBatch(p, 0, 101)).toBe(ERR_CAPACITY);
    expect(poolInUse(p)).toBe(0);
    expect(poolAcquireBatch(p, 0, POOL_VIEW_MAX + 1)).toBe(ERR_BAD_ARGUMENT);
    expect(poolAcquireBatch(p, 0, 100)).toBe(100);
    expect(poolAcquireBatch(p, 0, 1)).toBe(ERR_CAPACITY);
    expect(poolAcquire(p, 0)).toBe(ERR_CAPACITY);
    expect(poolCheck(p)).toBe(0);
    poolFree(p);
  });
});

describe("pool growth by slabs", () => {
  test("grows on demand in slabs whose blocks all hold records and generations", () => {
    const max: u32 = 40 * BLOCK_RECORDS;
    const p = poolNew(0, max);
    let refused: u32 = 0;
    for (let i: u32 = 0; i < max; i++) if (poolAcquire(p, 0) < 0) refused++;
    expect(refused).toBe(0);
    expect(poolAcquire(p, 0)).toBe(ERR_CAPACITY);
    expect(poolCapacity(p)).toBe(max);
    expect(poolBlockCount(p)).toBe(40);
    // Blocks of one slab sit back to back; none overlaps another.
    for (let b: u32 = 1; b < 40; b++) {
      const gap = (poolBlockBase(p, b) as i64) - (poolBlockBase(p, b - 1) as i64);
      expect(gap == (GENS_OFF as i64) + (BLOCK_RECORDS as i64) * 4 || gap >= 65536 || gap < 0).toBe(true);
    }
    expect(poolCheck(p)).toBe(0);
    poolFree(p);
  });

  test("reserves what is asked for up front in one region", () => {
    const p = poolNew(5 * BLOCK_RECORDS + 1, 6 * BLOCK_RECORDS);
    expect(poolBlockCount(p)).toBe(6);
    for (let b: u32 = 1; b < 6; b++) expect(poolBlockBase(p, b) - poolBlockBase(p, b - 1)).toBe(GENS_OFF + (BLOCK_RECORDS as usize) * 4);
    expect(poolCheck(p)).toBe(0);
    poolFree(p);
  });
});
