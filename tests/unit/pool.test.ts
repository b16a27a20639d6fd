// LayerPool: records read and written in place, templates, refused
// handles, growth by blocks, stats; on both builds of the core.
import { describe, expect, it } from "vitest";
import { LayerPool, LayerColumns, StaleHandleError, CapacityError, FreedError, LAYER_GZIP, LAYER_ZSTD } from "../../src/node.js";
import { debug, release, digestOf } from "../helpers/core.js";

const OCI_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
const OCI_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";

describe.each([
  ["debug", debug],
  ["release", release],
] as const)("LayerPool on the %s core", (_, core) => {
  it("keeps each record's fields where they were written", () => {
    const pool = new LayerPool({ core, initial: 16 });
    const a = pool.acquire(OCI_GZIP);
    const b = pool.acquire(OCI_ZSTD);
    pool.setCompressedSize(a, 2 ** 40 + 5);
    pool.setUncompressedSize(a, 123);
    pool.setPosition(a, 0);
    pool.setDigest(a, digestOf(1));
    pool.setDiffId(a, digestOf(2));
    pool.setCompressedSize(b, 7);
    pool.setParent(b, a & 0xffffff);
    expect(pool.compressedSize(a)).toBe(2 ** 40 + 5);
    expect(pool.uncompressedSize(a)).toBe(123);
    expect(pool.position(a)).toBe(0);
    expect(pool.digest(a)).toBe(digestOf(1));
    expect(pool.diffId(a)).toBe(digestOf(2));
    expect(pool.digestBytes(a)[31]).toBe(1);
    expect(pool.mediaType(a)).toBe(OCI_GZIP);
    expect(pool.flags(a)).toBe(LAYER_GZIP);
    expect(pool.flags(b)).toBe(LAYER_ZSTD);
    expect(pool.compressedSize(b)).toBe(7);
    expect(pool.parent(b)).toBe(a & 0xffffff);
    expect(pool.parent(a)).toBe(-1);
    expect(pool.digest(b)).toBeUndefined();
    pool.checkInvariants();
    pool.free();
  });

  it("gives a reused slot fresh fields (the template), never the old record's", () => {
    const pool = new LayerPool({ core, initial: 4 });
    const a = pool.acquire(OCI_GZIP);
    pool.setCompressedSize(a, 99);
    pool.setDigest(a, digestOf(3));
    pool.setFlags(a, 0xff);
    pool.release(a);
    const b = pool.acquire(OCI_GZIP);
    expect(b & 0xffffff).toBe(a & 0xffffff);
    expect(pool.compressedSize(b)).toBe(0);
    expect(pool.digest(b)).toBeUndefined();
    expect(pool.flags(b)).toBe(LAYER_GZIP);
    expect(pool.stats.templateHits).toBe(2);
    pool.free();
  });

  it("templates can be set, copied from a record and cleared", () => {
    const pool = new LayerPool({ core, initial: 4 });
    pool.setTemplate(OCI_GZIP, 0x40);
    const a = pool.acquire(OCI_GZIP);
    expect(pool.flags(a)).toBe(0x40);
    pool.setUncompressedSize(a, 77);
    pool.templateFrom(20, a);
    expect(pool.uncompressedSize(pool.acquire(20))).toBe(77);
    pool.clearTemplate(OCI_GZIP);
    expect(pool.flags(pool.acquire(OCI_GZIP))).toBe(0);
    expect(() => pool.setTemplate(32, 0)).toThrow(RangeError);
    pool.release(a);
    expect(() => pool.templateFrom(21, a)).toThrow(StaleHandleError);
    pool.free();
  });

  it("a record cursor reads and writes the same bytes as the accessors", () => {
    const pool = new LayerPool({ core, initial: 4 });
    const a = pool.acquire(OCI_GZIP);
    const r = pool.record(a);
    r.compressedSize = 2 ** 35 + 9;
    r.position = 3;
    r.parent = 1;
    r.user = 42;
    r.digest = digestOf(8);
    expect([pool.compressedSize(a), pool.position(a), pool.parent(a), pool.user(a), pool.digest(a)]).toEqual([
      2 ** 35 + 9,
      3,
      1,
      42,
      digestOf(8),
    ]);
    pool.setUncompressedSize(a, 10);
    expect([r.uncompressedSize, r.flags, r.mediaCode, r.next, r.image]).toEqual([10, LAYER_GZIP, 2, -1, -1]);
    expect(() => {
      r.compressedSize = -1;
    }).toThrow(RangeError);
    const b = pool.acquire();
    expect(pool.record(b)).toBe(r); // one cursor, moved
    pool.release(a);
    expect(() => pool.record(a)).toThrow(StaleHandleError);
    pool.free();
  });

  it("acquires and releases in batches, across blocks and past the IO window's batch size", () => {
    const pool = new LayerPool({ core, initial: 0, max: 10_000 });
    const hs = pool.acquireMany(new Int32Array(9_000), OCI_ZSTD);
    expect(new Set(hs).size).toBe(9_000);
    pool.setUser(hs[8_999], 5);
    expect([pool.user(hs[8_999]), pool.flags(hs[0]), pool.size]).toEqual([5, LAYER_ZSTD, 9_000]);
    expect(() => pool.acquireMany(new Int32Array(2_000))).toThrow(CapacityError);
    expect(pool.size).toBe(9_000); // the partial batch was given back
    pool.releaseMany(hs.subarray(0, 8_500));
    expect(pool.size).toBe(500);
    expect(() => pool.releaseMany(hs.subarray(8_499, 8_501))).toThrow(expect.objectContaining({ reason: "released" }));
    expect(pool.size).toBe(499); // hs[8500] was released all the same
    pool.checkInvariants();
    pool.free();
  });

  it("acquireFilled fills each record from its column entries, across calls, and checks sizes first", () => {
    const n = 2_500; // more than one POOL_FILL_MAX call, and not a multiple of it
    const pool = new LayerPool({ core, initial: 0, max: 3_000 });
    const f = new LayerColumns(n);
    for (let i = 0; i < n; i++) {
      f.compressedSize[i] = i * 1000 + 2 ** 40;
      f.uncompressedSize[i] = i * 3;
      f.position[i] = i % 7 === 0 ? -1 : i;
      f.flags[i] = 0x80000000 + i;
      f.parent[i] = i - 1;
      f.image[i] = 7;
      f.user[i] = 0xffffffff - i;
    }
    const hs = pool.acquireFilled(new Int32Array(n), f, OCI_ZSTD);
    expect(new Set(hs).size).toBe(n);
    for (const i of [0, 1, 7, 1023, 1024, 2047, 2048, n - 1]) {
      const h = hs[i];
      expect([pool.compressedSize(h), pool.uncompressedSize(h), pool.position(h), pool.flags(h)]).toEqual([
        i * 1000 + 2 ** 40,
        i * 3,
        i % 7 === 0 ? -1 : i,
        0x80000000 + i,
      ]);
      expect([pool.parent(h), pool.image(h), pool.user(h), pool.mediaType(h), pool.digest(h), pool.next(h)]).toEqual([
        i - 1,
        7,
        0xffffffff - i,
        OCI_ZSTD,
        undefined,
        -1,
      ]);
    }
    // A bad size refuses the whole call before anything of it is taken.
    const bad = new LayerColumns(3);
    bad.uncompressedSize[2] = -1;
    expect(() => pool.acquireFilled(new Int32Array(3), bad)).toThrow(RangeError);
    bad.uncompressedSize[2] = 1.5;
    expect(() => pool.acquireFilled(new Int32Array(3), bad)).toThrow(RangeError);
    bad.uncompressedSize[2] = 2 ** 53;
    expect(() => pool.acquireFilled(new Int32Array(3), bad)).toThrow(RangeError);
    expect(() => pool.acquireFilled(new Int32Array(4), bad)).toThrow(RangeError); // columns too short
    expect(pool.size).toBe(n);
    // Past max: what the call took is given back.
    expect(() => pool.acquireFilled(new Int32Array(600), new LayerColumns(600))).toThrow(CapacityError);
    expect(pool.size).toBe(n);
    pool.releaseMany(hs);
    expect(pool.size).toBe(0);
    pool.checkInvariants();
    pool.free();
  });

  it("keeps a digest's bytes once, in the digest table, shared by records naming it", () => {
    const pool = new LayerPool({ core, initial: 4, digests: 8 });
    const a = pool.acquire();
    const b = pool.acquire();
    pool.setDigest(a, digestOf(9));
    pool.setDiffId(b, digestOf(9));
    expect(pool.digestHandle(a)).toBe(pool.diffIdHandle(b));
    expect(pool.digestBytes(a)[31]).toBe(9);
    expect([...pool.digestBytes(b)]).toEqual(new Array(32).fill(0)); // b's digest is unset
    expect(() => new LayerPool({ core, digests: -1 })).toThrow(RangeError);
    pool.free();
  });

  it("refuses double release and use after release with StaleHandleError", () => {
    const pool = new LayerPool({ core, initial: 4 });
    const a = pool.acquire();
    pool.release(a);
    expect(() => pool.release(a)).toThrow(StaleHandleError);
    expect(() => pool.compressedSize(a)).toThrow(expect.objectContaining({ code: "STALE_HANDLE", reason: "released" }));
    const b = pool.acquire();
    expect(() => pool.setFlags(a, 1)).toThrow(expect.objectContaining({ reason: "reused" }));
    expect(() => pool.release(a)).toThrow(expect.objectContaining({ reason: "reused" }));
    expect(() => pool.flags(-5)).toThrow(expect.objectContaining({ reason: "invalid" }));
    expect(() => pool.flags(0x00fffff0)).toThrow(expect.objectContaining({ reason: "invalid" }));
    expect(pool.isLive(b)).toBe(true);
    expect(pool.isLive(a)).toBe(false);
    expect(pool.stats.refused).toBe(2);
    pool.checkInvariants();
    pool.free();
  });

  it("grows by whole blocks; handles and fields survive growth and memory moves", () => {
    const pool = new LayerPool({ core, initial: 0, max: 5000 });
    const hs: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const h = pool.acquire();
      pool.setUncompressedSize(h, i);
      hs.push(h);
    }
    expect(() => pool.acquire()).toThrow(CapacityError);
    // Make the core's memory grow under the pool's views.
    const other = new LayerPool({ core, initial: 60_000, max: 60_000 });
    for (let i = 0; i < 5000; i++) expect(pool.uncompressedSize(hs[i])).toBe(i);
    const s = pool.stats;
    expect(s).toMatchObject({ inUse: 5000, capacity: 5120, free: 120, highWater: 5000, acquires: 5000, growths: 5 });
    pool.checkInvariants();
    expect(pool.releaseAll()).toBe(5000);
    expect(pool.size).toBe(0);
    expect(() => pool.uncompressedSize(hs[0])).toThrow(StaleHandleError);
    pool.checkInvariants();
    other.free();
    pool.free();
  });

  it("validates options and sizes", () => {
    expect(() => new LayerPool({ core, max: 0 })).toThrow(RangeError);
    expect(() => new LayerPool({ core, max: 2 ** 24 + 1 })).toThrow(RangeError);
    expect(() => new LayerPool({ core, initial: 10, max: 5 })).toThrow(RangeError);
    const pool = new LayerPool({ core });
    const a = pool.acquire();
    expect(() => pool.setCompressedSize(a, -1)).toThrow(RangeError);
    expect(() => pool.setCompressedSize(a, 2 ** 60)).toThrow(RangeError);
    expect(() => pool.setDigest(a, "sha256:nope")).toThrow(expect.objectContaining({ code: "INVALID_DIGEST" }));
    pool.free();
  });

  it("refuses every call after free() with FreedError, never a handle into freed memory", () => {
    const pool = new LayerPool({ core, initial: 4 });
    const h = pool.acquire(OCI_GZIP);
    pool.setCompressedSize(h, 42);
    const cursor = pool.record(h);
    pool.free();
    pool.free(); // twice is harmless
    const other = new LayerPool({ core, initial: 4 }); // may reuse the freed blocks
    const o = other.acquire();
    other.setCompressedSize(o, 7);
    const calls: [string, () => unknown][] = [
      ["acquire", () => pool.acquire()],
      ["acquire(media)", () => pool.acquire(OCI_ZSTD)],
      ["acquireMany", () => pool.acquireMany(new Int32Array(2))],
      ["release", () => pool.release(h)],
      ["releaseMany", () => pool.releaseMany(Int32Array.of(h))],
      ["releaseAll", () => pool.releaseAll()],
      ["isLive", () => pool.isLive(h)],
      ["record", () => pool.record(h)],
      ["compressedSize", () => pool.compressedSize(h)],
      ["setCompressedSize", () => pool.setCompressedSize(h, 1)],
      ["flags", () => pool.flags(h)],
      ["digest", () => pool.digest(h)],
      ["setDigest", () => pool.setDigest(h, digestOf(1))],
      ["digestBytes", () => pool.digestBytes(h)],
      ["setTemplate", () => pool.setTemplate(OCI_GZIP, 1)],
      ["templateFrom", () => pool.templateFrom(OCI_GZIP, h)],
      ["clearTemplate", () => pool.clearTemplate(OCI_GZIP)],
      ["size", () => pool.size],
      ["capacity", () => pool.capacity],
      ["stats", () => pool.stats],
      ["checkInvariants", () => pool.checkInvariants()],
      ["words", () => pool.words()],
      ["cursor read", () => cursor.compressedSize],
      [
        "cursor write",
        () => {
          cursor.flags = 3;
        },
      ],
    ];
    for (const [name, call] of calls) {
      let err: unknown;
      try {
        call();
      } catch (e) {
        err = e;
      }
      expect(err, name).toBeInstanceOf(FreedError);
      expect((err as FreedError).code, name).toBe("FREED");
    }
    expect(other.compressedSize(o)).toBe(7);
    other.checkInvariants();
    other.free();
  });
});
