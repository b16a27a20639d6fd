// LayerFS suite: inspecting, walking and reading one mounted image.
//
// Rows, all on one image built from the machine's own files (bench/layerfs/image.mjs):
//   inspect   full inspect = verify both digests + decompress + parse tar + merge, by
//             LayerFS.mountBatch (fresh process), against `umoci unpack` and
//             `skopeo copy oci:… dir:…` (whole processes, /usr/bin/time for peak RSS), and
//             the in-process gunzip + sha256 bound (the floor any verifying reader pays).
//   walk      tar header walking over one uncompressed layer in memory: layerlens's
//             TarReader vs tar-stream, modern-tar, nanotar and a bare header walker.
//   cat       one file out of the first and the last layer (mount included, then the read).
// Targets: inspect >= 2x umoci unpack and >= 0.7x the gunzip+sha256 bound.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runChild } from "../lib/child.mjs";
import { benchImage } from "../layerfs/image.mjs";

export const title = "LayerFS: full inspect, tar walking, cat";

const here = path.dirname(fileURLToPath(import.meta.url));
const worker = path.join(here, "..", "layerfs", "worker.mjs");

function timed(cmd, args) {
  const r = spawnSync("/usr/bin/time", ["-f", "%e %M", cmd, ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr.slice(-2000)}`);
  const [secs, kb] = r.stderr.trim().split("\n").pop().split(" ").map(Number);
  return { ms: secs * 1000, rssMB: Math.round(kb / 1024) };
}

export async function run(ctx) {
  const img = await benchImage({ quick: ctx.quick, log: ctx.log });
  const compressed = img.layers.reduce((n, l) => n + l.size, 0);
  const base = { distEntry: ctx.distEntry, layout: img.layout, tag: img.tag };
  const rows = [];
  const runs = ctx.quick ? 1 : 3;
  const best = (list) => list.sort((a, b) => a.ms - b.ms)[0];

  ctx.log("layerfs: inspect rows");
  const inspect = {};
  const par = [];
  for (let i = 0; i < runs; i++) par.push(await runChild(worker, { ...base, mode: "mount", concurrency: 2 }, { label: "layerfs mount" }));
  inspect.layerlens = best(par);
  const seq = [];
  for (let i = 0; i < runs; i++)
    seq.push(await runChild(worker, { ...base, mode: "mount", concurrency: 1 }, { label: "layerfs mount c1" }));
  inspect["layerlens (one layer at a time)"] = best(seq);
  const bound = [];
  for (let i = 0; i < runs; i++) bound.push(await runChild(worker, { ...base, mode: "bound" }, { label: "layerfs bound" }));
  inspect["gunzip + sha256 bound (in-process)"] = best(bound);
  const umoci = [];
  const skopeo = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(path.join(ctx.tmpDir, "unpack-"));
    umoci.push(timed("umoci", ["unpack", "--image", `${img.layout}:${img.tag}`, path.join(dir, "bundle")]));
    rmSync(dir, { recursive: true, force: true });
    const d2 = mkdtempSync(path.join(ctx.tmpDir, "copy-"));
    skopeo.push(timed("skopeo", ["copy", "-q", `oci:${img.layout}:${img.tag}`, `dir:${path.join(d2, "dir")}`]));
    rmSync(d2, { recursive: true, force: true });
  }
  inspect["umoci unpack"] = best(umoci);
  inspect["skopeo copy oci: dir:"] = best(skopeo);
  for (const [who, r] of Object.entries(inspect)) rows.push({ row: "inspect", who, ...r, compressedBytes: compressed });

  ctx.log("layerfs: walk rows");
  const walkLayer = 0;
  const walk = {};
  for (const lib of ["bare", "layerlens", "tar-stream", "modern-tar", "nanotar"]) {
    const r = [];
    for (let i = 0; i < runs; i++)
      r.push(await runChild(worker, { ...base, mode: "walk", lib, layer: walkLayer }, { label: `walk ${lib}` }));
    walk[lib] = best(r);
    rows.push({ row: "walk", who: lib, ...walk[lib] });
  }
  const counts = new Set(Object.values(walk).map((w) => w.entries));
  const failures =
    counts.size === 1
      ? []
      : [
          `tar walkers disagree on the entry count: ${JSON.stringify(Object.fromEntries(Object.entries(walk).map(([k, v]) => [k, v.entries])))}`,
        ];

  ctx.log("layerfs: cat rows");
  const cat = {};
  for (const [label, p] of [
    ["first layer", ctx.quick ? "usr/share/doc/gzip/copyright" : "usr/share/common-licenses/GPL-3"],
    ["last layer", ctx.quick ? "usr/share/doc/README.bench" : "usr/share/bench-rewritten-7.txt"],
  ]) {
    try {
      cat[label] = await runChild(worker, { ...base, mode: "cat", path: p }, { label: `cat ${label}` });
      rows.push({ row: "cat", who: label, path: p, ...cat[label] });
    } catch (e) {
      failures.push(`cat ${p}: ${e.message.split("\n")[0]}`);
    }
  }

  const s = (ms) => (ms / 1000).toFixed(2) + " s";
  const mbps = (ms) => (compressed / 2 ** 20 / (ms / 1000)).toFixed(0);
  const ll = inspect.layerlens;
  let md = `Image: ${img.layers.length} gzip layers, ${(compressed / 2 ** 20).toFixed(0)} MiB compressed, ${ll.entries ?? "?"} tar entries, ${ll.files} files visible in the merged view (built from this machine's /usr; the last layer whites out usr/share/{man,locale} and makes usr/share/doc opaque).\n\n`;
  md += "| full inspect (verify + gunzip + tar + merge) | time | MiB/s (compressed) | peak RSS |\n|---|---|---|---|\n";
  for (const [who, r] of Object.entries(inspect)) md += `| ${who} | ${s(r.ms)} | ${mbps(r.ms)} | ${r.rssMB} MiB |\n`;
  md += `\nlayerlens vs umoci unpack: **${(inspect["umoci unpack"].ms / ll.ms).toFixed(2)}x** faster (target 2x); vs the in-process gunzip+sha256 bound: **${(inspect["gunzip + sha256 bound (in-process)"].ms / ll.ms).toFixed(2)}x** of its speed (target 0.7x; mountBatch inflates two layers at once on libuv's threads, which can put it above 1 on an idle machine). Path table: ${ll.tableMB} MiB. skopeo's copy to dir: verifies and copies the blobs without decompressing them.\n\n`;
  md += `| tar walk (layer ${walkLayer}, ${walk.bare.tarMB} MiB, ${walk.bare.entries} entries, in memory) | warm (best of 5) | MiB/s | cold (1st pass) | MiB/s |\n|---|---|---|---|---|\n`;
  for (const [who, r] of Object.entries(walk))
    md += `| ${who} | ${r.ms.toFixed(0)} ms | ${r.mbPerS} | ${r.coldMs.toFixed(0)} ms | ${r.coldMbPerS} |\n`;
  md += `\n| cat | mount | read | bytes |\n|---|---|---|---|\n`;
  for (const [who, r] of Object.entries(cat)) md += `| ${who} | ${s(r.mountMs)} | ${r.ms.toFixed(0)} ms | ${r.bytes} |\n`;
  return { rows, markdown: md, failures };
}
