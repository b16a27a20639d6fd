// The files of an OCI layout whose one image has one uncompressed layer, `tar`: digests, sizes
// and the diff_id all hold, so only what the tar itself holds can be refused. Keyed by the
// path inside the layout; callers write them to disk or hand them to an in-memory store.

import { createHash } from "node:crypto";

const enc = new TextEncoder();
const MANIFEST = "application/vnd.oci.image.manifest.v1+json";

export function oneLayerLayout(tar: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const put = (b: Uint8Array) => {
    const hex = createHash("sha256").update(b).digest("hex");
    files.set(`blobs/sha256/${hex}`, b);
    return { digest: `sha256:${hex}`, size: b.length };
  };
  const layer = put(tar);
  const config = put(
    enc.encode(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [layer.digest] } })),
  );
  const manifest = put(
    enc.encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST,
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...layer }],
      }),
    ),
  );
  files.set("index.json", enc.encode(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MANIFEST, ...manifest }] })));
  files.set("oci-layout", enc.encode('{"imageLayoutVersion":"1.0.0"}'));
  return files;
}
