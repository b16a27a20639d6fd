// Model-based test of MetadataCache: random sequences of operations run
// against the wasm cache on the DEBUG core and against RefLru (tests/helpers/ref-lru.ts),
// a plain Map LRU. After every step the results, the stats, the iteration order (most to
// least recent), the dispose calls and the core's invariants must all agree.
//
// Runs: 10,000 sequences when CI=true, CACHE_MODEL_RUNS overrides, 1,000 otherwise.
// CACHE_MODEL_WASM=path runs the same test on another debug .wasm (a build with a planted
// bug, say) without touching build/.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CapacityError, MetadataCache, parseDigest } from "../../src/node.js";
import type { DigestLike, DisposeReason } from "../../src/node.js";
import { Core } from "../../src/wasm/core.js";
import { debug } from "../helpers/core.js";
import { RefLru, TooLarge } from "../helpers/ref-lru.js";
import type { DisposeCall } from "../helpers/ref-lru.js";

const RUNS = Number(process.env.CACHE_MODEL_RUNS ?? (process.env.CI === "true" ? 10_000 : 1_000));
const core: Core = process.env.CACHE_MODEL_WASM
  ? await Core.fromModule(await WebAssembly.compile(readFileSync(process.env.CACHE_MODEL_WASM)))
  : debug;

// A small key space so sequences revisit keys: sha256 and sha512, some sharing leading
// bytes (same first 32 bytes of a sha512, same low digits across algorithms).
const KEYS = [
  "sha256:" + "0".repeat(63) + "1",
  "sha256:" + "0".repeat(63) + "2",
  "sha256:" + "0".repeat(63) + "3",
  "sha256:" + "ab".repeat(32),
  "sha256:" + "f".repeat(64),
  "sha512:" + "0".repeat(127) + "1",
  "sha512:" + "0".repeat(127) + "2",
  "sha512:" + "ab".repeat(32) + "0".repeat(64),
  "sha512:" + "ab".repeat(32) + "0".repeat(63) + "1",
];
const HANDLES = KEYS.map((k) => parseDigest(k, core));

interface Config {
  max: number;
  maxBytes: number;
  ttl: number;
  dispose: boolean;
}
/** A key as the index into KEYS and whether to pass it as a handle. */
type Key = [index: number, handle: boolean];
type Op =
  | { op: "set"; key: Key; value: number; size: number; ttl?: number }
  | { op: "get" | "peek" | "has" | "delete"; key: Key }
  | { op: "getMany" | "hasMany"; keys: Key[] }
  | { op: "setMany"; entries: [Key, number, number][] }
  | { op: "evictOldest" | "clear" | "purgeStale" | "iterate" }
  | { op: "tick"; ms: number };

const keyArb: fc.Arbitrary<Key> = fc.tuple(fc.nat(KEYS.length - 1), fc.boolean());

function opArb(cfg: Config): fc.Arbitrary<Op> {
  // Sizes reach past maxBytes so refusals happen; ttl values only when TTL is on.
  const size = cfg.maxBytes ? fc.nat(cfg.maxBytes + 3) : fc.constant(0);
  const ttl = cfg.ttl
    ? fc.option(fc.oneof(fc.integer({ min: 1, max: 30 }), fc.constant(Infinity)), { nil: undefined })
    : fc.constant(undefined);
  const value = fc.nat(3); // few values, so "set the value already stored" happens
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record(
        { op: fc.constant("set" as const), key: keyArb, value, size, ttl },
        { requiredKeys: ["op", "key", "value", "size"] },
      ),
    },
    { weight: 4, arbitrary: fc.record({ op: fc.constant("get" as const), key: keyArb }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constantFrom("peek" as const, "has" as const, "delete" as const), key: keyArb }) },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constantFrom("getMany" as const, "hasMany" as const), keys: fc.array(keyArb, { maxLength: 5 }) }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant("setMany" as const), entries: fc.array(fc.tuple(keyArb, value, size), { maxLength: 5 }) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constantFrom("evictOldest" as const, "clear" as const, "purgeStale" as const, "iterate" as const) }),
    },
    { weight: cfg.ttl ? 3 : 0, arbitrary: fc.record({ op: fc.constant("tick" as const), ms: fc.nat(15) }) },
  );
}

const configArb: fc.Arbitrary<Config> = fc.record({
  max: fc.integer({ min: 1, max: 6 }),
  maxBytes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 })),
  ttl: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20 })),
  dispose: fc.boolean(),
});

const scenarioArb = configArb.chain((cfg) => fc.tuple(fc.constant(cfg), fc.array(opArb(cfg), { maxLength: 40 })));

function keyOf([i, asHandle]: Key): DigestLike {
  return asHandle ? HANDLES[i] : KEYS[i];
}

