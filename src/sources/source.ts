// The minimal image source, in the style of go-containerregistry's remote/layout readers:
// a source knows how to hand out raw blobs by digest and what its reference points at.
// Everything else (verification, platform selection, config, layers, caching, cycle checks)
// is derived once in shared code (src/sources/image.ts), so a new way of reading images is
// one small file implementing this.

// Verification (digest AND size), the 4 MiB manifest cap, platform selection and caching are
// done by src/sources/image.ts on top of openBlob(), so a source returns raw bytes only.
export type { Descriptor, Platform } from "../oci/types.js";
export type { ByteRange } from "../oci/layer.js";
import type { ByteRange } from "../oci/layer.js";
import type { Descriptor } from "../oci/types.js";

export interface ImageSource {
  /** What the user named, without credentials: "oci:./dir:v1", "docker://host/repo:tag". */
  readonly name: string;
  /** The descriptor the reference resolves to (an index or a manifest). */
  root(): Promise<Descriptor>;
  /**
   * The raw bytes of a blob as a stream. Unverified: callers go through the shared
   * verifying readers. `range` asks for part of it (registries: HTTP Range).
   */
  openBlob(desc: Descriptor, range?: ByteRange): Promise<ReadableStream<Uint8Array>>;
  /**
   * The media type a layer's bytes have, when the source synthesised its descriptor with a
   * conventional label that says otherwise (docker-archive); readers then use this one.
   */
  layerMediaType?(desc: Descriptor): string | undefined;
  /** Referrers of `subject` (registries; layouts may answer from their index). */
  referrers?(subject: Descriptor, artifactType?: string): Promise<Descriptor[]>;
  /** Release files, handles, connections. */
  close?(): Promise<void>;
}
