// Images built in code for the CLI tests: an OCI layout or a docker-archive whose layers are
// tars written by our tar writer, each stored uncompressed, gzipped (node:zlib) or zstd'd (the
// zstd tool), with a config carrying whatever fields and history a test names.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { type TarWriteEntry, writeTar } from "../../src/fs/tar-write.js";

export type LayerCompression = "none" | "gzip" | "zstd";

export interface BuiltLayer {
  entries: TarWriteEntry[];
  compression?: LayerCompression;
}

export interface BuiltImage {
  layers: BuiltLayer[];
  /** Merged into the config's `config` object (Env, Cmd, Labels...). */
  config?: Record<string, unknown>;
  /** The config's history; default one entry per layer, created_by "layer N". */
  history?: Record<string, unknown>[];
  architecture?: string;
  os?: string;
  variant?: string;
}

const sha256 = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function compress(tar: Uint8Array, how: LayerCompression): Uint8Array {
  if (how === "gzip") return gzipSync(tar);
  if (how === "zstd") return execFileSync("zstd", ["-q", "-c", "-"], { input: tar });
  return tar;
}

const OCI_TYPES: Record<LayerCompression, string> = {
  none: "application/vnd.oci.image.layer.v1.tar",
  gzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  zstd: "application/vnd.oci.image.layer.v1.tar+zstd",
};

interface Blobs {
  config: Uint8Array;
  layers: { tar: Uint8Array; blob: Uint8Array; compression: LayerCompression }[];
}

function blobsOf(image: BuiltImage): Blobs {
  const layers = image.layers.map((l) => {
    const tar = writeTar(l.entries);
    const compression = l.compression ?? "none";
    return { tar, blob: compress(tar, compression), compression };
  });
  const config = json({
    architecture: image.architecture ?? "amd64",
    os: image.os ?? "linux",
    ...(image.variant ? { variant: image.variant } : {}),
    config: image.config ?? {},
    rootfs: { type: "layers", diff_ids: layers.map((l) => sha256(l.tar)) },
    history: image.history ?? layers.map((_, i) => ({ created_by: `layer ${i}` })),
  });
  return { config, layers };
}

/** An OCI image layout at `dir`, one image per tag. */
export function writeLayout(dir: string, tags: Record<string, BuiltImage>): void {
  mkdirSync(join(dir, "blobs/sha256"), { recursive: true });
  const put = (b: Uint8Array) => {
    const digest = sha256(b);
    writeFileSync(join(dir, "blobs/sha256", digest.slice(7)), b);
    return { digest, size: b.length };
  };
  const manifests = Object.entries(tags).map(([tag, image]) => {
    const blobs = blobsOf(image);
    const manifest = json({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...put(blobs.config) },
      layers: blobs.layers.map((l) => ({ mediaType: OCI_TYPES[l.compression], ...put(l.blob) })),
    });
    return {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      ...put(manifest),
      annotations: { "org.opencontainers.image.ref.name": tag },
    };
  });
  writeFileSync(join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests }));
  writeFileSync(join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
}

/** A docker-archive (docker save's manifest.json form) at `file`; layers as <hex>/layer.tar. */
export function writeDockerArchive(file: string, image: BuiltImage, repoTag = "example.com/built:v1"): void {
  const blobs = blobsOf(image);
  const configName = `${sha256(blobs.config).slice(7)}.json`;
  const entries: TarWriteEntry[] = [{ name: configName, data: blobs.config }];
  const paths = blobs.layers.map((l, i) => {
    const dir = String(i).padStart(64, "0");
    entries.push({ name: dir, type: "dir" }, { name: `${dir}/layer.tar`, data: l.blob });
    return `${dir}/layer.tar`;
  });
  entries.push({ name: "manifest.json", data: json([{ Config: configName, RepoTags: [repoTag], Layers: paths }]) });
  writeFileSync(file, writeTar(entries));
}

const enc = new TextEncoder();

/** A regular file entry with text content. */
export const file = (name: string, text: string, more: Partial<TarWriteEntry> = {}): TarWriteEntry => ({
  name,
  data: enc.encode(text),
  mode: 0o644,
  ...more,
});
export const dir = (name: string, more: Partial<TarWriteEntry> = {}): TarWriteEntry => ({ name, type: "dir", mode: 0o755, ...more });
export const symlink = (name: string, linkname: string): TarWriteEntry => ({ name, type: "symlink", linkname, mode: 0o777 });
export const hardlink = (name: string, linkname: string): TarWriteEntry => ({ name, type: "hardlink", linkname, mode: 0o644 });
