// The zstd:chunked manifest against its rules and our bounds: the fixture's real manifest
// position and checksum are taken, a wrong checksum is DIGEST_MISMATCH before a byte is
// decoded, a position outside the blob or of another manifest type is TOC_FORMAT without a read,
// and manifests with gaps, frames past the data or missing digests are refused naming the entry.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import "../../src/node.js";
import { TocFormatError } from "../../src/fs/toc/errors.js";
import { tocFile } from "../../src/fs/toc/toc-index.js";
import { loadZstdChunkedToc, zstdChunkedAnnotations } from "../../src/fs/toc/zstd-chunked-load.js";
import { parseZstdChunkedToc } from "../../src/fs/toc/zstd-chunked-toc.js";
import type { ByteRange, LayerLike } from "../../src/oci/layer.js";
import { FIXTURES, skipFixtures } from "../helpers/fixtures.js";
import { sha256 } from "./estargz-image.js";

const D = (s: string) => sha256(new TextEncoder().encode(s));

describe.skipIf(skipFixtures())("the zstd:chunked fixture's manifest", () => {
  const layout = join(FIXTURES, "layout-zstd-chunked");
  const manifest = JSON.parse(readFileSync(join(FIXTURES, "expected/layout-zstd-chunked/manifest-or-index.json"), "utf8")) as {
    layers: { digest: string; size: number; annotations: Record<string, string> }[];
  };
  const first = manifest.layers[0];
  const blob = new Uint8Array(readFileSync(join(layout, "blobs/sha256", first.digest.slice(7))));
  const ranges: ByteRange[] = [];
  const layer: LayerLike = {
    digest: first.digest,
    size: blob.length,
    open: (range?: ByteRange) => {
      ranges.push(range!);
      return (async function* () {
        yield blob.subarray(range?.start ?? 0, range?.end ?? blob.length);
      })();
    },
  };

  test("is found from the annotations, verified and read with one ranged read", async () => {
    const a = zstdChunkedAnnotations(first.annotations)!;
    expect(a).toBeDefined();
    ranges.length = 0;
    const toc = await loadZstdChunkedToc(layer, blob.length, a, "L");
    expect(ranges.length).toBe(1);
    expect(toc.format).toBe("zstd:chunked");
    const busybox = tocFile(toc, "bin/busybox")!;
    expect(busybox.chunks.reduce((n, c) => n + c.size, 0)).toBe(busybox.size);
    const wrong = loadZstdChunkedToc(layer, blob.length, { ...a, checksum: D("x") }, "layer L");
    await expect(wrong).rejects.toMatchObject({ code: "DIGEST_MISMATCH" });
    await expect(wrong).rejects.toThrow(/layer L: zstd:chunked manifest at bytes \d+-\d+ \(the manifest-checksum annotation\)/);
    ranges.length = 0;
    for (const position of [`${blob.length - 10}:3408:16509:1`, "1062342:3408:16509:2", "a:b:c:d", `1062342:3408:${(64 << 20) + 1}:1`]) {
      await expect(loadZstdChunkedToc(layer, blob.length, { ...a, position }, "L"), position).rejects.toBeInstanceOf(TocFormatError);
    }
    expect(ranges).toEqual([]);
  });
});

describe("zstd:chunked manifests", () => {
  const reg = (name: string, size: number, offset: number, endOffset: number, more: Record<string, unknown> = {}) => ({
    type: "reg",
    name,
    size,
    offset,
    endOffset,
    digest: D(name),
    ...more,
  });

  test("an unchunked file is one chunk checked by the file's digest; chunks end where the next begins", () => {
    const toc = parseZstdChunkedToc(
      {
        version: 1,
        entries: [
          reg("a", 10, 100, 120),
          reg("b", 30, 200, 400, { chunkSize: 10, chunkDigest: D("b1") }),
          { type: "chunk", name: "b", offset: 250, chunkOffset: 10, chunkSize: 10, chunkDigest: D("b2"), chunkType: "zeros" },
          { type: "chunk", name: "b", offset: 300, chunkOffset: 20, chunkSize: 10, chunkDigest: D("b3") },
          { type: "hardlink", name: "c", linkName: "a" },
        ],
      },
      1000,
      "sha256:layer",
      "L",
    );
    expect(tocFile(toc, "a")!.chunks).toEqual([{ offset: 100, end: 120, innerOffset: 0, fileOffset: 0, size: 10, digest: D("a") }]);
    expect(tocFile(toc, "b")!.chunks.map((c) => [c.offset, c.end, c.digest])).toEqual([
      [200, 250, D("b1")],
      [250, 300, D("b2")],
      [300, 400, D("b3")],
    ]);
    expect(tocFile(toc, "c")).toBe(tocFile(toc, "a"));
  });

  test("refuses gaps, frames past the data, chunks going back, missing digests", () => {
    const bad: [string, unknown[], RegExp][] = [
      ["past the data", [reg("a", 10, 100, 2000)], /past the data/],
      ["no digest", [reg("a", 10, 100, 120, { digest: undefined })], /no valid chunkDigest/],
      [
        "chunked without chunk digest",
        [reg("a", 10, 100, 120, { chunkSize: 5 }), { type: "chunk", offset: 110, chunkOffset: 5 }],
        /entries\[0\].*no valid chunkDigest/,
      ],
      [
        "gap",
        [
          reg("a", 10, 100, 120, { chunkSize: 5, chunkDigest: D("1") }),
          { type: "chunk", offset: 110, chunkOffset: 6, chunkDigest: D("2") },
        ],
        /at file byte 6, expected 5/,
      ],
      [
        "backwards",
        [reg("a", 10, 100, 120, { chunkSize: 5, chunkDigest: D("1") }), { type: "chunk", offset: 90, chunkOffset: 5, chunkDigest: D("2") }],
        /goes back/,
      ],
      ["short", [reg("a", 10, 100, 120, { chunkSize: 5, chunkDigest: D("1") }), { type: "dir", name: "d" }], /stop at byte 5 of 10/],
      ["frame past the file's end", [reg("a", 10, 130, 120)], /past the file's end/],
    ];
    for (const [name, entries, why] of bad) {
      expect(() => parseZstdChunkedToc({ version: 1, entries }, 1000, "sha256:layer", "L"), name).toThrow(why);
      expect(() => parseZstdChunkedToc({ version: 1, entries }, 1000, "sha256:layer", "L"), name).toThrow(TocFormatError);
    }
  });
});
