// Media types of the OCI image-spec and of Docker's image manifest v2 schema 2, with the
// predicates the readers branch on. Unknown media types are carried through unchanged:
// nothing here throws on a string it does not know.
// Spec: https://github.com/opencontainers/image-spec/blob/main/media-types.md
//       https://github.com/distribution/distribution/blob/main/docs/content/spec/manifest-v2-2.md

export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const OCI_LAYOUT_HEADER = "application/vnd.oci.layout.header.v1+json";
export const OCI_DESCRIPTOR = "application/vnd.oci.descriptor.v1+json";
export const OCI_EMPTY = "application/vnd.oci.empty.v1+json";
export const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
export const OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
export const OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
export const OCI_LAYER_NONDIST = "application/vnd.oci.image.layer.nondistributable.v1.tar";
export const OCI_LAYER_NONDIST_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
export const OCI_LAYER_NONDIST_ZSTD = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_MANIFEST_V1 = "application/vnd.docker.distribution.manifest.v1+json";
export const DOCKER_MANIFEST_V1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";
export const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
export const DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";
export const DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
export const DOCKER_LAYER_ZSTD = "application/vnd.docker.image.rootfs.diff.tar.zstd";
export const DOCKER_FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
export const DOCKER_FOREIGN_LAYER_TAR = "application/vnd.docker.image.rootfs.foreign.diff.tar";
export const DOCKER_PLUGIN_CONFIG = "application/vnd.docker.plugin.v1+json";

/** The empty descriptor's fixed content: the two bytes "{}" (image-spec manifest.md, "Guidance for an Empty Descriptor"). */
export const EMPTY_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
export const EMPTY_SIZE = 2;
export const EMPTY_DATA = "e30=";

/** Every manifest and index type a registry client should accept, most preferred first. */
export const MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST] as const;

export function isIndex(mediaType: string | undefined): boolean {
  return mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST;
}

export function isImageManifest(mediaType: string | undefined): boolean {
  return mediaType === OCI_MANIFEST || mediaType === DOCKER_MANIFEST;
}

export function isSchema1(mediaType: string | undefined): boolean {
  return mediaType === DOCKER_MANIFEST_V1 || mediaType === DOCKER_MANIFEST_V1_SIGNED;
}

export function isImageConfig(mediaType: string | undefined): boolean {
  return mediaType === OCI_CONFIG || mediaType === DOCKER_CONFIG;
}

/** How a layer's tar is compressed. */
export type Compression = "none" | "gzip" | "zstd";

/**
 * Every layer media type of both specs with the compression it declares, in a fixed order:
 * LayerPool numbers its per-type templates by position here (code = index + 1), so new types
 * go at the end. The nondistributable and foreign types are still read (their bytes may sit
 * in an archive or behind `urls`); they are only flagged.
 */
export const LAYER_MEDIA_TYPE_TABLE: readonly (readonly [mediaType: string, compression: Compression])[] = [
  [OCI_LAYER, "none"],
  [OCI_LAYER_GZIP, "gzip"],
  [OCI_LAYER_ZSTD, "zstd"],
  [OCI_LAYER_NONDIST, "none"],
  [OCI_LAYER_NONDIST_GZIP, "gzip"],
  [OCI_LAYER_NONDIST_ZSTD, "zstd"],
  [DOCKER_LAYER, "none"],
  [DOCKER_LAYER_GZIP, "gzip"],
  [DOCKER_LAYER_ZSTD, "zstd"],
  [DOCKER_FOREIGN_LAYER, "gzip"],
  [DOCKER_FOREIGN_LAYER_TAR, "none"],
];

const LAYER_COMPRESSION = new Map<string, Compression>(LAYER_MEDIA_TYPE_TABLE);

/** True for the layer media types of both specs (filesystem changesets). */
export function isLayer(mediaType: string | undefined): boolean {
  return mediaType !== undefined && LAYER_COMPRESSION.has(mediaType);
}

/** The compression a layer media type declares; "unknown" for anything else. */
export function layerCompression(mediaType: string | undefined): Compression | "unknown" {
  return (mediaType && LAYER_COMPRESSION.get(mediaType)) || "unknown";
}

/**
 * The compression a media type declares, or undefined when it does not say: the layer table
 * first, then the structured-syntax suffixes "+gzip" and "+zstd" that artifact layer types
 * (Helm charts, WASM modules...) use the same way.
 */
export function compressionOfMediaType(mediaType: string | undefined): Compression | undefined {
  if (!mediaType) return undefined;
  const known = LAYER_COMPRESSION.get(mediaType);
  if (known) return known;
  if (mediaType.endsWith("+gzip")) return "gzip";
  if (mediaType.endsWith("+zstd")) return "zstd";
  return undefined;
}

/** The OCI layer types a registry may refuse to hold (image-spec layer.md, "Non-distributable layers"). */
export function isNondistributableLayer(mediaType: string | undefined): boolean {
  return mediaType?.startsWith("application/vnd.oci.image.layer.nondistributable.") ?? false;
}

/** Layers a registry may not hold (their bytes live at `urls`). */
export function isForeignLayer(mediaType: string | undefined): boolean {
  return mediaType === DOCKER_FOREIGN_LAYER || mediaType === DOCKER_FOREIGN_LAYER_TAR || isNondistributableLayer(mediaType);
}

/** The compression of a blob judged from its first bytes (gzip 1f 8b, zstd 28 b5 2f fd). */
export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  return "none";
}
