// The cache suite's input, made once per run by the parent and read by every worker, so
// all libraries see byte-identical keys and the same operation order.
//
//   digests.bin  keys × 32 bytes   raw sha256-like digests (seeded PRNG: uniform, as real ones)
//   trace.bin    ops × u32         key index per operation: a Zipf(s) rank (rank k drawn with
//                                  probability ∝ 1/k^s, k = 1 the hottest), mapped to a key
//                                  index by a seeded permutation, so a key's index (the order
//                                  its string, handle and digest-table slot were made in) says
//                                  nothing about its rank: hot keys are not neighbours in memory
//
// Workers turn the digests into "sha256:<hex>" records in one Buffer (ASCII, 71 bytes each)
// and cut strings out of it with Buffer#toString("latin1", a, b): that makes a new, flat
// (sequential one-byte) string object with no cached hash, like a string JSON.parse returns.

import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

export const RECORD = 71; // "sha256:" + 64 hex

/** mulberry32: a small seeded 32-bit PRNG, good enough to draw keys and ranks. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Zipf(s) ranks (0-based) for `ops` draws over `keys` items, by inverse CDF. */
export function zipfTrace(keys, ops, s, seed) {
  const cdf = new Float64Array(keys);
  let sum = 0;
  for (let k = 0; k < keys; k++) cdf[k] = sum += 1 / Math.pow(k + 1, s);
  const rand = prng(seed);
  const trace = new Uint32Array(ops);
  for (let i = 0; i < ops; i++) {
    const x = (rand() / 2 ** 32) * sum;
    let lo = 0,
      hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    trace[i] = lo;
  }
  return trace;
}

/** A seeded random permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n, seed) {
  const rand = prng(seed);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rand() % (i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

export async function writeTraceFiles(dir, { keys, ops, s = 0.99, seed = 20261125 }) {
  const rand = prng(seed ^ 0x5eed);
  const digests = new Uint8Array(keys * 32);
  const words = new Uint32Array(digests.buffer);
  for (let i = 0; i < words.length; i++) words[i] = rand();
  const ranks = zipfTrace(keys, ops, s, seed);
  const keyOfRank = permutation(keys, seed ^ 0x7e57);
  const trace = new Uint32Array(ops);
  for (let i = 0; i < ops; i++) trace[i] = keyOfRank[ranks[i]];
  await writeFile(path.join(dir, "digests.bin"), digests);
  await writeFile(path.join(dir, "records.bin"), asciiRecords(digests, keys));
  await writeFile(path.join(dir, "trace.bin"), new Uint8Array(trace.buffer));
  await writeFile(path.join(dir, "meta.json"), JSON.stringify({ keys, ops, s, seed, shuffled: true }));
  return { distinctInTrace: new Set(trace).size };
}

/** "sha256:<hex>" for each digest, RECORD bytes apart, in one Buffer. */
function asciiRecords(digests, keys) {
  const records = Buffer.alloc(keys * RECORD);
  const hex = Buffer.from("0123456789abcdef", "latin1");
  const prefix = Buffer.from("sha256:", "latin1");
  for (let i = 0; i < keys; i++) {
    let o = i * RECORD;
    prefix.copy(records, o);
    o += 7;
    for (let j = i * 32, end = j + 32; j < end; j++) {
      const b = digests[j];
      records[o++] = hex[b >> 4];
      records[o++] = hex[b & 15];
    }
  }
  return records;
}

/** Worker side: the ASCII records Buffer (written once by the parent), the trace and the meta facts. */
export async function readTraceFiles(dir) {
  const meta = JSON.parse(await readFile(path.join(dir, "meta.json"), "utf8"));
  const records = await readFile(path.join(dir, "records.bin"));
  const traceBytes = await readFile(path.join(dir, "trace.bin"));
  const trace = new Uint32Array(traceBytes.buffer, traceBytes.byteOffset, meta.ops);
  return { meta, records, trace };
}

/** A new flat string object for key `i` (its hash not yet computed by V8). */
export function freshKey(records, i) {
  return records.toString("latin1", i * RECORD, i * RECORD + RECORD);
}
