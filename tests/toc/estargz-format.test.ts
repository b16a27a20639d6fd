// The eStargz footer and TOC against the spec's rules and our bounds, on blobs built here (the
// real writer's output is covered by estargz-read.test.ts): every field of the 51-byte footer
// is checked; a TOC of the wrong shape, with chunks that leave gaps, overlap, overrun or go
// backwards, with offsets at or past the TOC, or without chunk digests is refused as
// TOC_FORMAT; a TOC that is a zip bomb stops at the cap (CAPACITY); a TOC that does not hash to
// the annotation is DIGEST_MISMATCH; later entries replace earlier ones of the same name.

import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import "../../src/node.js";
import { writeTar } from "../../src/fs/tar-write.js";
import { MAX_CHUNK_BYTES, MAX_TOC_COMPRESSED_BYTES, MAX_TOC_ENTRIES } from "../../src/fs/toc/bounds.js";
import { tocReadable } from "../../src/fs/toc/chunk-read.js";
import { ESTARGZ_FOOTER_BYTES, parseEstargzFooter } from "../../src/fs/toc/estargz-footer.js";
import { loadEstargzToc } from "../../src/fs/toc/estargz-load.js";
import { parseEstargzToc } from "../../src/fs/toc/estargz-toc.js";
import { TocFormatError } from "../../src/fs/toc/errors.js";
import { tocFile } from "../../src/fs/toc/toc-index.js";
import type { ByteRange, LayerLike } from "../../src/oci/layer.js";
import { sha256 } from "./estargz-image.js";

/** The footer as the spec draws it: an empty gzip member with the TOC offset in an SG Extra subfield. */
function footer(tocOffset: number): Uint8Array {
  const f = new Uint8Array(ESTARGZ_FOOTER_BYTES);
  f.set([0x1f, 0x8b, 8, 0x04, 0, 0, 0, 0, 0, 0xff, 26, 0, 0x53, 0x47, 22, 0]);
  f.set(new TextEncoder().encode(tocOffset.toString(16).padStart(16, "0") + "STARGZ"), 16);
  f.set([0x01, 0x00, 0x00, 0xff, 0xff], 38);
  return f;
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
};

/** A blob of one payload member, then a TOC member holding `json` (as `name`), then the footer. */
function blobWithToc(json: Uint8Array, name = "stargz.index.json"): { blob: Uint8Array; tocOffset: number } {
  const payload = new Uint8Array(gzipSync(writeTar([{ name: "x", data: new TextEncoder().encode("payload") }]).subarray(0, 1024)));
  const toc = new Uint8Array(gzipSync(writeTar([{ name, data: json }])));
  return { blob: concat(payload, toc, footer(payload.length)), tocOffset: payload.length };
}

function layerOf(blob: Uint8Array, size = blob.length): LayerLike {
  return {
    digest: sha256(blob),
    size,
    open: (range?: ByteRange) =>
      (async function* () {
        yield blob.subarray(range?.start ?? 0, range?.end ?? blob.length);
      })(),
  };
}

const D = (s: string) => sha256(new TextEncoder().encode(s));

describe("the eStargz footer", () => {
  test("gives the TOC offset; every other byte must be the spec's", () => {
    expect(parseEstargzFooter(footer(0x1234), 0x2000, "L")).toBe(0x1234);
    const cases: [string, (f: Uint8Array) => void][] = [
      ["magic", (f) => (f[1] = 0)],
      ["method", (f) => (f[2] = 7)],
      ["flags", (f) => (f[3] = 0x0c)],
      ["XLEN", (f) => (f[10] = 25)],
      ["SI1", (f) => (f[12] = 0x41)],
      ["LEN", (f) => (f[14] = 21)],
      ["hex", (f) => (f[20] = 0x67)],
      ["magic string", (f) => (f[37] = 0x59)],
      ["stored block", (f) => (f[38] = 0x03)],
      ["crc", (f) => (f[45] = 1)],
      ["isize", (f) => (f[50] = 1)],
    ];
    for (const [name, change] of cases) {
      const f = footer(0x1234);
      change(f);
      expect(() => parseEstargzFooter(f, 0x2000, "layer sha256:ab"), name).toThrow(TocFormatError);
    }
    expect(() => parseEstargzFooter(footer(0x1234).subarray(1), 0x2000, "L")).toThrow(/no eStargz footer/);
    // An offset at or past the footer is outside the blob's payload.
    expect(() => parseEstargzFooter(footer(0x2000 - 51), 0x2000, "L")).toThrow(/outside the blob/);
    expect(() => parseEstargzFooter(footer(0x1234), 0x2000, "layer sha256:ab")).not.toThrow();
  });
});

