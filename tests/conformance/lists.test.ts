// Indexes and manifest lists whose entries layerlens cannot use: an index of only Docker schema 1
// manifests must say so (not "lists no manifests"), an empty one says it is empty, and a mixed one
// still picks the schema 2 entry. Built in memory from the sample image.
import "../../src/node.js"; // the Node entry registers how this process loads the core
import { describe, expect, it } from "vitest";
import { InvalidManifestError, NotFoundError } from "../../src/errors.js";
import { DOCKER_MANIFEST_LIST, DOCKER_MANIFEST_V1, DOCKER_MANIFEST_V1_SIGNED, OCI_INDEX } from "../../src/oci/media-types.js";
import { resolveImage } from "../../src/sources/image.js";
import { enc, open, putBlob, sample, withManifest } from "../unit/sources-helpers.js";

function schema1Entry(s: ReturnType<typeof sample>, mediaType: string, architecture: string) {
  // The bytes need not be a real signed schema 1 document: the entry is refused by media type
  // before any blob is read.
  const d = putBlob(s.files, enc.encode(JSON.stringify({ schemaVersion: 1, name: "x", tag: architecture, fsLayers: [] })));
  return { mediaType, ...d, platform: { os: "linux", architecture } };
}

async function resolveWith(entries: (s: ReturnType<typeof sample>) => Record<string, unknown>[], listType: string) {
  const s = sample();
  const list = { schemaVersion: 2, mediaType: listType, manifests: entries(s) };
  return resolveImage(await open(withManifest(s, list, listType)));
}

describe("lists layerlens cannot use say why", () => {
  for (const listType of [DOCKER_MANIFEST_LIST, OCI_INDEX]) {
    it(`${listType}: only schema 1 entries`, async () => {
      const run = resolveWith(
        (s) => [schema1Entry(s, DOCKER_MANIFEST_V1_SIGNED, "amd64"), schema1Entry(s, DOCKER_MANIFEST_V1, "arm64")],
        listType,
      );
      await expect(run).rejects.toBeInstanceOf(InvalidManifestError);
      await expect(run).rejects.toThrow(/manifests: all 2 entries are Docker schema 1 manifests, which are not supported/);
      await expect(run).rejects.not.toThrow(/lists no manifests/);
    });
  }

  it("an empty list is reported as empty", async () => {
    const run = resolveWith(() => [], DOCKER_MANIFEST_LIST);
    await expect(run).rejects.toBeInstanceOf(NotFoundError);
    await expect(run).rejects.toThrow(/lists no manifests/);
  });

  it("a schema 1 entry beside a schema 2 one is skipped, not fatal", async () => {
    const s = sample();
    const v2 = s.index.manifests[0];
    const list = {
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST_LIST,
      manifests: [schema1Entry(s, DOCKER_MANIFEST_V1_SIGNED, "amd64"), v2],
    };
    const image = await resolveImage(await open(withManifest(s, list, DOCKER_MANIFEST_LIST)));
    expect(image.manifestDescriptor.digest).toBe(v2.digest);
  });
});
