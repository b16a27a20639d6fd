// Known answers for LayerPool, run unchanged in every runtime.
//
// Expected values follow from the pool's contract (LIFO free list, templates per media
// type, refused stale handles, growth by blocks of 1024), not from reading the code back.

import { equal, ok, throws } from "./assert.js";
import type { KnownAnswerCase } from "./types.js";

const GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
const digest = (n: number) => "sha256:" + n.toString(16).padStart(64, "0");

export const poolCases: KnownAnswerCase[] = [
  {
    name: "pool: fields are written and read in place; a reused slot starts from its template",
    run(lib, ctx) {
      const pool = new lib.LayerPool({ core: ctx.core, initial: 8 });
      const a = pool.acquire(GZIP);
      pool.setCompressedSize(a, 2 ** 33 + 1);
      pool.setDigest(a, digest(0xab));
      pool.setPosition(a, 2);
      equal(pool.compressedSize(a), 2 ** 33 + 1, "a size above 32 bits");
      equal(pool.digest(a), digest(0xab), "digest");
      equal(pool.position(a), 2, "position");
      equal(pool.flags(a), lib.LAYER_GZIP, "flags from the gzip template");
      pool.release(a);
      const b = pool.acquire(GZIP);
      equal(b & 0xffffff, a & 0xffffff, "the freed slot is handed out next");
      equal([pool.compressedSize(b), pool.digest(b), pool.position(b)], [0, undefined, -1], "no field of the old record survives");
      equal(pool.stats.templateHits, 2, "both acquires used the template");
      pool.checkInvariants();
      pool.free();
    },
  },
  {
    name: "pool: double release and use after release throw StaleHandleError",
    run(lib, ctx) {
      const pool = new lib.LayerPool({ core: ctx.core, initial: 4 });
      const a = pool.acquire();
      pool.release(a);
      throws(() => pool.release(a), { type: lib.StaleHandleError, code: "STALE_HANDLE", props: { reason: "released" } }, "second release");
      pool.acquire();
      throws(() => pool.compressedSize(a), { type: lib.StaleHandleError, props: { reason: "reused" } }, "read through a reused slot");
      equal(pool.stats.refused, 1, "refused releases are counted");
      pool.checkInvariants();
      pool.free();
    },
  },
  {
    name: "pool: growth by whole blocks keeps handles valid; max is exact",
    run(lib, ctx) {
      const pool = new lib.LayerPool({ core: ctx.core, initial: 0, max: 2100 });
      const hs: number[] = [];
      for (let i = 0; i < 2100; i++) {
        const h = pool.acquire();
        pool.setUser(h, i * 3);
        hs.push(h);
      }
      throws(() => pool.acquire(), { type: lib.CapacityError }, "acquire past max");
      let wrong = 0;
      for (let i = 0; i < hs.length; i++) if (pool.user(hs[i]) !== i * 3) wrong++;
      equal(wrong, 0, "records written before growth read back");
      const s = pool.stats;
      equal([s.inUse, s.capacity, s.growths, s.highWater], [2100, 3072, 3, 2100], "stats after three blocks");
      ok(pool.releaseAll() === 2100 && pool.size === 0, "releaseAll empties the pool");
      pool.checkInvariants();
      pool.free();
    },
  },
  {
    name: "pool: a freed pool refuses acquire and every read with FreedError",
    run(lib, ctx) {
      const pool = new lib.LayerPool({ core: ctx.core, initial: 4 });
      const a = pool.acquire();
      pool.free();
      throws(() => pool.acquire(), { type: lib.FreedError, code: "FREED" }, "acquire after free");
      throws(() => pool.compressedSize(a), { type: lib.FreedError, code: "FREED" }, "read after free");
      throws(() => pool.release(a), { type: lib.FreedError, code: "FREED" }, "release after free");
    },
  },
];
