// Model-based test of LayerPool: random acquire / release / write /
// read / template / releaseAll sequences against a model made of a Set of live handles
// and a Map of the values written. After every step the pool's invariants hold in the
// core, and its stats agree with the model. Released and reused handles must be refused.
//
// Runs: 1,000 sequences per build when CI=true, POOL_MODEL_RUNS overrides, 200 otherwise.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LayerPool, StaleHandleError } from "../../src/node.js";
import { debug, release } from "../helpers/core.js";

const RUNS = Number(process.env.POOL_MODEL_RUNS ?? (process.env.CI === "true" ? 1_000 : 200));
const MAX = 1500; // crosses a block boundary (1024) inside one sequence

type Op =
  | { op: "acquire"; media: number; n: number }
  | { op: "release"; pick: number }
  | { op: "releaseDead"; pick: number }
  | { op: "write"; pick: number; size: number; position: number }
  | { op: "readDead"; pick: number }
  | { op: "template"; media: number; flags: number }
  | { op: "releaseAll" };

const ops: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("acquire" as const), media: fc.nat(12), n: fc.integer({ min: 1, max: 400 }) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant("release" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("releaseDead" as const), pick: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("write" as const), pick: fc.nat(), size: fc.maxSafeNat(), position: fc.nat(1000) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("readDead" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("template" as const), media: fc.nat(12), flags: fc.nat(0xffff) }) },
  { weight: 1, arbitrary: fc.constant({ op: "releaseAll" as const }) },
);

interface Written {
  size: number;
  position: number;
  flags: number;
  media: number;
}

describe.each([
  ["debug", debug],
  ["release", release],
] as const)("LayerPool on the %s core vs a Set model", (_, core) => {
  it("agrees step by step and keeps its invariants", () => {
    fc.assert(
      fc.property(fc.array(ops, { maxLength: 60 }), (steps) => {
        const pool = new LayerPool({ core, initial: 0, max: MAX, templates: false });
        const live = new Set<number>();
        const dead: number[] = []; // handles released (possibly reused since)
        const values = new Map<number, Written>();
        const templates = new Map<number, number>(); // media -> flags
        let acquires = 0,
          releases = 0,
          hits = 0,
          refused = 0,
          highWater = 0;
        const pickLive = (k: number) => [...live][k % live.size];
        try {
          for (const s of steps) {
            switch (s.op) {
              case "acquire":
                for (let i = 0; i < s.n; i++) {
                  if (live.size === MAX) {
                    expect(() => pool.acquire(s.media)).toThrow(/in use/);
                    break;
                  }
                  const h = pool.acquire(s.media);
                  expect(live.has(h)).toBe(false);
                  live.add(h);
                  acquires++;
                  if (templates.has(s.media)) hits++;
                  values.set(h, { size: 0, position: -1, flags: templates.get(s.media) ?? 0, media: s.media });
                }
                highWater = Math.max(highWater, live.size);
                break;
              case "release":
                if (live.size === 0) break;
                {
                  const h = pickLive(s.pick);
                  pool.release(h);
                  live.delete(h);
                  values.delete(h);
                  dead.push(h);
                  releases++;
                }
                break;
              case "releaseDead":
                if (dead.length === 0) break;
                {
                  const h = dead[s.pick % dead.length];
                  if (live.has(h)) break; // the same handle value came back (generation wrapped)
                  expect(() => pool.release(h)).toThrow(StaleHandleError);
                  refused++;
                }
                break;
              case "write":
                if (live.size === 0) break;
                {
                  const h = pickLive(s.pick);
                  const v = values.get(h)!;
                  pool.setCompressedSize(h, s.size);
                  pool.setPosition(h, s.position);
                  v.size = s.size;
                  v.position = s.position;
                }
                break;
              case "readDead":
                if (dead.length === 0) break;
                {
                  const h = dead[s.pick % dead.length];
                  if (live.has(h)) break;
                  expect(() => pool.compressedSize(h)).toThrow(StaleHandleError);
                }
                break;
              case "template":
                pool.setTemplate(s.media, s.flags);
                templates.set(s.media, s.flags);
                break;
              case "releaseAll":
                expect(pool.releaseAll()).toBe(live.size);
                releases += live.size;
                for (const h of live) dead.push(h);
                live.clear();
                values.clear();
                break;
            }
            pool.checkInvariants();
            const st = pool.stats;
            expect(st).toMatchObject({ inUse: live.size, acquires, releases, templateHits: hits, refused, highWater });
            expect(st.free).toBe(st.capacity - live.size);
          }
          for (const [h, v] of values) {
            expect([pool.compressedSize(h), pool.position(h), pool.flags(h), pool.mediaCode(h)]).toEqual([
              v.size,
              v.position,
              v.flags,
              v.media,
            ]);
          }
        } finally {
          pool.free();
        }
      }),
      { numRuns: RUNS },
    );
  });
});
