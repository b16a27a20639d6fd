// One document cache per process (or page): a second look at the same image is answered from
// it, so no manifest, index or config is read from the source again. Counted at the source:
// every openBlob call for a document digest is a read.

import { describe, expect, test } from "vitest";
import { init } from "../../src/node.js";
import { openImage } from "../../src/node/open.js";
import { createDocumentCache, documentCache } from "../../src/sources/document-cache.js";
import { resolveImage } from "../../src/sources/image.js";
import type { ImageSource } from "../../src/sources/source.js";
import { inspectSource } from "../../web/src/inspect.js";
import { fixture, skipFixtures } from "../conformance/fixtures-dir.js";

await init();

/** `source` with every openBlob recorded by digest. */
function counting(source: ImageSource): { source: ImageSource; reads: string[] } {
  const reads: string[] = [];
  const wrapped: ImageSource = {
    name: source.name,
    root: () => source.root(),
    openBlob: (d, range) => {
      reads.push(d.digest);
      return source.openBlob(d, range);
    },
    close: () => source.close?.() ?? Promise.resolve(),
  };
  return { source: wrapped, reads };
}

describe.skipIf(skipFixtures())("the shared document cache", () => {
  test("a second resolve of the same image reads no document from the source", async () => {
    const cache = createDocumentCache();
    try {
      const { source, reads } = counting(await openImage(fixture("layout-multi")));
      const first = await resolveImage(source, { cache, platform: { os: "linux", architecture: "arm64" } });
      const documents = [first.root.digest, first.manifestDescriptor.digest, first.manifest.config.digest];
      expect(reads).toEqual(documents);
      reads.length = 0;
      const again = await resolveImage(source, { cache, platform: { os: "linux", architecture: "arm64" } });
      expect(reads).toEqual([]);
      expect(again.manifestDescriptor).toEqual(first.manifestDescriptor);
      // Another platform of the same index: only its own manifest and config are new.
      const amd = await resolveImage(source, { cache, platform: { os: "linux", architecture: "amd64" } });
      expect(reads).toEqual([amd.manifestDescriptor.digest, amd.manifest.config.digest]);
      await source.close?.();
    } finally {
      cache.free();
    }
  });

  test("documentCache() is one cache for the process, kept across sources", async () => {
    expect(documentCache()).toBe(documentCache());
    const spec = `oci:${fixture("layout")}:v2`;
    const a = counting(await openImage(spec));
    await resolveImage(a.source, { cache: documentCache() });
    await a.source.close?.();
    // A new source on the same image: nothing read but the layers' blobs.
    const b = counting(await openImage(spec));
    const image = await resolveImage(b.source, { cache: documentCache() });
    expect(b.reads).toEqual([]);
    await b.source.close?.();
    expect(image.layers).toHaveLength(2);
  });

  test("the inspector page's second look at an image reads only layer blobs", async () => {
    const spec = `oci:${fixture("layout")}:latest`;
    const first = counting(await openImage(spec));
    const x = await inspectSource(first.source, undefined, () => {});
    const layerDigests = new Set(x.resolved.layers.map((l) => l.digest));
    await first.source.close?.();
    const second = counting(await openImage(spec));
    const y = await inspectSource(second.source, undefined, () => {});
    await second.source.close?.();
    expect(second.reads.length).toBeGreaterThan(0);
    expect(second.reads.filter((d) => !layerDigests.has(d))).toEqual([]);
    expect(y.report.manifest.digest).toBe(x.report.manifest.digest);
    x.image.fs.free();
    y.image.fs.free();
  });
});
