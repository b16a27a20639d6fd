// Reading files of real eStargz layers (written by the reference library: estargz-oracle.ts)
// through their TOC: every regular file equals the tar's bytes; a file at the end of a big
// layer costs the footer, the TOC and its own chunks, nothing else; a second file reuses the
// TOC; a chunk that does not hash to its TOC digest is a DIGEST_MISMATCH naming the layer and
// the byte ranges, and the file is then read whole and verified; a TOC that does not match the
// manifest's annotation, or a layer without one, is never used.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import "../../src/node.js";
import { DigestMismatchError } from "../../src/errors.js";
import { LayerFS } from "../../src/fs/merge.js";
import { readThroughToc } from "../../src/fs/toc/chunk-read.js";
import { layerToc } from "../../src/fs/toc/layer-toc.js";
import { tocFile } from "../../src/fs/toc/toc-index.js";
import { chunksOf } from "../../src/fs/chunks.js";
import { GzipInflater } from "../../src/fs/inflate.js";
import type { ByteRange, Layer } from "../../src/oci/layer.js";
import { openImage } from "../../src/node/open.js";
import { resolveImage } from "../../src/sources/image.js";
import { oracleMissing } from "./estargz-oracle.js";
import { sha256, type TestLayer, testLayer, tocOffsetOf, writeEstargzLayout } from "./estargz-image.js";

const missing = oracleMissing();
if (missing && process.env.CI !== "true") console.warn(`tests/toc: the eStargz oracle is unavailable (${missing}); these tests skip`);

/** Changes a chunk of a ranged read (`at`: its offset in the range). */
type Tamper = (chunk: Uint8Array, range: ByteRange, at: number) => Uint8Array;

interface Open {
  range?: ByteRange;
  bytes: number;
}

/** The image's layers with every open recorded; `tamper` may change what a ranged open hands out. */
function recorded(layers: readonly Layer[], opens: Open[], tamper?: Tamper): Layer[] {
  return layers.map(
    (layer) =>
      new Proxy(layer, {
        get(target, key) {
          if (key !== "open") return Reflect.get(target, key, target) as unknown;
          return async (range?: ByteRange) => {
            const stream = await target.open(range);
            const record: Open = { range, bytes: 0 };
            opens.push(record);
            return (async function* () {
              for await (const chunk of chunksOf(stream)) {
                record.bytes += chunk.length;
                yield range && tamper ? tamper(chunk, range, record.bytes - chunk.length) : chunk;
              }
            })();
          };
        },
      }),
  );
}

