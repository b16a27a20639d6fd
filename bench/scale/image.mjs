// The scale suite's images, built once by build-image.py into a cached directory under the
// system temp dir (keyed by their parameters, reused by later runs) and checked by the
// presence of their index.json, which the builder writes last.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const builder = path.join(path.dirname(fileURLToPath(import.meta.url)), "build-image.py");

/** The OCI layout for { bytes, files, layers, entropy }: { layout, tag, spec, layers, seconds } (seconds: 0 when cached). */
export function scaleImage({ bytes, files, layers = 4, entropy = "mixed" }, log = () => {}) {
  const key = `${entropy}-${(bytes / 2 ** 30).toFixed(2)}g-${files}f-${layers}l`;
  const layout = path.join(process.env.LAYERLENS_BENCH_CACHE ?? path.join(os.tmpdir(), "layerlens-bench-scale"), key);
  let seconds = 0;
  if (!existsSync(path.join(layout, "index.json"))) {
    rmSync(layout, { recursive: true, force: true });
    log(`scale: building ${key} in ${layout} (python tarfile + gzip -1)`);
    const t = Date.now();
    const r = spawnSync(
      "python3",
      [builder, layout, "--bytes", String(bytes), "--files", String(files), "--layers", String(layers), "--entropy", entropy],
      { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
    );
    if (r.status !== 0) throw new Error(`build-image.py failed for ${key} (exit ${r.status})`);
    seconds = Math.round((Date.now() - t) / 1000);
  }
  const index = JSON.parse(readFileSync(path.join(layout, "index.json"), "utf8"));
  const manifest = JSON.parse(readFileSync(path.join(layout, "blobs", ...index.manifests[0].digest.split(":")), "utf8"));
  return { key, layout, tag: "scale", spec: `oci:${layout}:scale`, layers: manifest.layers, bytes, files, entropy, seconds };
}
