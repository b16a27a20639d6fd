// One row of the layerfs suite, in a fresh process (see bench/lib/child.mjs).
//   mount   full inspect: verify + decompress + tar + merge (LayerFS.mountBatch), then walk
//   bound   in-process gunzip + sha256 of every blob (compressed and uncompressed), the floor
//   walk    tar header walking over one uncompressed layer held in memory, per library
//   cat     mount, then read one file (first or last layer)

import { createReadStream, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createGunzip, gunzipSync } from "node:zlib";
import { childArgs, reportResult } from "../lib/child.mjs";

const args = childArgs();
const rssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);

function layoutLayers(layout, tag) {
  const blob = (d) => path.join(layout, "blobs", "sha256", d.slice(7));
  const index = JSON.parse(readFileSync(path.join(layout, "index.json"), "utf8"));
  const desc = index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  const manifest = JSON.parse(readFileSync(blob(desc.digest), "utf8"));
  const config = JSON.parse(readFileSync(blob(manifest.config.digest), "utf8"));
  return manifest.layers.map((l, i) => ({
    digest: l.digest,
    mediaType: l.mediaType,
    size: l.size,
    diffId: config.rootfs.diff_ids[i],
    path: blob(l.digest),
    open: () => createReadStream(blob(l.digest), { highWaterMark: 1 << 20 }),
  }));
}

async function main() {
  const ll = await import(pathToFileURL(args.distEntry).href);
  const layers = layoutLayers(args.layout, args.tag);
  const t0 = performance.now();
  if (args.mode === "mount") {
    const fs = new ll.LayerFS({ concurrency: args.concurrency ?? 2 });
    await fs.mountBatch(layers);
    const mounted = performance.now();
    let files = 0;
    for (const s of fs.walk()) if (s.type === "file") files++;
    const bytes = layers.reduce((n, l) => n + l.size, 0);
    const entries = fs.image().layers.reduce((n, l) => n + l.entries, 0);
    return {
      ms: mounted - t0,
      entries,
      walkMs: performance.now() - mounted,
      rssMB: rssMB(),
      files,
      compressedBytes: bytes,
      tableMB: +(fs.table.bytes / 2 ** 20).toFixed(1),
    };
  }
  if (args.mode === "bound") {
    for (const l of layers) {
      const outer = createHash("sha256");
      const inner = createHash("sha256");
      const gz = createGunzip({ chunkSize: 128 * 1024 });
      gz.on("data", (c) => inner.update(c));
      const done = new Promise((r, j) => {
        gz.on("end", r);
        gz.on("error", j);
      });
      for await (const c of l.open()) {
        outer.update(c);
        if (!gz.write(c)) await new Promise((r) => gz.once("drain", r));
      }
      gz.end();
      await done;
      if ("sha256:" + inner.digest("hex") !== l.diffId || "sha256:" + outer.digest("hex") !== l.digest) throw new Error("digest mismatch");
    }
    return { ms: performance.now() - t0, rssMB: rssMB() };
  }
  if (args.mode === "walk") {
    const tar = gunzipSync(readFileSync(layers[args.layer].path));
    const chunks = [];
    for (let i = 0; i < tar.length; i += 1 << 20) chunks.push(tar.subarray(i, Math.min(tar.length, i + (1 << 20))));
    // Five passes in one process: the first is cold (JIT tiers up during it), the best is warm.
    const times = [];
    let entries = 0;
    for (let k = 0; k < 5; k++) {
      const t1 = performance.now();
      entries = await walkers[args.lib](chunks, tar, ll);
      times.push(performance.now() - t1);
    }
    const ms = Math.min(...times);
    const mb = tar.length / 2 ** 20;
    return {
      ms,
      coldMs: times[0],
      entries,
      mbPerS: +(mb / (ms / 1000)).toFixed(0),
      coldMbPerS: +(mb / (times[0] / 1000)).toFixed(0),
      tarMB: +mb.toFixed(0),
      rssMB: rssMB(),
    };
  }
  if (args.mode === "cat") {
    const fs = new ll.LayerFS();
    await fs.mountBatch(layers);
    const t1 = performance.now();
    const bytes = await fs.image().readFileBytes(args.path);
    return { mountMs: t1 - t0, ms: performance.now() - t1, bytes: bytes.length, rssMB: rssMB() };
  }
  throw new Error(`unknown mode ${args.mode}`);
}

const walkers = {
  async layerlens(chunks, _tar, ll) {
    let n = 0;
    const r = new ll.TarReader({ entry: () => void n++ });
    for (const c of chunks) r.push(c);
    r.end();
    return n;
  },
  async bare(_chunks, tar) {
    // The floor: read the size field of each header and jump; no names, no PAX, no checks.
    let n = 0;
    for (let at = 0; at + 512 <= tar.length;) {
      if (tar[at] === 0) break;
      let size = 0;
      for (let i = at + 124; i < at + 135 && tar[i] >= 0x30; i++) size = size * 8 + tar[i] - 0x30;
      const flag = tar[at + 156];
      if (flag !== 0x78 && flag !== 0x67 && flag !== 0x4c && flag !== 0x4b) n++;
      at += 512 + Math.ceil(size / 512) * 512;
    }
    return n;
  },
  async "tar-stream"(chunks) {
    const { extract } = await import("tar-stream");
    const { Readable } = await import("node:stream");
    const ex = extract();
    let n = 0;
    const done = new Promise((r, j) => {
      ex.on("finish", r);
      ex.on("error", j);
    });
    ex.on("entry", (_h, stream, next) => {
      n++;
      stream.on("end", next);
      stream.resume();
    });
    Readable.from(chunks).pipe(ex);
    await done;
    return n;
  },
  async "modern-tar"(chunks) {
    const mod = await import("modern-tar");
    const stream = new ReadableStream({
      start(c) {
        for (const x of chunks) c.enqueue(x);
        c.close();
      },
    });
    let n = 0;
    for await (const e of stream.pipeThrough(mod.createTarDecoder())) {
      n++;
      if (e.body) await e.body.cancel?.();
    }
    return n;
  },
  async nanotar(_chunks, tar) {
    const { parseTar } = await import("nanotar");
    return parseTar(tar).length;
  },
};

main().then(reportResult, (e) => {
  console.error(e);
  process.exit(1);
});