describe.runIf(!missing || process.env.CI === "true")("eStargz layers read through their TOC", () => {
  const tmp = mkdtempSync(join(tmpdir(), "layerlens-estargz-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  let layer: TestLayer;
  beforeAll(() => {
    layer = testLayer();
    writeEstargzLayout(join(tmp, "good"), layer);
    writeEstargzLayout(join(tmp, "wrong-annotation"), layer, sha256(new TextEncoder().encode("not the TOC")));
    writeEstargzLayout(join(tmp, "no-annotation"), layer, null);
  }, 120_000);

  const mount = async (name: string, tamper?: Tamper) => {
    const source = await openImage(`oci:${join(tmp, name)}:latest`);
    const resolved = await resolveImage(source);
    const opens: Open[] = [];
    const layers = recorded(resolved.layers, opens, tamper);
    const fs = new LayerFS();
    const image = fs.image(name);
    await image.mountBatch(layers);
    opens.length = 0; // what the mount read is not what reading a file costs
    return { image, opens, layers, close: () => source.close?.() };
  };

  test("every regular file equals the tar's bytes, all read with ranged reads", async () => {
    const m = await mount("good");
    for (const [path, data] of layer.files) expect(sha256(await m.image.readFileBytes(path)), path).toBe(sha256(data));
    expect(m.opens.length).toBeGreaterThan(0);
    expect(m.opens.filter((o) => !o.range)).toEqual([]);
    await m.close();
  });

  test("a file at the end of a big layer reads the footer, the TOC and its own chunks only", async () => {
    const m = await mount("good");
    const { blob } = layer.esgz;
    const tocAt = tocOffsetOf(blob);
    expect(sha256(await m.image.readFileBytes("data/last"))).toBe(sha256(layer.files.get("data/last")!));
    const toc = (await layerToc(m.layers[0], "test"))!;
    const file = tocFile(toc, "data/last")!;
    expect(file.chunks.length).toBe(2); // 256 KiB chunks of a 300 kB file
    const fileRange = { start: file.chunks[0].offset, end: file.chunks[1].end };
    expect(m.opens.map((o) => o.range)).toEqual([
      { start: blob.length - 51, end: blob.length },
      { start: tocAt, end: blob.length - 51 },
      fileRange,
    ]);
    const read = m.opens.reduce((n, o) => n + o.bytes, 0);
    expect(read).toBe(51 + (blob.length - 51 - tocAt) + (fileRange.end - fileRange.start));
    expect(read * 20).toBeLessThan(blob.length);

    // A second file: the TOC is kept with the layer, so only the file's chunks are read.
    m.opens.length = 0;
    expect(sha256(await m.image.readFileBytes("data/f05"))).toBe(sha256(layer.files.get("data/f05")!));
    expect(m.opens.length).toBe(1);
    const f05 = tocFile(toc, "data/f05")!;
    expect(m.opens[0].range).toEqual({ start: f05.chunks[0].offset, end: f05.chunks[f05.chunks.length - 1].end });
    await m.close();
  });

  test("a chunk that does not match its digest is refused naming the layer and byte ranges, then the file is read whole", async () => {
    // One byte of the file's second chunk changed; the footer and the TOC are left alone.
    const tocAt = tocOffsetOf(layer.esgz.blob);
    let target = -1;
    const flip: Tamper = (chunk, range, at) => {
      if ((range.end ?? Infinity) > tocAt || target < range.start + at || target >= range.start + at + chunk.length) return chunk;
      const out = chunk.slice();
      out[target - range.start - at] ^= 0x55;
      return out;
    };
    const m = await mount("good", flip);
    const toc = (await layerToc(m.layers[0], "test"))!;
    const file = tocFile(toc, "data/last")!;
    target = (file.chunks[1].offset + file.chunks[1].end) >> 1;
    const digest = sha256(layer.esgz.blob);
    const codec = { phase: "gunzip" as const, open: (what: string) => new GzipInflater(undefined, { what }) };
    const direct = (async () => {
      for await (const piece of readThroughToc(m.layers[0], file, "data/last", `layer ${digest}`, codec)) void piece;
    })();
    await expect(direct).rejects.toThrow(DigestMismatchError);
    await expect(direct).rejects.toThrow(new RegExp(`layer ${digest}: "data/last" bytes \\d+-\\d+ \\(blob bytes \\d+-\\d+\\)`));
    await expect(direct).rejects.toMatchObject({ code: expect.stringMatching(/^(DIGEST_MISMATCH|COMPRESSION)$/) as unknown });

    m.opens.length = 0;
    expect(sha256(await m.image.readFileBytes("data/last"))).toBe(sha256(layer.files.get("data/last")!));
    expect(m.opens.some((o) => !o.range && o.bytes === layer.esgz.blob.length)).toBe(true);
    await m.close();
  });

  test("a TOC that does not match the annotation, or a layer without one, is not used", async () => {
    for (const name of ["wrong-annotation", "no-annotation"]) {
      const m = await mount(name);
      expect(await layerToc(m.layers[0], "test"), name).toBeNull();
      expect(sha256(await m.image.readFileBytes("data/last")), name).toBe(sha256(layer.files.get("data/last")!));
      expect(
        m.opens.some((o) => !o.range),
        name,
      ).toBe(true);
      await m.close();
    }
  });
});