/** Run f on both sides; both must throw the same kind of refusal or return equal results. */
/** A caught value as an Error (the same one when it already is), so fast-check reports it with a stack. */
function asError(e: unknown, who: string): Error {
  return e instanceof Error ? e : new Error(`${who} threw ${String(e)}`);
}

function both<A, B>(real: () => A, model: () => B): A | undefined {
  let r: A | undefined, m: B | undefined, re: unknown, me: unknown;
  try {
    r = real();
  } catch (e) {
    re = e;
  }
  try {
    m = model();
  } catch (e) {
    me = e;
  }
  if (me instanceof TooLarge) {
    expect(re, `the cache must refuse ${me.message} as too large`).toBeInstanceOf(CapacityError);
    return undefined;
  }
  if (me) throw asError(me, "the model");
  if (re) throw asError(re, "the cache");
  expect(r).toEqual(m);
  return r;
}

function runScenario([cfg, ops]: [Config, Op[]]): void {
  const ref = new RefLru({ max: cfg.max, maxBytes: cfg.maxBytes, ttl: cfg.ttl });
  const seen: DisposeCall[] = [];
  const cache = new MetadataCache<number>({
    max: cfg.max,
    ...(cfg.maxBytes ? { maxBytes: cfg.maxBytes } : {}),
    ...(cfg.ttl ? { ttl: cfg.ttl, now: () => ref.now } : {}),
    ...(cfg.dispose
      ? {
          dispose: (v: number, k: string, why: DisposeReason) => {
            seen.push([v, k, why]);
          },
        }
      : {}),
    core,
  });
  try {
    for (const [step, o] of ops.entries()) {
      const label = `step ${step}: ${JSON.stringify(o)}`;
      switch (o.op) {
        case "set": {
          const options = { ...(cfg.maxBytes ? { size: o.size } : {}), ...(o.ttl !== undefined ? { ttl: o.ttl } : {}) };
          both(
            () => {
              cache.set(keyOf(o.key), o.value, options);
            },
            () => ref.set(KEYS[o.key[0]], o.value, o.size, o.ttl),
          );
          break;
        }
        case "get":
          both(
            () => cache.get(keyOf(o.key)),
            () => ref.get(KEYS[o.key[0]]),
          );
          break;
        case "peek":
          both(
            () => cache.peek(keyOf(o.key)),
            () => ref.peek(KEYS[o.key[0]]),
          );
          break;
        case "has":
          both(
            () => cache.has(keyOf(o.key)),
            () => ref.has(KEYS[o.key[0]]),
          );
          break;
        case "delete":
          both(
            () => cache.delete(keyOf(o.key)),
            () => ref.delete(KEYS[o.key[0]]),
          );
          break;
        case "getMany":
          both(
            () => cache.getMany(o.keys.map(keyOf)),
            () => o.keys.map((k) => ref.get(KEYS[k[0]])),
          );
          break;
        case "hasMany":
          both(
            () => cache.hasMany(o.keys.map(keyOf)),
            () => o.keys.map((k) => ref.has(KEYS[k[0]])),
          );
          break;
        case "setMany":
          both(
            () => {
              cache.setMany(o.entries.map(([k, v, size]) => (cfg.maxBytes ? ([keyOf(k), v, size] as const) : ([keyOf(k), v] as const))));
            },
            () => {
              for (const [k, v, size] of o.entries) ref.set(KEYS[k[0]], v, size);
            },
          );
          break;
        case "evictOldest":
          both(
            () => cache.evictOldest(),
            () => ref.evictOldest(),
          );
          break;
        case "clear":
          both(
            () => cache.clear(),
            () => ref.clear(),
          );
          break;
        case "purgeStale":
          both(
            () => cache.purgeStale(),
            () => ref.purgeStale(),
          );
          break;
        case "iterate":
          break; // compared after every step anyway
        case "tick":
          ref.now += o.ms;
          break;
      }
      cache.checkInvariants();
      expect([...cache.entries()], `${label}: iteration, most recent first`).toEqual(ref.entries());
      expect(cache.stats, `${label}: stats`).toEqual(ref.stats);
      expect(cache.size, `${label}: size`).toBe(ref.size);
      if (cfg.dispose) expect(seen, `${label}: dispose calls`).toEqual(ref.disposed);
    }
  } finally {
    cache.free();
  }
}

describe("MetadataCache against a Map-based reference LRU", () => {
  it(`agrees on ${RUNS} random operation sequences${process.env.CACHE_MODEL_WASM ? ` (core ${process.env.CACHE_MODEL_WASM})` : ""}`, () => {
    expect(core.debug, "the model test runs on the debug core (checkInvariants does real work)").toBe(true);
    fc.assert(
      fc.property(scenarioArb, (s) => {
        runScenario(s);
      }),
      { numRuns: RUNS },
    );
  });
});
