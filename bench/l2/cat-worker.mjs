// One process of the l2 suite's cat rows: mount one gzip layer of `spec` (recording its
// checkpoint index and its span digests in the same verified pass), find the regular file of at
// most `maxFileBytes` stored last in it (a small file near the end: what is timed is getting
// there, not the file's own bytes), then read that file `passes` times each way, interleaved:
//   "index"    readFile as layerlens does it: from the nearest checkpoint, a ranged read of the
//              blob (positional reads of the layout's file, or an HTTP Range request), every
//              compressed segment checked against the verified pass's digests;
//   "no index" the same LayerFS with the index taken away: the layer decompressed from its
//              start up to the file, the bytes checked against the span digests.
// Both reads must give the same bytes (sha256), or the process fails.
import { createHash } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { childArgs, reportResult } from "../lib/child.mjs";

const args = childArgs();
const dist = (p) => import(pathToFileURL(path.join(args.distDir, p)).href);
const { init } = await dist("node.js");
const { openImage } = await dist("node/open.js");
const { resolveImage } = await dist("sources/image.js");
const { LayerFS } = await dist("fs/merge.js");
await init();

const source = await openImage(args.spec);
try {
  const image = await resolveImage(source);
  const layer = image.layers[args.layer];
  const fs = new LayerFS({ recordIndex: true, spanDigests: "mount" });
  const mountStarted = performance.now();
  await fs.mountBatch([layer]);
  const mountMs = performance.now() - mountStarted;
  const rec = fs.layers[0];
  const index = rec.checkpoints;
  if (!index) throw new Error(`layer ${args.layer} has no checkpoint index (is it gzip?)`);
  let last = null;
  for (const s of fs.walk()) {
    if (s.type !== "file" || s.size === 0 || s.size > args.maxFileBytes) continue;
    const at = fs.image().locate(s.path);
    if (!last || at.offset > last.offset) last = { path: s.path, offset: at.offset, size: s.size };
  }
  const read = async () => {
    const started = performance.now();
    const bytes = await fs.image().readFileBytes(last.path);
    return { ms: performance.now() - started, sha: createHash("sha256").update(bytes).digest("hex") };
  };
  const withIndex = [];
  const withoutIndex = [];
  const shas = new Set();
  for (let p = 0; p < args.passes; p++) {
    rec.checkpoints = index;
    const a = await read();
    rec.checkpoints = undefined;
    const b = await read();
    withIndex.push(a.ms);
    withoutIndex.push(b.ms);
    shas.add(a.sha).add(b.sha);
  }
  if (shas.size !== 1) throw new Error(`the two reads of ${last.path} gave different bytes`);
  reportResult({
    path: last.path,
    offset: last.offset,
    fileBytes: last.size,
    tarBytes: rec.uncompressedBytes,
    compressedBytes: rec.compressedBytes,
    checkpoints: index.checkpoints.length,
    mountMs,
    withIndexMs: withIndex,
    withoutIndexMs: withoutIndex,
  });
} finally {
  await source.close?.();
}
