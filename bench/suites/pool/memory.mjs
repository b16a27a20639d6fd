// Bytes per layer record, in its own process: node --expose-gc memory.mjs '<json args>'.
//
// args: { lib, records, distEntry }
//   lib  "objects"    one plain object per layer holding its digest and diffID as the
//                     71-character strings a manifest and a config hand over
//        "layerpool"  one LayerPool record per layer, the two digests set from the same
//                     strings (interned in the core's digest table, which is counted),
//                     the pool and the table grown on demand
//        "layerpool-sized"  the same, the pool made with initial: n and digests: 2n (room
//                     for every record and both its digests reserved up front)
// The figure is JS heap + ArrayBuffers + wasm memory growth after gc(), over the records:
// what holding 10^6 layers costs. Every record's strings are distinct, as real layers' are.

import { childArgs, reportResult } from "../../lib/child.mjs";

const args = childArgs();
const MEDIA = "application/vnd.oci.image.layer.v1.tar+gzip";
const gc = globalThis.gc;
if (!gc) throw new Error("memory.mjs needs --expose-gc");

/** A distinct sha256 digest string per (i, salt), built the way JSON.parse hands it over. */
const digestOf = (i, salt) => "sha256:" + (i.toString(16).padStart(8, "0") + salt).repeat(8).slice(0, 64);

const ll = args.lib !== "objects" ? await import(args.distEntry) : null;
if (ll) await ll.init();
const wasmBytes = () => (ll ? ll.getDefaultCore().exports.memory.buffer.byteLength : 0);
const sample = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, ab: m.arrayBuffers, wasm: wasmBytes() };
};

function objects(n) {
  const out = [];
  for (let i = 0; i < n; i++)
    out.push({
      digest: digestOf(i, "a"),
      diffId: digestOf(i, "b"),
      compressedSize: i * 1000,
      uncompressedSize: i * 3000,
      mediaType: MEDIA,
      position: i,
      flags: 1,
      parent: i - 1,
      image: 7,
      user: i,
    });
  return out;
}

function layerpool(n, sized) {
  const pool = new ll.LayerPool(sized ? { initial: n, max: n, digests: 2 * n } : { initial: 0, max: n });
  for (let i = 0; i < n; i++) {
    const h = pool.acquire(2);
    pool.setDigest(h, digestOf(i, "a"));
    pool.setDiffId(h, digestOf(i, "b"));
    pool.setCompressedSize(h, i * 1000);
    pool.setUncompressedSize(h, i * 3000);
    pool.setPosition(h, i);
    pool.setFlags(h, 1);
    pool.setParent(h, i - 1);
    pool.setImage(h, 7);
    pool.setUser(h, i);
  }
  return pool;
}

const before = sample();
globalThis.keepAlive = args.lib === "objects" ? objects(args.records) : layerpool(args.records, args.lib === "layerpool-sized");
const after = sample();
const d = { heap: after.heap - before.heap, arrayBuffers: after.ab - before.ab, wasm: after.wasm - before.wasm };
reportResult({
  lib: args.lib,
  scenario: "memory",
  records: args.records,
  delta: d,
  bytesPerRecord: (d.heap + d.arrayBuffers + d.wasm) / args.records,
});
