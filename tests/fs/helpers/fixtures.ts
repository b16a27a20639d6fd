// Reading ../shared/fixtures for the fs tests: where they are, whether to skip, and a tiny
// OCI-layout reader (index.json -> manifest -> config + layer blobs) so these tests do not
// depend on the image readers (src/sources).

import { createReadStream, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { LayerLike } from "../../../src/oci/layer.js";
import { FIXTURES, skipFixtures } from "../../helpers/fixtures.js";

export { FIXTURES, HAVE_FIXTURES } from "../../helpers/fixtures.js";
/** Skip when the fixtures are absent, except in CI, where their absence must fail. */
export const SKIP_FIXTURES = skipFixtures();

export interface FixtureImage {
  manifest: { layers: { digest: string; mediaType: string; size: number }[] };
  config: { rootfs: { diff_ids: string[] } };
  layers: LayerLike[];
}

function blobPath(layout: string, digest: string): string {
  const [alg, hex] = digest.split(":");
  return join(layout, "blobs", alg, hex);
}

/** The image tagged `tag` in the OCI layout `layout` (a dir under FIXTURES or absolute). */
export function fixtureImage(layout: string, tag: string): FixtureImage {
  const dir = resolve(FIXTURES, layout);
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
  let desc = index.manifests.find((m: any) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  if (!desc) throw new Error(`no tag ${tag} in ${dir}`);
  let manifest = JSON.parse(readFileSync(blobPath(dir, desc.digest), "utf8"));
  if (manifest.manifests) {
    // An index: take the first linux/amd64 (or the first) manifest.
    desc = manifest.manifests.find((m: any) => m.platform?.architecture === "amd64") ?? manifest.manifests[0];
    manifest = JSON.parse(readFileSync(blobPath(dir, desc.digest), "utf8"));
  }
  const config = JSON.parse(readFileSync(blobPath(dir, manifest.config.digest), "utf8"));
  const layers: LayerLike[] = manifest.layers.map((l: any, i: number) => ({
    digest: l.digest,
    mediaType: l.mediaType,
    size: l.size,
    diffId: config.rootfs.diff_ids[i],
    open: () => createReadStream(blobPath(dir, l.digest), { highWaterMark: 256 * 1024 }),
  }));
  return { manifest, config, layers };
}

export interface RootfsRow {
  path: string;
  type: string;
  mode: string;
  uid: string;
  gid: string;
  size: string;
  mtime: string;
  sha256: string;
  linkname: string;
  hardlink: string;
  xattrs: string;
  rdev: string;
}

export const ROW_FIELDS = [
  "path",
  "type",
  "mode",
  "uid",
  "gid",
  "size",
  "mtime",
  "sha256",
  "linkname",
  "hardlink",
  "xattrs",
  "rdev",
] as const;

export function parseRootfsTsv(text: string): RootfsRow[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const f = line.split("\t");
      const row: any = {};
      ROW_FIELDS.forEach((k, i) => (row[k] = f[i]));
      return row as RootfsRow;
    });
}

export function expectedRootfs(tag: string): RootfsRow[] {
  return parseRootfsTsv(readFileSync(join(FIXTURES, "expected", tag, "rootfs.tsv"), "utf8"));
}
