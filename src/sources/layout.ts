// OCI image layout reader: index.json + blobs/<alg>/<hex> over any FileStore (a directory,
// a browser File list, or the members of an oci-archive tar). index.json is the untrusted
// root (it has no digest); everything it points at is verified by the shared code.
// Spec: https://github.com/opencontainers/image-spec/blob/main/image-layout.md

import { CapacityError, InvalidManifestError, NotFoundError } from "../errors.js";
import { isVerifiableDigest } from "../oci/digest.js";
import { OCI_INDEX, isImageManifest } from "../oci/media-types.js";
import type { Descriptor, ImageIndex } from "../oci/types.js";
import { validateIndex, validateManifest } from "../oci/validate.js";
import { readAll, streamRange } from "./byte-reader.js";
import type { FileStore } from "./file-store.js";
import type { ByteRange, ImageSource } from "./source.js";
import { MANIFEST_MAX_BYTES, parseJson, readVerified } from "./verify.js";

/** image-layout.md: annotation naming a manifest in index.json (a "tag"). */
export const REF_NAME = "org.opencontainers.image.ref.name";
/** Docker 25+ and containerd also name entries with the full image name. */
export const CONTAINERD_NAME = "io.containerd.image.name";

/** Read a small JSON file of a store, capped at 4 MiB, as `what`. */
export async function readJsonFile(store: FileStore, path: string, what: string): Promise<unknown> {
  const reader = await store.open(path);
  try {
    if (reader.size > MANIFEST_MAX_BYTES)
      throw new CapacityError(`${what}: ${reader.size} bytes is over the ${MANIFEST_MAX_BYTES}-byte limit`);
    return parseJson(await readAll(reader), (why) => new InvalidManifestError(what, "", why));
  } finally {
    await reader.close?.();
  }
}

/** Path of a blob inside a layout: blobs/sha256/<hex>. */
export function blobPath(digest: string): string {
  const colon = digest.indexOf(":");
  return `blobs/${digest.slice(0, colon)}/${digest.slice(colon + 1)}`;
}

/** The tags index.json names (ref.name annotations), in order. */
export function layoutTags(index: ImageIndex): string[] {
  return index.manifests.map((d) => d.annotations?.[REF_NAME]).filter((t): t is string => typeof t === "string");
}

export class LayoutSource implements ImageSource {
  private constructor(
    readonly name: string,
    readonly store: FileStore,
    readonly index: ImageIndex,
    private readonly selector: string | undefined,
  ) {}

  /**
   * Open the layout in `store`; `selector` is a tag (ref.name), a digest, or undefined for
   * "the only image". Checks oci-layout and index.json before anything else is read.
   */
  static async open(
    store: FileStore,
    selector?: string,
    name = `oci:${store.name}${selector ? ":" + selector : ""}`,
  ): Promise<LayoutSource> {
    if (!(await store.exists("oci-layout"))) throw new NotFoundError(`${store.name}: not an OCI layout (no oci-layout file)`, "oci-layout");
    const marker = (await readJsonFile(store, "oci-layout", `${store.name}/oci-layout`)) as { imageLayoutVersion?: unknown } | null;
    if (typeof marker !== "object" || typeof marker?.imageLayoutVersion !== "string") {
      throw new InvalidManifestError(`${store.name}/oci-layout`, "imageLayoutVersion", "is required and must be a string");
    }
    const raw = (await readJsonFile(store, "index.json", `${store.name}/index.json`)) as Record<string, unknown> | null;
    // Docker 25's hybrid archives may write "manifests": null for an empty index.
    if (raw && typeof raw === "object" && raw.manifests === null) raw.manifests = [];
    const index = validateIndex(`${store.name}/index.json`, raw);
    return new LayoutSource(name, store, index, selector);
  }

  async root(): Promise<Descriptor> {
    return selectFromIndex(this.index, this.selector, this.store.name);
  }

  async openBlob(desc: Descriptor, range?: ByteRange): Promise<ReadableStream<Uint8Array>> {
    const reader = await this.store.open(blobPath(desc.digest)).catch((err) => {
      if (err instanceof NotFoundError) throw new NotFoundError(`${this.store.name}: blob ${desc.digest} is missing`, desc.digest);
      throw err;
    });
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? reader.size, reader.size);
    // The file is closed when the stream ends, fails or is cancelled.
    return streamRange(reader, start, end, () => reader.close?.());
  }

  /**
   * Referrers in a layout: the manifests index.json lists whose `subject` is `subject`
   * (image-layout.md keeps them in index.json). Each candidate is read verified.
   */
  async referrers(subject: Descriptor, artifactType?: string): Promise<Descriptor[]> {
    const out: Descriptor[] = [];
    for (const d of this.index.manifests) {
      if (d.digest === subject.digest || !isImageManifest(d.mediaType)) continue;
      // Validated like any manifest: a candidate is read for its subject and types, and a
      // wrong type there (null, a number for artifactType) is the document's fault, named.
      const what = `manifest ${d.digest}`;
      const doc = validateManifest(
        what,
        parseJson(await readVerified(this, d, what), (why) => new InvalidManifestError(what, "", why)),
      );
      if (doc.subject?.digest !== subject.digest) continue;
      const type = d.artifactType ?? doc.artifactType ?? doc.config?.mediaType;
      if (artifactType && type !== artifactType) continue;
      out.push({ ...d, ...(type ? { artifactType: type } : {}) });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.store.close?.();
  }
}

/** The descriptor of index.json that `selector` names, or the only one. */
export function selectFromIndex(index: ImageIndex, selector: string | undefined, where: string): Descriptor {
  const entries = index.manifests;
  if (selector === undefined || selector === "") {
    if (entries.length === 1) return entries[0];
    if (entries.length === 0) throw new NotFoundError(`${where}: index.json lists no images`);
    throw new NotFoundError(
      `${where}: index.json lists ${entries.length} images; name one (tags: ${layoutTags(index).join(", ") || "none"})`,
    );
  }
  const byDigest = isVerifiableDigest(selector) || selector.startsWith("@") ? selector.replace(/^@/, "") : undefined;
  const found = byDigest
    ? entries.find((d) => d.digest === byDigest)
    : (entries.find((d) => d.annotations?.[REF_NAME] === selector) ?? entries.find((d) => d.annotations?.[CONTAINERD_NAME] === selector));
  if (!found) {
    throw new NotFoundError(
      `${where}: no image ${JSON.stringify(selector)} in index.json (tags: ${layoutTags(index).join(", ") || "none"})`,
      selector,
    );
  }
  return found;
}

/** A fresh index.json for a layout (used by the sample writer and tests). */
export function emptyIndex(): ImageIndex {
  return { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
}
