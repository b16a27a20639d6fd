// The soak run itself, in a process of its own started with --expose-gc (tests/soak/memory.test.ts
// spawns it): the garbage collector has to be driven for finalizers to be seen at all. It
// prints one JSON line of figures; the test asserts on them.
//
//   node --expose-gc tests/soak/memory-child.mjs images 10000
//   node --expose-gc tests/soak/memory-child.mjs caches 30000
//
// Reads the built package (dist/), which `npm test` builds before the suites run.
import { createHash } from "node:crypto";
import { LayerGraph, LayoutSource, MetadataCache, init, memoryStore, resolveImage } from "../../dist/node.js";
import { finalizedCount } from "../../dist/wasm/reclaim.js";

const [mode, countArg] = process.argv.slice(2);
const count = Number(countArg);
const core = await init();
const ex = core.exports;
const encoder = new TextEncoder();

if (typeof globalThis.gc !== "function") throw new Error("run with --expose-gc");

/** Collect, then let the finalization tasks run, until nothing more is finalized. */
async function settle(kinds) {
  let before = -1;
  for (let round = 0; round < 20; round++) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 0));
    const now = kinds.reduce((n, k) => n + finalizedCount(k), 0);
    if (now === before && round >= 2) return;
    before = now;
  }
}

function figures(label) {
  return {
    label,
    linear: ex.memory.buffer.byteLength,
    reserved: ex.coreReserved(),
    digests: ex.digestTableSize(),
    rss: process.memoryUsage().rss,
    heap: process.memoryUsage().heapUsed,
    external: process.memoryUsage().external,
    heapTotal: process.memoryUsage().heapTotal,
  };
}

function put(files, mediaType, bytes) {
  const hex = createHash("sha256").update(bytes).digest("hex");
  files.set(`blobs/sha256/${hex}`, bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
}

const json = (files, mediaType, doc) => put(files, mediaType, encoder.encode(JSON.stringify(doc)));

/** An OCI layout in memory: index.json -> image index -> manifest -> config + one layer, all unique to `i`. */
function layout(i) {
  const files = new Map();
  const layerBytes = new Uint8Array(1024);
  new DataView(layerBytes.buffer).setUint32(0, i);
  const layer = put(files, "application/vnd.oci.image.layer.v1.tar", layerBytes);
  const config = json(files, "application/vnd.oci.image.config.v1+json", {
    architecture: "amd64",
    os: "linux",
    config: { Labels: { n: String(i) } },
    rootfs: { type: "layers", diff_ids: [layer.digest] },
  });
  const manifest = json(files, "application/vnd.oci.image.manifest.v1+json", {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config,
    layers: [layer],
  });
  const index = json(files, "application/vnd.oci.image.index.v1+json", {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{ ...manifest, platform: { architecture: "amd64", os: "linux" } }],
  });
  files.set("oci-layout", encoder.encode(JSON.stringify({ imageLayoutVersion: "1.0.0" })));
  files.set("index.json", encoder.encode(JSON.stringify({ schemaVersion: 2, manifests: [index] })));
  return { files, index, manifest, config, layer };
}

/** Open, resolve and look at one image; free what it made when `free`, else drop it. */
async function openImage(i, free) {
  const l = layout(i);
  const source = await LayoutSource.open(memoryStore(l.files, `image-${i}`));
  const image = await resolveImage(source);
  if (image.manifestDescriptor.digest !== l.manifest.digest) throw new Error(`image ${i}: resolved the wrong manifest`);
  const graph = new LayerGraph({ core });
  graph.addIndex(l.index.digest, [l.manifest.digest]);
  graph.addManifest(l.manifest.digest, l.config.digest, [l.layer.digest]);
  graph.assertAcyclic();
  const cache = new MetadataCache({ max: 16, core });
  cache.set(l.manifest.digest, image.manifestBytes);
  cache.set(l.config.digest, image.configBytes);
  if (cache.get(l.config.digest) !== image.configBytes) throw new Error(`image ${i}: cache lost the config`);
  if (free) {
    graph.free();
    cache.free();
  }
}

const out = { mode, count };
if (mode === "images") {
  const kinds = ["LayerGraph", "MetadataCache", "IdGraph"];
  await settle(kinds);
  out.start = figures("start");
  const warmup = Math.min(1000, count);
  for (let i = 0; i < count; i++) {
    await openImage(i, i % 2 === 0);
    if (i % 250 === 249) await settle(kinds);
    if (i === warmup - 1) {
      await settle(kinds);
      out.warm = figures(`after ${warmup}`);
    }
  }
  await settle(kinds);
  out.end = figures(`after ${count}`);
  out.finalized = Object.fromEntries(kinds.map((k) => [k, finalizedCount(k)]));
} else if (mode === "caches") {
  await settle(["MetadataCache"]);
  const probe = ex.coreReserved();
  const one = new MetadataCache({ max: 16, core });
  out.smallCacheBytes = ex.coreReserved() - probe;
  one.free();
  out.start = figures("start");
  for (let i = 0; i < count; i++) {
    const cache = new MetadataCache({ max: 16, core });
    cache.set(`sha256:${i.toString(16).padStart(64, "0")}`, i);
    if (i % 1000 === 999) await settle(["MetadataCache"]);
  }
  await settle(["MetadataCache"]);
  out.end = figures(`after ${count}`);
  out.finalized = { MetadataCache: finalizedCount("MetadataCache") };
} else {
  throw new Error(`unknown mode ${mode}`);
}
console.log(JSON.stringify(out));
