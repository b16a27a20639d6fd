// Build images in memory for the reader tests: start from the project's sample layout and
// rewrite one document, re-hashing and re-pointing everything above it, so each test breaks
// exactly one rule and the rest of the image stays valid.
import { createHash } from "node:crypto";
import { buildSampleImage } from "../../src/sample.js";
import { memoryStore } from "../../src/sources/file-store.js";
import { LayoutSource } from "../../src/sources/layout.js";

export const enc = new TextEncoder();
export const sha = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");
export const blobKey = (digest: string) => `blobs/sha256/${digest.slice(7)}`;

export interface Sample {
  files: Map<string, Uint8Array>;
  index: { schemaVersion: number; manifests: Record<string, unknown>[] } & Record<string, unknown>;
  manifest: Record<string, any>;
  config: Record<string, any>;
}

export function sample(): Sample {
  const { files } = buildSampleImage();
  const index = JSON.parse(new TextDecoder().decode(files.get("index.json")));
  const manifest = JSON.parse(new TextDecoder().decode(files.get(blobKey(index.manifests[0].digest))));
  const config = JSON.parse(new TextDecoder().decode(files.get(blobKey(manifest.config.digest))));
  return { files, index, manifest, config };
}

/** Store bytes as a blob; returns its descriptor fields. */
export function putBlob(files: Map<string, Uint8Array>, bytes: Uint8Array): { digest: string; size: number } {
  const digest = sha(bytes);
  files.set(blobKey(digest), bytes);
  return { digest, size: bytes.length };
}

/** Write `config` (object or raw bytes), point the manifest at it, then the index at that. */
export function withConfig(s: Sample, config: unknown): Sample {
  const bytes = config instanceof Uint8Array ? config : enc.encode(JSON.stringify(config));
  const d = putBlob(s.files, bytes);
  if (!(config instanceof Uint8Array)) s.config = config as Sample["config"];
  return withManifest(s, { ...s.manifest, config: { ...s.manifest.config, ...d } });
}

/** Write `manifest` (object or raw bytes) and point index.json's first entry at it. */
export function withManifest(s: Sample, manifest: unknown, mediaType?: string): Sample {
  const bytes = manifest instanceof Uint8Array ? manifest : enc.encode(JSON.stringify(manifest));
  const d = putBlob(s.files, bytes);
  if (!(manifest instanceof Uint8Array)) s.manifest = manifest as Sample["manifest"];
  const entry = { ...s.index.manifests[0], ...d, ...(mediaType ? { mediaType } : {}) };
  return withIndex(s, { ...s.index, manifests: [entry] });
}

export function withIndex(s: Sample, index: unknown): Sample {
  if (!(index instanceof Uint8Array)) s.index = index as Sample["index"];
  s.files.set("index.json", index instanceof Uint8Array ? index : enc.encode(JSON.stringify(index)));
  return s;
}

export function open(s: Sample, tag = "latest"): Promise<LayoutSource> {
  return LayoutSource.open(memoryStore(s.files, "mem"), tag);
}
