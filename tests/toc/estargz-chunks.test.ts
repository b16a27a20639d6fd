// Chunk boundaries: tars of files of seeded random sizes (empty, one byte, around the chunk size,
// several chunks) converted by the reference library at odd chunk sizes, every file read through
// the TOC and compared with the tar's bytes, each read checked to be one ranged read of the
// file's own members.

import { describe, expect, test } from "vitest";
import "../../src/node.js";
import { GzipInflater } from "../../src/fs/inflate.js";
import { writeTar } from "../../src/fs/tar-write.js";
import { readThroughToc } from "../../src/fs/toc/chunk-read.js";
import { loadEstargzToc } from "../../src/fs/toc/estargz-load.js";
import { tocFile } from "../../src/fs/toc/toc-index.js";
import type { ByteRange, LayerLike } from "../../src/oci/layer.js";
import { oracleMissing, toEstargz } from "./estargz-oracle.js";
import { sha256, words } from "./estargz-image.js";

const missing = oracleMissing();
if (missing && process.env.CI !== "true") console.warn(`tests/toc: the eStargz oracle is unavailable (${missing}); these tests skip`);

describe.runIf(!missing || process.env.CI === "true")("eStargz chunk boundaries", () => {
  for (const [seed, chunk] of [
    [1, 1000],
    [2, 4096],
    [3, 65_537],
  ]) {
    test(`chunks of ${chunk} bytes (seed ${seed})`, async () => {
      let x = seed * 7919;
      const next = () => (x = (x * 1103515245 + 12345) >>> 0);
      const sizes = [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk, ...Array.from({ length: 12 }, () => next() % (5 * chunk))];
      const files = sizes.map((size, i) => ({ name: `f/${i}`, data: words(seed * 100 + i, size) }));
      const tar = writeTar([{ name: "f/", type: "dir" }, ...files]);
      const { blob, tocDigest } = toEstargz(tar, chunk);
      const ranges: ByteRange[] = [];
      const layer: LayerLike = {
        digest: sha256(blob),
        size: blob.length,
        open: (range?: ByteRange) => {
          ranges.push(range!);
          return (async function* () {
            const part = blob.subarray(range?.start ?? 0, range?.end ?? blob.length);
            for (let i = 0; i < part.length; i += 3000) yield part.subarray(i, i + 3000); // pieces that cut members
          })();
        },
      };
      const toc = await loadEstargzToc(layer, blob.length, tocDigest, "L");
      const codec = { phase: "gunzip" as const, open: (what: string) => new GzipInflater(undefined, { what }) };
      for (const f of files) {
        const entry = tocFile(toc, f.name)!;
        expect(entry.size, f.name).toBe(f.data.length);
        if (f.data.length === 0) continue;
        expect(entry.chunks.length, f.name).toBe(Math.ceil(f.data.length / chunk));
        ranges.length = 0;
        const parts: Uint8Array[] = [];
        for await (const p of readThroughToc(layer, entry, f.name, "L", codec)) parts.push(p.slice());
        expect(sha256(Buffer.concat(parts)), f.name).toBe(sha256(f.data));
        expect(ranges, f.name).toEqual([{ start: entry.chunks[0].offset, end: entry.chunks[entry.chunks.length - 1].end }]);
      }
    }, 60_000);
  }
});