const reg = (name: string, size: number, offset: number, more: Record<string, unknown> = {}) => ({
  name,
  type: "reg",
  size,
  offset,
  chunkDigest: D(name),
  ...more,
});

describe("the eStargz TOC", () => {
  test("maps files to chunks with their members' ends, hard links to their targets, later entries winning", () => {
    const toc = parseEstargzToc(
      {
        version: 1,
        entries: [
          { name: "./etc/", type: "dir" },
          reg("./etc/a", 10, 100),
          reg("etc/b", 300, 200, { chunkSize: 100 }),
          { name: "etc/b", type: "chunk", offset: 300, chunkOffset: 100, chunkSize: 100, chunkDigest: D("b2") },
          { type: "chunk", offset: 400, chunkOffset: 200, chunkDigest: D("b3") },
          { name: "etc/link", type: "hardlink", linkName: "./etc/a" },
          { name: "etc/empty", type: "reg", size: 0 },
          reg("etc/gone", 5, 500),
          { name: "etc/gone", type: "symlink", linkName: "a" },
          reg("etc/a", 20, 600),
        ],
      },
      1000,
      "sha256:layer",
      "L",
    );
    expect(tocFile(toc, "etc/a")).toEqual({
      size: 20,
      chunks: [{ offset: 600, end: 1000, innerOffset: 0, fileOffset: 0, size: 20, digest: D("etc/a") }],
    });
    expect(tocFile(toc, "etc/link")).toBe(tocFile(toc, "etc/a"));
    expect(tocFile(toc, "etc/b")!.chunks.map((c) => [c.offset, c.end, c.fileOffset, c.size])).toEqual([
      [200, 300, 0, 100],
      [300, 400, 100, 100],
      [400, 500, 200, 100], // ends where etc/gone's member starts
    ]);
    expect(tocFile(toc, "etc/empty")).toEqual({ size: 0, chunks: [] });
    expect(tocFile(toc, "etc/gone")).toBeUndefined();
    expect(toc.entries).toBe(10);
  });

  test("refuses what breaks the spec or the bounds, naming the entry", () => {
    const bad: [string, unknown, RegExp][] = [
      ["not an object", [], /not a JSON object/],
      ["version", { version: 2, entries: [] }, /version is 2/],
      ["entries", { version: 1, entries: {} }, /entries is not an array/],
      ["too many", { version: 1, entries: new Array(MAX_TOC_ENTRIES + 1) }, /entry limit/],
      ["type", { version: 1, entries: [{ name: "a", type: "sock" }] }, /entries\[0\]\.type/],
      ["name", { version: 1, entries: [{ type: "reg", size: 0 }] }, /entries\[0\]\.name is not a string/],
      ["negative", { version: 1, entries: [reg("a", -1, 10)] }, /entries\[0\]\.size is -1/],
      ["fraction", { version: 1, entries: [reg("a", 10, 1.5)] }, /entries\[0\]\.offset is 1.5/],
      ["past the TOC", { version: 1, entries: [reg("a", 10, 1000)] }, /at or past the TOC/],
      ["no digest", { version: 1, entries: [reg("a", 10, 10, { chunkDigest: "md5:00" })] }, /no valid chunkDigest/],
      ["first chunk not at 0", { version: 1, entries: [reg("a", 10, 10, { chunkOffset: 5 })] }, /at file byte 5, not 0/],
      ["overrun", { version: 1, entries: [reg("a", 10, 10, { chunkSize: 11 })] }, /runs past its size/],
      ["stops short", { version: 1, entries: [reg("a", 10, 10, { chunkSize: 5 })] }, /stop at byte 5 of 10/],
      [
        "gap",
        { version: 1, entries: [reg("a", 10, 10, { chunkSize: 5 }), { type: "chunk", offset: 20, chunkOffset: 6, chunkDigest: D("x") }] },
        /at file byte 6, expected 5/,
      ],
      [
        "backwards",
        { version: 1, entries: [reg("a", 10, 50, { chunkSize: 5 }), { type: "chunk", offset: 20, chunkOffset: 5, chunkDigest: D("x") }] },
        /goes back in the blob/,
      ],
      [
        "interleaved",
        { version: 1, entries: [reg("a", 10, 10, { chunkSize: 5 }), { name: "b", type: "dir" }] },
        /chunks of "a" stop at byte 5 of 10/,
      ],
      [
        "orphan chunk",
        { version: 1, entries: [{ type: "chunk", offset: 20, chunkOffset: 0, chunkSize: 1, chunkDigest: D("x") }] },
        /no regular file/,
      ],
      [
        "chunk of another file",
        {
          version: 1,
          entries: [reg("a", 10, 10, { chunkSize: 5 }), { name: "b", type: "chunk", offset: 20, chunkOffset: 5, chunkDigest: D("x") }],
        },
        /chunk of "b" inside "a"/,
      ],
      ["long name", { version: 1, entries: [{ name: "a".repeat(5000), type: "dir" }] }, /over 4096 bytes/],
    ];
    for (const [name, doc, why] of bad) {
      let caught: unknown;
      try {
        parseEstargzToc(doc, 1000, "sha256:layer", "layer sha256:layer");
      } catch (e) {
        caught = e;
      }
      expect(caught, name).toBeInstanceOf(TocFormatError);
      expect((caught as TocFormatError).code, name).toBe("TOC_FORMAT");
      expect((caught as Error).message, name).toMatch(why);
      expect((caught as Error).message, name).toMatch(/^layer sha256:layer: eStargz TOC: /);
    }
  });

  test("a chunk larger than the bounds is left to a read without the TOC", () => {
    const big = parseEstargzToc({ version: 1, entries: [reg("a", MAX_CHUNK_BYTES + 1, 10)] }, 1000, "sha256:layer", "L");
    expect(tocReadable(tocFile(big, "a")!)).toBe(false);
    const fine = parseEstargzToc({ version: 1, entries: [reg("a", MAX_CHUNK_BYTES, 10)] }, 1000, "sha256:layer", "L");
    expect(tocReadable(tocFile(fine, "a")!)).toBe(true);
  });
});

