// oci-archive: an OCI image layout inside a tar (skopeo's oci-archive:, `buildah push
// oci-archive:`). The tar is indexed by headers and seeks, then read by the layout reader,
// so blobs are windows of the file and nothing is extracted or read whole.
// Spec: https://github.com/opencontainers/image-spec/blob/main/image-layout.md

import type { ByteReader } from "./byte-reader.js";
import { LayoutSource } from "./layout.js";
import { type TarStore, tarStore } from "./tar-index.js";

/** Open the OCI layout inside the tar `reader`; `selector` is a tag, a digest, or undefined. */
export async function openOciArchive(reader: ByteReader, where: string, selector?: string, indexed?: TarStore): Promise<LayoutSource> {
  const store = indexed ?? (await tarStore(reader, where));
  return LayoutSource.open(store, selector, `oci-archive:${where}${selector ? ":" + selector : ""}`);
}
