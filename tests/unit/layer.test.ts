// The Layer model: resolveImage hands out Layers (descriptor, diff_id, open(range)) that a
// merged view mounts as they are; mountBatch takes a whole image (upTo, onLayer). Expected
// answers come from the fixtures' oracles: skopeo's raw manifest and config, umoci's rootfs.

import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { LayerFS } from "../../src/fs/merge.js";
import { init } from "../../src/node.js";
import { openImage } from "../../src/node/open.js";
import { resolveImage } from "../../src/sources/image.js";
import { fixture, skipFixtures } from "../conformance/fixtures-dir.js";
import { expectedRootfs } from "../fs/helpers/fixtures.js";
import { rowsOfImage } from "../fs/helpers/rootfs.js";

await init();

const expectedJson = (tag: string, file: string) => JSON.parse(readFileSync(fixture("expected", tag, file), "utf8"));

async function resolved(tag: string) {
  const source = await openImage(`oci:${fixture("layout")}:${tag}`);
  return { source, image: await resolveImage(source) };
}

describe.skipIf(skipFixtures())("Layer", () => {
  test("resolveImage's layers carry the manifest's descriptors and the config's diff_ids", async () => {
    const { source, image } = await resolved("latest");
    try {
      const manifest = expectedJson("latest", "manifest.json");
      const config = expectedJson("latest", "config.json");
      expect(image.layers.map((l) => l.descriptor)).toEqual(manifest.layers);
      expect(image.layers.map((l) => l.diffId)).toEqual(config.rootfs.diff_ids);
      for (const [i, l] of image.layers.entries()) {
        expect([l.digest, l.mediaType, l.size]).toEqual([manifest.layers[i].digest, manifest.layers[i].mediaType, manifest.layers[i].size]);
      }
    } finally {
      await source.close?.();
    }
  });

  test("open() gives the raw blob, open(range) a part of it", async () => {
    const { source, image } = await resolved("v2");
    try {
      const layer = image.layers[1];
      const blob = readFileSync(fixture("layout", "blobs", "sha256", layer.digest.slice(7)));
      const whole = new Uint8Array(await new Response(await layer.open()).arrayBuffer());
      expect(Buffer.compare(whole, blob)).toBe(0);
      const part = new Uint8Array(await new Response(await layer.open({ start: 10, end: 110 })).arrayBuffer());
      expect(Buffer.compare(part, blob.subarray(10, 110))).toBe(0);
    } finally {
      await source.close?.();
    }
  });

  test("image.layers mount as they are: the merged view equals umoci's rootfs", async () => {
    const { source, image } = await resolved("latest");
    try {
      const fs = new LayerFS({ hashFiles: true });
      const records = await fs.mountBatch(image.layers);
      expect(records.map((r) => r.diffId)).toEqual(image.layers.map((l) => l.diffId));
      expect(records.map((r) => r.layer)).toEqual(image.layers);
      expect(rowsOfImage(fs.image())).toEqual(expectedRootfs("latest"));
    } finally {
      await source.close?.();
    }
  });

  test("mountBatch upTo gives the view as of a layer; onLayer counts the layers read", async () => {
    const { source, image } = await resolved("latest");
    try {
      const fs = new LayerFS({ hashFiles: true });
      const progress: [number, number][] = [];
      await fs.image("as-of-1").mountBatch(image.layers, { upTo: 1, onLayer: (done, count) => progress.push([done, count]) });
      // latest's first two layers are v2's two layers.
      expect(rowsOfImage(fs.image("as-of-1"))).toEqual(expectedRootfs("v2"));
      expect(progress).toEqual([
        [1, 2],
        [2, 2],
      ]);
      await expect(fs.image("bad").mountBatch(image.layers, { upTo: -1 })).rejects.toBeInstanceOf(RangeError);
    } finally {
      await source.close?.();
    }
  });
});
