// Bench setup for the layerfs suite: an OCI layout built from the machine's own files, kept
// between runs in the OS temp dir (rebuilding 1.6 GB of gzip takes a while).
//   layer 0  /usr/share                         (~600 MB, ~56k files)
//   layer 1  /usr/lib/google-cloud-sdk/lib      (~470 MB, ~41k files)   or /usr/lib/python3*
//   layer 2  /usr/lib/google-cloud-sdk/platform (~580 MB, ~16k files)   or /usr/include
//   layer 3  written here: whiteouts, an opaque directory, rewritten files (merge work)
// Quick mode: /usr/share/doc only, one layer plus the edit layer.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createGzip } from "node:zlib";

const VERSION = 1;

function pick(paths) {
  return paths.filter((p) => existsSync(path.join("/", p)));
}

/** Stream `tar -C / -cf - ...paths` (or given bytes) through gzip into blobs/, hashing both sides. */
export async function addLayer(dir, source) {
  const diff = createHash("sha256");
  const blob = createHash("sha256");
  const tmp = path.join(dir, "blobs", "sha256", `tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const out = createWriteStream(tmp);
  const gz = createGzip({ level: 1 });
  let size = 0;
  gz.on("data", (c) => {
    blob.update(c);
    size += c.length;
    out.write(c);
  });
  const gzDone = new Promise((r, j) => {
    gz.on("end", r);
    gz.on("error", j);
  });
  const feed = async (chunks) => {
    for await (const c of chunks) {
      diff.update(c);
      if (!gz.write(c)) await new Promise((r) => gz.once("drain", r));
    }
    gz.end();
  };
  if (source.bytes) await feed([source.bytes]);
  else {
    const tar = spawn("tar", ["-C", "/", "--numeric-owner", "--sort=name", "-cf", "-", ...source.paths], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    const closed = new Promise((r) => tar.on("close", r));
    await feed(tar.stdout);
    await closed;
  }
  await gzDone;
  await new Promise((r) => out.end(r));
  const digest = "sha256:" + blob.digest("hex");
  renameSync(tmp, path.join(dir, "blobs", "sha256", digest.slice(7)));
  return { digest, size, diffId: "sha256:" + diff.digest("hex") };
}

export function writeBlob(dir, json) {
  const bytes = Buffer.from(JSON.stringify(json));
  const digest = "sha256:" + createHash("sha256").update(bytes).digest("hex");
  writeFileSync(path.join(dir, "blobs", "sha256", digest.slice(7)), bytes);
  return { digest, size: bytes.length };
}

/** A small tar of edits (our own writer's format, built by hand here: ustar only). */
function editLayer(paths) {
  const blocks = [];
  const header = (name, size, type = "0") => {
    const h = Buffer.alloc(512);
    h.write(name, 0, 100);
    h.write("0000644\0", 100);
    h.write("0000000\0", 108);
    h.write("0000000\0", 116);
    h.write(size.toString(8).padStart(11, "0") + "\0", 124);
    h.write("14544460000\0", 136);
    h.fill(0x20, 148, 156);
    h.write(type, 156);
    h.write("ustar\x0000", 257);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
    return h;
  };
  for (const p of paths.whiteouts) blocks.push(header(path.posix.join(path.posix.dirname(p), ".wh." + path.posix.basename(p)), 0));
  for (const d of paths.opaque) blocks.push(header(d + "/.wh..wh..opq", 0));
  for (const p of paths.rewrite) {
    const body = Buffer.from(`rewritten by the bench edit layer: ${p}\n`);
    blocks.push(header(p, body.length), Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** Build (or reuse) the bench image; returns { layout, tag, layers, files }. */
/** Config, manifest, oci-layout and index.json of a one-image layout over `layers`, tagged `tag`. */
export function writeImage(dir, layers, tag) {
  const config = writeBlob(dir, {
    architecture: "amd64",
    os: "linux",
    config: {},
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
  });
  const manifest = writeBlob(dir, {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
    layers: layers.map((l) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: l.digest, size: l.size })),
  });
  writeFileSync(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const annotations = { "org.opencontainers.image.ref.name": tag };
  writeFileSync(
    path.join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifest, annotations }],
    }),
  );
}

export async function benchImage({ quick, log }) {
  const dir = path.join(os.tmpdir(), `layerlens-bench-layerfs-v${VERSION}${quick ? "-quick" : ""}`);
  const stamp = path.join(dir, "built.json");
  if (existsSync(stamp)) return JSON.parse(readFileSync(stamp, "utf8"));
  mkdirSync(path.join(dir, "blobs", "sha256"), { recursive: true });
  const groups = quick
    ? [pick(["usr/share/doc"])]
    : [
        pick(["usr/share"]),
        pick(["usr/lib/google-cloud-sdk/lib"]).length
          ? pick(["usr/lib/google-cloud-sdk/lib"])
          : pick(["usr/lib/python3", "usr/lib/x86_64-linux-gnu"]),
        pick(["usr/lib/google-cloud-sdk/platform"]).length ? pick(["usr/lib/google-cloud-sdk/platform"]) : pick(["usr/include", "usr/bin"]),
      ];
  const layers = [];
  for (const g of groups) {
    log(`layerfs: building layer ${layers.length} from ${g.join(" ")}`);
    layers.push(await addLayer(dir, { paths: g }));
  }
  const edits = quick
    ? { whiteouts: [], opaque: ["usr/share/doc/bash"], rewrite: ["usr/share/doc/README.bench"] }
    : {
        whiteouts: ["usr/share/man", "usr/share/locale"],
        opaque: ["usr/share/doc"],
        rewrite: Array.from({ length: 100 }, (_, i) => `usr/share/bench-rewritten-${i}.txt`),
      };
  layers.push(await addLayer(dir, { bytes: editLayer(edits) }));
  writeImage(dir, layers, "bench");
  const info = { layout: dir, tag: "bench", layers };
  writeFileSync(stamp, JSON.stringify(info));
  return info;
}
