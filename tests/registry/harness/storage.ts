// Writes a manifest straight into a filesystem-backed registry's storage, in distribution's
// own layout, for content the registry's API would refuse to accept (it caps manifest PUTs at
// 4 MiB) but may still have to serve. Layout: registry/storage/paths.go in distribution 2.8.

import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export function storeManifest(dataDir: string, repo: string, tag: string, bytes: Uint8Array): string {
  const hex = createHash("sha256").update(bytes).digest("hex");
  const digest = `sha256:${hex}`;
  const v2 = path.join(dataDir, "docker", "registry", "v2");
  const write = (file: string, data: Uint8Array | string): void => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, data);
  };
  write(path.join(v2, "blobs", "sha256", hex.slice(0, 2), hex, "data"), bytes);
  const manifests = path.join(v2, "repositories", repo, "_manifests");
  write(path.join(manifests, "revisions", "sha256", hex, "link"), digest);
  write(path.join(manifests, "tags", tag, "current", "link"), digest);
  write(path.join(manifests, "tags", tag, "index", "sha256", hex, "link"), digest);
  return digest;
}
