// An eStargz image for the TOC tests: a tar of many files (a big layer with the file of
// interest at its end, a hard link, an empty file, a symlink) converted by the reference
// library (estargz-oracle.ts), then written as an OCI layout whose manifest carries the TOC
// digest annotation, as `ctr-remote image optimize` and nerdctl's converter write them.

import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TarWriteEntry, writeTar } from "../../src/fs/tar-write.js";
import { type EstargzBlob, toEstargz } from "./estargz-oracle.js";

export const TOC_ANNOTATION = "containerd.io/snapshot/stargz/toc.digest";
export const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** Text-like bytes from a seed: compressible, but not trivially. */
export function words(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size;) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const word = 3 + ((x >>> 0) % 9);
    for (let j = 0; j < word && i < size; j++, i++) out[i] = 97 + ((x >>> (j * 3)) & 15);
    if (i < size) out[i++] = 32;
  }
  return out;
}

/** The regular files of the test layer: path -> bytes (a hard link's path included). */
export interface TestLayer {
  tar: Uint8Array;
  files: Map<string, Uint8Array>;
  esgz: EstargzBlob;
}

/** `bigFiles` files of `bigBytes` each, then the small ones, then data/last (300 kB, two chunks at 256 KiB). */
export function testLayer(bigFiles = 24, bigBytes = 1 << 20, chunkBytes = 256 << 10): TestLayer {
  const files = new Map<string, Uint8Array>();
  const entries: TarWriteEntry[] = [{ name: "data/", type: "dir" }];
  for (let i = 0; i < bigFiles; i++) {
    const name = `data/f${String(i).padStart(2, "0")}`;
    const data = words(i + 1, bigBytes);
    entries.push({ name, data });
    files.set(name, data);
  }
  const small = new TextEncoder().encode("small file\n");
  entries.push({ name: "data/small", data: small }, { name: "data/empty", data: new Uint8Array(0) });
  entries.push({ name: "data/link", type: "hardlink", linkname: "data/small" }, { name: "data/sym", type: "symlink", linkname: "small" });
  files.set("data/small", small).set("data/empty", new Uint8Array(0)).set("data/link", small);
  const last = words(999, 300_000);
  entries.push({ name: "data/last", data: last });
  files.set("data/last", last);
  const tar = writeTar(entries);
  return { tar, files, esgz: toEstargz(tar, chunkBytes) };
}

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

/** The image's blobs and manifest; `annotation` replaces the TOC digest (a wrong one, or null for none). */
export function imageBlobs(layer: TestLayer, annotation?: string | null) {
  const { blob, diffId, tocDigest } = layer.esgz;
  const config = json({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [diffId] } });
  const toc = annotation === undefined ? tocDigest : annotation;
  const manifest = json({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
    layers: [
      {
        mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
        digest: sha256(blob),
        size: blob.length,
        ...(toc === null ? {} : { annotations: { [TOC_ANNOTATION]: toc } }),
      },
    ],
  });
  return { blob, config, manifest };
}

/** An OCI layout at `dir` holding the image (tag latest). */
export function writeEstargzLayout(dir: string, layer: TestLayer, annotation?: string | null): void {
  const { blob, config, manifest } = imageBlobs(layer, annotation);
  mkdirSync(join(dir, "blobs/sha256"), { recursive: true });
  for (const b of [blob, config, manifest]) writeFileSync(join(dir, "blobs/sha256", sha256(b).slice(7)), b);
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: sha256(manifest),
        size: manifest.length,
        annotations: { "org.opencontainers.image.ref.name": "latest" },
      },
    ],
  };
  writeFileSync(join(dir, "index.json"), JSON.stringify(index));
}

/** Where the blob's TOC member starts (the footer's hex offset), read independently of the reader. */
export function tocOffsetOf(blob: Uint8Array): number {
  const footer = Buffer.from(blob.subarray(blob.length - 51));
  return parseInt(footer.subarray(16, 32).toString("latin1"), 16);
}
