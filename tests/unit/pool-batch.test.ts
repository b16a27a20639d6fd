// LayerBatch: records handed out in one crossing and filled in place by batch index;
// what it refuses (stale indices, double release, a single release of a batch's record,
// capacity) and what releaseAll() and free() do to it; on both builds of the core.
import { describe, expect, it } from "vitest";
import { LayerPool, LayerBatch, StaleHandleError, CapacityError, CoreError, FreedError, LAYER_ZSTD } from "../../src/node.js";
import { debug, release, digestOf } from "../helpers/core.js";

const OCI_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";

describe.each([
  ["debug", debug],
  ["release", release],
] as const)("LayerBatch on the %s core", (_, core) => {
  it("fills records in place, as the pool's own accessors then read them", () => {
    const pool = new LayerPool({ core, initial: 0, max: 10_000 });
    const n = 5_000; // more than one core call (4096) and several blocks grown on the way
    const b = pool.acquireBatch(new LayerBatch(n), n, OCI_ZSTD);
    expect(b.length).toBe(n);
    expect(pool.size).toBe(n);
    for (let i = 0; i < n; i++) {
      if (i % 2) b.setFields(i, i * 1000 + 2 ** 40, i * 3, i % 7 === 0 ? -1 : i, 0x80000000 + i, i - 1, 7, 0xffffffff - i);
      else {
        b.setCompressedSize(i, i * 1000 + 2 ** 40);
        b.setUncompressedSize(i, i * 3);
        b.setPosition(i, i % 7 === 0 ? -1 : i);
        b.setFlags(i, 0x80000000 + i);
        b.setParent(i, i - 1);
        b.setImage(i, 7);
        b.setUser(i, 0xffffffff - i);
      }
    }
    const handles = b.handlesInto(new Int32Array(n));
    expect(new Set(handles).size).toBe(n);
    for (const i of [0, 1, 7, 1023, 1024, 4095, 4096, n - 1]) {
      const h = b.handle(i);
      expect(h).toBe(handles[i]);
      expect([pool.compressedSize(h), pool.uncompressedSize(h), pool.position(h), pool.flags(h), pool.parent(h), pool.image(h)]).toEqual([
        i * 1000 + 2 ** 40,
        i * 3,
        i % 7 === 0 ? -1 : i,
        0x80000000 + i,
        i - 1,
        7,
      ]);
      expect([b.compressedSize(i), b.uncompressedSize(i), b.position(i), b.flags(i), b.parent(i), b.image(i), b.user(i)]).toEqual([
        i * 1000 + 2 ** 40,
        i * 3,
        i % 7 === 0 ? -1 : i,
        0x80000000 + i,
        i - 1,
        7,
        0xffffffff - i,
      ]);
      // The template's fields: media code and flags from the media type, no digests, no link.
      expect([pool.mediaType(h), b.next(i), b.digestHandle(i), b.diffIdHandle(i), b.digest(i)]).toEqual([OCI_ZSTD, -1, -1, -1, undefined]);
    }
    b.setNext(3, 9);
    expect(pool.next(b.handle(3))).toBe(9);
    pool.checkInvariants();
    pool.releaseBatch(b);
    expect(pool.size).toBe(0);
    expect(b.length).toBe(0);
    // Every handle the batch gave out is released now.
    expect(() => pool.flags(handles[0])).toThrow(expect.objectContaining({ code: "STALE_HANDLE", reason: "released" }));
    pool.checkInvariants();
    pool.free();
  });

  it("starts each record from its template, never from an old record's fields", () => {
    const pool = new LayerPool({ core, initial: 8 });
    const b = new LayerBatch(8);
    pool.acquireBatch(b, 8, OCI_ZSTD);
    for (let i = 0; i < 8; i++) b.setFields(i, 99, 99, 5, 0xff, 5, 5, 5);
    pool.releaseBatch(b);
    pool.acquireBatch(b, 8, 0);
    for (let i = 0; i < 8; i++) {
      expect([b.compressedSize(i), b.uncompressedSize(i), b.position(i), b.flags(i), b.parent(i), b.image(i), b.user(i)]).toEqual([
        0, 0, -1, 0, -1, -1, 0,
      ]);
      expect(b.mediaCode(i)).toBe(0);
    }
    pool.releaseBatch(b);
    pool.acquireBatch(b, 3, OCI_ZSTD);
    expect(b.flags(0)).toBe(LAYER_ZSTD);
    pool.releaseBatch(b);
    pool.free();
  });

  it("keeps digests through the pool: interned, counted, given back on release", () => {
    const pool = new LayerPool({ core, initial: 4 });
    const b = pool.acquireBatch(new LayerBatch(2), 2);
    b.setDigest(0, digestOf(41));
    b.setDiffId(1, digestOf(42));
    expect(b.digest(0)).toBe(digestOf(41));
    expect(b.diffId(1)).toBe(digestOf(42));
    expect(b.digestHandle(0)).toBe(pool.digestHandle(b.handle(0)));
    const before = core.exports.digestTableSize();
    pool.releaseBatch(b);
    expect(core.exports.digestTableSize()).toBe(before - 2);
    pool.free();
  });

  it("refuses indices it does not hold, double release and a single release of its records", () => {
    const pool = new LayerPool({ core, initial: 16 });
    const b = new LayerBatch(4);
    // Not acquired yet: every index is stale.
    expect(() => b.flags(0)).toThrow(StaleHandleError);
    expect(() => pool.releaseBatch(b)).toThrow(expect.objectContaining({ code: "STALE_HANDLE", reason: "released" }));
    pool.acquireBatch(b, 3);
    for (const i of [3, 4, -1, 1.5, NaN]) {
      expect(() => b.setFlags(i, 1)).toThrow(expect.objectContaining({ code: "BAD_ARGUMENT" }));
      expect(() => b.flags(i)).toThrow(CoreError);
    }
    expect(() => b.setCompressedSize(0, -1)).toThrow(RangeError);
    expect(() => b.setFields(0, 1, 2 ** 53, 0, 0, 0, 0, 0)).toThrow(RangeError);
    expect(() => b.setUncompressedSize(0, 1.5)).toThrow(RangeError);
    // A batch's record goes back with its batch only.
    const h = b.handle(1);
    expect(() => pool.release(h)).toThrow(expect.objectContaining({ code: "STALE_HANDLE", reason: "batched" }));
    expect(() => pool.releaseMany(Int32Array.of(h))).toThrow(expect.objectContaining({ reason: "batched" }));
    expect(pool.isLive(h)).toBe(true);
    expect(pool.size).toBe(3);
    // A batch that holds records is not acquired into again.
    expect(() => pool.acquireBatch(b, 1)).toThrow(expect.objectContaining({ code: "BAD_ARGUMENT" }));
    pool.releaseBatch(b);
    expect(() => pool.releaseBatch(b)).toThrow(expect.objectContaining({ code: "STALE_HANDLE", reason: "released" }));
    expect(() => b.flags(0)).toThrow(expect.objectContaining({ reason: "released" }));
    // The core refuses a batch release of a handle that is not a batch's, and names it.
    const single = pool.acquire();
    expect(pool.isLive(single)).toBe(true);
    expect(pool.size).toBe(1);
    pool.release(single);
    pool.checkInvariants();
    expect(() => new LayerBatch(0)).toThrow(RangeError);
    pool.free();
  });

  it("refuses a batch larger than itself or than the pool's room, taking nothing", () => {
    const pool = new LayerPool({ core, initial: 0, max: 100 });
    const b = new LayerBatch(200);
    expect(() => pool.acquireBatch(b, 201)).toThrow(CapacityError);
    expect(() => pool.acquireBatch(b, 101)).toThrow(CapacityError);
    expect(pool.size).toBe(0);
    const a = pool.acquire();
    expect(() => pool.acquireBatch(b, 100)).toThrow(CapacityError);
    expect(pool.size).toBe(1);
    pool.acquireBatch(b, 99);
    expect(pool.size).toBe(100);
    expect(() => pool.acquire()).toThrow(CapacityError);
    pool.releaseBatch(b);
    pool.release(a);
    pool.checkInvariants();
    pool.free();
  });

  it("is emptied by releaseAll() and refuses everything once its pool is freed", () => {
    const pool = new LayerPool({ core, initial: 16 });
    const b1 = pool.acquireBatch(new LayerBatch(4));
    const b2 = pool.acquireBatch(new LayerBatch(4));
    const b3 = pool.acquireBatch(new LayerBatch(4));
    pool.releaseBatch(b2); // the list of live batches is kept by swapping: b1 and b3 stay known
    const h = b1.handle(0);
    expect(pool.releaseAll()).toBe(8);
    for (const b of [b1, b3]) {
      expect(b.length).toBe(0);
      expect(() => b.setFlags(0, 1)).toThrow(expect.objectContaining({ reason: "released" }));
      expect(() => pool.releaseBatch(b)).toThrow(StaleHandleError);
    }
    expect(() => pool.flags(h)).toThrow(StaleHandleError);
    pool.acquireBatch(b1, 2);
    pool.free();
    expect(() => b1.flags(0)).toThrow(FreedError);
    expect(() => pool.releaseBatch(b1)).toThrow(FreedError);
    expect(() => pool.acquireBatch(b2, 1)).toThrow(FreedError);
  });

  it("keeps writing to the right place after the core's memory grows", () => {
    const pool = new LayerPool({ core, initial: 4 });
    const b = pool.acquireBatch(new LayerBatch(4));
    b.setUser(0, 11);
    const grown = core.exports.memory.buffer.byteLength;
    // A pool larger than the whole memory cannot fit in its free pages: the memory grows.
    const records = Math.ceil(grown / 52) + 1024;
    const other = new LayerPool({ core, initial: records, max: records });
    expect(core.exports.memory.buffer.byteLength).toBeGreaterThan(grown);
    b.setUser(1, 12);
    expect([b.user(0), b.user(1), pool.user(b.handle(1))]).toEqual([11, 12, 12]);
    other.free();
    pool.releaseBatch(b);
    pool.free();
  });
});
