// `layerlens cat` of a file at the end of a real eStargz layer (estargz-oracle.ts), with
// --stats: the bytes are the tar's, and after the mount's one pass over the blob the file
// costs exactly the footer, the TOC and its own chunks, counted as reading like any other
// read; without the TOC annotation the same file costs a read of the layer from its nearest
// checkpoint. Runs the built CLI (npm run tsbuild first).

import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Stats } from "../../src/report/stats.js";
import { runOnPipes } from "../cli/helpers.js";
import { oracleMissing } from "./estargz-oracle.js";
import { type TestLayer, testLayer, tocOffsetOf, writeEstargzLayout } from "./estargz-image.js";
import { parseEstargzToc } from "../../src/fs/toc/estargz-toc.js";
import { tocFile } from "../../src/fs/toc/toc-index.js";

const missing = oracleMissing();
if (missing && process.env.CI !== "true") console.warn(`tests/toc: the eStargz oracle is unavailable (${missing}); these tests skip`);

const phase = (s: Stats, name: string) => s.phases.find((p) => p.phase === name)!;
const hex = (s: string) => createHash("sha256").update(s, "latin1").digest("hex");

describe.runIf(!missing || process.env.CI === "true")("cat through an eStargz TOC", () => {
  const tmp = mkdtempSync(join(tmpdir(), "layerlens-estargz-cli-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  let layer: TestLayer;
  beforeAll(() => {
    layer = testLayer();
    writeEstargzLayout(join(tmp, "toc"), layer);
    writeEstargzLayout(join(tmp, "plain"), layer, null);
  }, 120_000);

  test("reads the footer, the TOC and the file's chunks after the mount, and --stats counts them", async () => {
    const { blob } = layer.esgz;
    const cat = await runOnPipes(["cat", `oci:${join(tmp, "toc")}:latest`, "data/last", "--stats=json"]);
    expect(cat.code, cat.stderr).toBe(0);
    expect(hex(cat.stdout)).toBe(createHash("sha256").update(layer.files.get("data/last")!).digest("hex"));
    const stats = (JSON.parse(cat.stderr) as { stats: Stats }).stats;
    // The TOC as the reference writer wrote it, parsed here only to know the file's byte range.
    const tocAt = tocOffsetOf(blob);
    const json = tocJsonOf(blob, tocAt);
    const file = tocFile(parseEstargzToc(JSON.parse(json) as unknown, tocAt, "", ""), "data/last")!;
    const fileBytes = file.chunks[file.chunks.length - 1].end - file.chunks[0].offset;
    expect(phase(stats, "reading").bytes).toBe(blob.length + 51 + (blob.length - 51 - tocAt) + fileBytes);
    expect(phase(stats, "writing").bytes).toBe(300_000);

    const plain = await runOnPipes(["cat", `oci:${join(tmp, "plain")}:latest`, "data/last", "--stats=json"]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toBe(cat.stdout);
    const plainStats = (JSON.parse(plain.stderr) as { stats: Stats }).stats;
    expect(phase(plainStats, "reading").bytes - blob.length).toBeGreaterThan(fileBytes + (blob.length - tocAt));
  }, 120_000);
});

/** stargz.index.json's bytes out of the blob's TOC member (node:zlib and a fixed tar header: the test's own reading). */
function tocJsonOf(blob: Uint8Array, tocAt: number): string {
  const tar = gunzipSync(blob.subarray(tocAt, blob.length - 51));
  const size = parseInt(tar.subarray(124, 136).toString("latin1").replace(/\0.*$/, "").trim(), 8);
  return tar.subarray(512, 512 + size).toString("utf8");
}
