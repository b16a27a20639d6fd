// eStargz through a real docker-registry (behind the recording proxy): after the mount, a
// file at the end of the layer costs three Range requests (the footer, the TOC, the file's
// chunks) and equals the tar's bytes; a registry that corrupts the chunks' ranged answer is
// refused and the file is read with whole, verified GETs; a corrupted footer means no TOC, and
// the same whole read.

import { beforeAll, describe, expect, test } from "vitest";
import "../../src/node.js";
import { LayerFS } from "../../src/fs/merge.js";
import { layerToc } from "../../src/fs/toc/layer-toc.js";
import { tocFile } from "../../src/fs/toc/toc-index.js";
import { openImage } from "../../src/node/open.js";
import { resolveImage } from "../../src/sources/image.js";
import { useProxiedRegistry } from "../registry/harness/proxied-registry.js";
import { pushBlob, pushManifest } from "../registry/harness/push.js";
import { canRun } from "../registry/harness/tools.js";
import { oracleMissing } from "./estargz-oracle.js";
import { imageBlobs, sha256, type TestLayer, testLayer, tocOffsetOf } from "./estargz-image.js";

const missing = oracleMissing();
if (missing && process.env.CI !== "true") console.warn(`tests/toc: the eStargz oracle is unavailable (${missing}); these tests skip`);
const REPO = "toc/estargz";

describe.runIf(canRun("eStargz through a registry") && (!missing || process.env.CI === "true"))("eStargz through a registry", () => {
  const env = useProxiedRegistry();
  let layer: TestLayer;
  const image = () => `docker://${env.proxy.host}/${REPO}:latest`;
  const layerGets = () => env.proxy.seen.filter((r) => r.method === "GET" && r.path.endsWith(`/blobs/${sha256(layer.esgz.blob)}`));
  const same = (got: Uint8Array) => sha256(got) === sha256(layer.files.get("data/last")!);

  beforeAll(async () => {
    layer = testLayer();
    const { blob, config, manifest } = imageBlobs(layer);
    for (const b of [blob, config]) await pushBlob(env.reg.url, REPO, b);
    await pushManifest(env.reg.url, REPO, "latest", manifest, "application/vnd.oci.image.manifest.v1+json");
  }, 120_000);

  const mounted = async () => {
    const source = await openImage(image());
    const fs = new LayerFS();
    await fs.mountBatch((await resolveImage(source)).layers);
    return { source, fs };
  };

  test("a late file costs three Range requests: footer, TOC, its chunks", async () => {
    const { source, fs } = await mounted();
    try {
      env.proxy.reset();
      expect(same(await fs.image().readFileBytes("data/last"))).toBe(true);
      const { blob } = layer.esgz;
      const tocAt = tocOffsetOf(blob);
      const file = tocFile((await layerToc(fs.layers[0].layer, "test"))!, "data/last")!;
      expect(layerGets().map((g) => g.headers.range)).toEqual([
        `bytes=${blob.length - 51}-${blob.length - 1}`,
        `bytes=${tocAt}-${blob.length - 52}`,
        `bytes=${file.chunks[0].offset}-${file.chunks[file.chunks.length - 1].end - 1}`,
      ]);
    } finally {
      await source.close?.();
    }
  });

  test("corrupted chunks are refused and the file is read whole; so is a file whose footer was corrupted", async () => {
    const { source, fs } = await mounted();
    try {
      expect(await fs.image().readFileBytes("data/small")).toEqual(new TextEncoder().encode("small file\n")); // loads the TOC
      env.proxy.reset();
      env.proxy.add({ method: "GET", path: /\/blobs\/sha256:/, action: { kind: "corrupt-byte" } });
      expect(same(await fs.image().readFileBytes("data/last"))).toBe(true);
      const gets = layerGets();
      expect(gets[0].fault).toBe("corrupt-byte");
      expect(gets[0].headers.range).toBeDefined();
      // Whole GETs: the verified pass that records the span digests, then (or with it) the file's bytes.
      expect(gets.filter((g) => g.headers.range === undefined).length).toBeGreaterThanOrEqual(1);
    } finally {
      await source.close?.();
    }
    const again = await mounted();
    try {
      env.proxy.reset();
      env.proxy.add({ method: "GET", path: /\/blobs\/sha256:/, action: { kind: "corrupt-byte" } });
      expect(same(await again.fs.image().readFileBytes("data/last"))).toBe(true);
      expect(await layerToc(again.fs.layers[0].layer, "test")).toBeNull();
      const gets = layerGets();
      expect(gets[0].headers.range).toBe(`bytes=${layer.esgz.blob.length - 51}-${layer.esgz.blob.length - 1}`);
      expect(gets.slice(1).every((g) => g.headers.range === undefined)).toBe(true);
    } finally {
      await again.source.close?.();
    }
  });
});
