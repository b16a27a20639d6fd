// Write the sample image (src/sample.ts) as an OCI layout under the user's cache directory,
// once per content: the folder name carries the manifest digest, so a changed generator
// writes a new folder and a present folder is reused (inspect verifies it anyway).

import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type SampleImage, buildSampleImage } from "../sample.js";

/** The cache root: $LAYERLENS_CACHE, else $XDG_CACHE_HOME/layerlens, else ~/.cache/layerlens. */
export function cacheRoot(): string {
  const env = process.env;
  if (env.LAYERLENS_CACHE) return env.LAYERLENS_CACHE;
  const base = env.XDG_CACHE_HOME || (homedir() ? join(homedir(), ".cache") : tmpdir());
  return join(base, "layerlens");
}

/** Write the sample layout (built here unless given) into `dir` (created; files overwritten). */
export async function writeSampleLayout(dir: string, image: SampleImage = buildSampleImage()): Promise<string> {
  const { files } = image;
  for (const [path, bytes] of files) {
    const full = join(dir, ...path.split("/"));
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, bytes);
  }
  return dir;
}

/** The sample layout's directory, written on first use. */
export async function ensureSampleImage(root = cacheRoot()): Promise<string> {
  const image = buildSampleImage();
  const dir = join(root, `sample-${image.manifestDigest.slice(7, 19)}`);
  if (await stat(join(dir, "index.json")).catch(() => undefined)) return dir;
  // Write to a temporary sibling, then rename: a half-written layout is never left in place.
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await writeSampleLayout(tmp, image);
  await rename(tmp, dir).catch(async (err) => {
    await rm(tmp, { recursive: true, force: true });
    if (!(await stat(join(dir, "index.json")).catch(() => undefined))) throw err;
  });
  return dir;
}
