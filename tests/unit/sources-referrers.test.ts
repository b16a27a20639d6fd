// Referrers (OCI 1.1 `subject`) in a layout: artifacts listed in index.json whose subject is
// the image, walked recursively (a signature of an SBOM of the image), every manifest read
// verified, every edge through LayerGraph.
import { describe, expect, it } from "vitest";
import { init } from "../../src/node.js";
import { resolveImage, resolveReferrers } from "../../src/sources/image.js";
import { EMPTY_DIGEST } from "../../src/oci/media-types.js";
import { blobKey, enc, open, putBlob, sample, withIndex } from "./sources-helpers.js";

await init();

function artifact(files: Map<string, Uint8Array>, subject: { mediaType: string; digest: string; size: number }, artifactType: string) {
  files.set(blobKey(EMPTY_DIGEST), enc.encode("{}"));
  const layer = putBlob(files, enc.encode(`${artifactType} payload`));
  const m = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    artifactType,
    config: { mediaType: "application/vnd.oci.empty.v1+json", digest: EMPTY_DIGEST, size: 2 },
    layers: [{ mediaType: "text/plain", ...layer }],
    subject,
  };
  return { mediaType: "application/vnd.oci.image.manifest.v1+json", ...putBlob(files, enc.encode(JSON.stringify(m))) };
}

describe("referrers in a layout", () => {
  it("finds the SBOM of the image and the signature of the SBOM", async () => {
    const s = sample();
    const image = s.index.manifests[0] as { mediaType: string; digest: string; size: number };
    const sbom = artifact(s.files, { mediaType: image.mediaType, digest: image.digest, size: image.size }, "application/vnd.example.sbom");
    const sig = artifact(s.files, sbom, "application/vnd.example.signature");
    withIndex(s, { ...s.index, manifests: [...s.index.manifests, sbom, sig] });
    const source = await open(s);
    const resolved = await resolveImage(source);
    const tree = await resolveReferrers(source, resolved.manifestDescriptor);
    expect(tree.map((n) => [n.descriptor.digest, n.descriptor.artifactType])).toEqual([[sbom.digest, "application/vnd.example.sbom"]]);
    expect(tree[0].referrers.map((n) => n.descriptor.digest)).toEqual([sig.digest]);
    expect(await resolveReferrers(source, resolved.manifestDescriptor, { artifactType: "application/vnd.example.none" })).toEqual([]);
  });

  it("a referrer whose bytes were changed is DIGEST_MISMATCH", async () => {
    const s = sample();
    const image = s.index.manifests[0] as { mediaType: string; digest: string; size: number };
    const sbom = artifact(s.files, image, "application/vnd.example.sbom");
    const bytes = s.files.get(blobKey(sbom.digest))!.slice();
    bytes[10] ^= 1;
    s.files.set(blobKey(sbom.digest), bytes);
    withIndex(s, { ...s.index, manifests: [...s.index.manifests, sbom] });
    const source = await open(s);
    const err = await resolveReferrers(source, (await resolveImage(source)).manifestDescriptor).then(
      () => undefined,
      (e) => e,
    );
    expect(err?.code).toBe("DIGEST_MISMATCH");
  });
});
