// Ground truth for the inspector test, read from the shared fixtures (skopeo and umoci output):
// the manifest and config documents, the merged tree after `umoci unpack` (rootfs.tsv) and the
// whiteouts the layers carry (from `tar -tv` of each layer).

import { readFileSync, readdirSync } from "node:fs";
import { fixture } from "../conformance/fixtures-dir.js";

export interface RootfsEntry {
  path: string;
  type: string;
  size: number;
  sha256: string;
}

export function expectedJson<T = any>(...parts: string[]): T {
  return JSON.parse(readFileSync(fixture("expected", ...parts), "utf8")) as T;
}

/** rootfs.tsv: path type mode uid gid size mtime sha256 … (type f/d/l/…; "-" when n/a). */
export function rootfs(tag: string): Map<string, RootfsEntry> {
  const out = new Map<string, RootfsEntry>();
  for (const line of readFileSync(fixture("expected", tag, "rootfs.tsv"), "utf8").split("\n")) {
    if (!line) continue;
    const f = line.split("\t");
    out.set(f[0], { path: f[0], type: f[1], size: f[5] === "-" ? 0 : Number(f[5]), sha256: f[7] });
  }
  return out;
}

/** Paths named by a (non-opaque) whiteout in any layer of `tag`. */
export function whiteoutTargets(tag: string): string[] {
  const dir = fixture("expected", tag);
  const targets: string[] = [];
  for (const name of readdirSync(dir)
    .filter((n) => /^layer-\d+\.tar-tv\.txt$/.test(n))
    .sort()) {
    for (const line of readFileSync(`${dir}/${name}`, "utf8").split("\n")) {
      const path = line.split(/\s+/).pop() ?? "";
      const m = /^(.*?)\.wh\.([^/]+)$/.exec(path);
      if (m && m[2] !== ".wh..opq") targets.push(m[1] + m[2]);
    }
  }
  return targets;
}

/** Per layer of `tag`: bytes of its regular-file entries as `tar -tv` lists them (hard links are 0). */
export function layerFileBytes(tag: string): number[] {
  const dir = fixture("expected", tag);
  const names = readdirSync(dir).filter((n) => /^layer-\d+\.tar-tv\.txt$/.test(n));
  const byIndex = (n: string) => Number(/\d+/.exec(n)![0]);
  return names
    .sort((a, b) => byIndex(a) - byIndex(b))
    .map((name) =>
      readFileSync(`${dir}/${name}`, "utf8")
        .split("\n")
        .filter((line) => line.startsWith("-"))
        .reduce((sum, line) => sum + Number(line.split(/\s+/)[2]), 0),
    );
}
