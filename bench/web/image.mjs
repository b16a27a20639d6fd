// The web suite's image: the layerfs suite's (bench/layerfs/image.mjs) with one more gzip layer
// on top, built from this machine's /usr/lib/x86_64-linux-gnu, so the archive passes 1 GB
// (what the inspector is asked to open in time). Kept between runs in the OS temp dir; the
// base layers' blobs are hard links to the layerfs suite's, so only the new layer is written.
// Quick mode: the layerfs quick image as it is.

import { existsSync, linkSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { addLayer, benchImage, writeImage } from "../layerfs/image.mjs";

const VERSION = 1;
const EXTRA = ["usr/lib/x86_64-linux-gnu", "usr/bin"];

/** Build (or reuse) the web suite's image; returns { layout, tag, layers } like benchImage. */
export async function webImage({ quick, log }) {
  const base = await benchImage({ quick, log });
  if (quick) return base;
  const dir = path.join(os.tmpdir(), `layerlens-bench-web-v${VERSION}`);
  const stamp = path.join(dir, "built.json");
  if (existsSync(stamp)) return JSON.parse(readFileSync(stamp, "utf8"));
  const blobs = path.join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  for (const l of base.layers) {
    const to = path.join(blobs, l.digest.slice(7));
    if (!existsSync(to)) linkSync(path.join(base.layout, "blobs", "sha256", l.digest.slice(7)), to);
  }
  const paths = EXTRA.filter((p) => existsSync(path.join("/", p)));
  log(`web: building one more layer from ${paths.join(" ")}`);
  const layers = [...base.layers, await addLayer(dir, { paths })];
  writeImage(dir, layers, base.tag);
  const info = { layout: dir, tag: base.tag, layers };
  writeFileSync(stamp, JSON.stringify(info));
  return info;
}