describe("loading a TOC", () => {
  const json = new TextEncoder().encode(JSON.stringify({ version: 1, entries: [{ name: "x", type: "reg", size: 0 }] }));

  test("the TOC's JSON must hash to the annotation before anything in it is used", async () => {
    const { blob, tocOffset } = blobWithToc(json);
    const toc = await loadEstargzToc(layerOf(blob), blob.length, sha256(json), "layer L");
    expect(tocFile(toc, "x")).toEqual({ size: 0, chunks: [] });
    const wrong = loadEstargzToc(layerOf(blob), blob.length, D("other"), "layer L");
    await expect(wrong).rejects.toMatchObject({ code: "DIGEST_MISMATCH" });
    await expect(wrong).rejects.toThrow(
      new RegExp(
        `layer L: eStargz TOC at bytes ${tocOffset}-${blob.length - 51} \\(the containerd.io/snapshot/stargz/toc.digest annotation\\)`,
      ),
    );
  });

  test("the TOC member must hold stargz.index.json, and only it", async () => {
    const { blob } = blobWithToc(json, "other.json");
    await expect(loadEstargzToc(layerOf(blob), blob.length, sha256(json), "L")).rejects.toThrow(
      /holds "other.json", not stargz.index.json/,
    );
  });

  test("a TOC that inflates past the cap stops there; one too big compressed is not read", async () => {
    const bomb = blobWithToc(new Uint8Array(70 << 20));
    expect(bomb.blob.length).toBeLessThan(200_000);
    await expect(loadEstargzToc(layerOf(bomb.blob), bomb.blob.length, D("x"), "L")).rejects.toMatchObject({ code: "CAPACITY" });

    // A blob claimed bigger than the TOC cap, whose footer points at its start: only the footer is read.
    const size = MAX_TOC_COMPRESSED_BYTES + 1000;
    const ranges: ByteRange[] = [];
    const claimed: LayerLike = {
      digest: D("big"),
      size,
      open: (range?: ByteRange) => {
        ranges.push(range!);
        return (async function* () {
          yield footer(0);
        })();
      },
    };
    await expect(loadEstargzToc(claimed, size, D("x"), "L")).rejects.toThrow(/compressed bytes, over the \d+-byte limit/);
    expect(ranges).toEqual([{ start: size - 51, end: size }]);
  });

  test("a blob too short for a footer, or a source that hands out the wrong length, is refused", async () => {
    await expect(loadEstargzToc(layerOf(new Uint8Array(40)), 40, D("x"), "L")).rejects.toBeInstanceOf(TocFormatError);
    const { blob } = blobWithToc(json);
    // The descriptor says one byte more than the source has: the footer read comes back short.
    await expect(loadEstargzToc(layerOf(blob, blob.length + 1), blob.length + 1, sha256(json), "L")).rejects.toMatchObject({
      code: "SIZE_MISMATCH",
    });
  });
});
