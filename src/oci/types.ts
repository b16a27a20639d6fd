// The JSON documents of the OCI image-spec as TypeScript types: descriptor, platform, image
// manifest, image index, image config. Docker schema 2 manifests and manifest lists share these
// shapes (they are the documents the OCI ones were derived from), so one set of types covers both.
// Spec: https://github.com/opencontainers/image-spec/blob/main/descriptor.md, manifest.md,
//       image-index.md, config.md

/** An OCI content descriptor (descriptor.md). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  /** The blob's content, base64; when present it must hash to `digest`. */
  data?: string;
  artifactType?: string;
  platform?: Platform;
}

/** image-index.md "platform": what a manifest in an index runs on. */
export interface Platform {
  architecture: string;
  os: string;
  "os.version"?: string;
  "os.features"?: string[];
  variant?: string;
  features?: string[];
}

/** An image manifest (OCI manifest.md, Docker v2 schema 2). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** An image index or Docker manifest list (image-index.md). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** One history entry of an image config; empty_layer entries have no layer of their own. */
export interface History {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The execution parameters of config.md "config" (Docker's capitalised field names). */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  [other: string]: unknown;
}

/** An image config (config.md). Docker's extra fields (container_config, id, parent, ...) pass through. */
export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  "os.version"?: string;
  "os.features"?: string[];
  variant?: string;
  config?: ContainerConfig;
  rootfs: { type: string; diff_ids: string[] };
  history?: History[];
  [other: string]: unknown;
}
