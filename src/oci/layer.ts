// A layer of an image, in go-containerregistry's shape (pkg/v1 Layer): what its descriptor says
// (digest, media type, compressed size), the diff_id its image's config promises for it, and a
// way to open its raw blob again and again. The shared image code (src/sources/image.ts) builds
// these from a manifest, so `resolveImage(...).layers` can be handed straight to a merged view;
// the merged view (src/fs) takes any LayerLike, so bytes built in memory mount too.
// Spec: https://github.com/opencontainers/image-spec/blob/main/layer.md, config.md (diff_ids)

import type { Descriptor } from "./types.js";

/** Part of a blob: HTTP Range semantics, but with an exclusive end. */
export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, exclusive; omitted = to the end. */
  end?: number;
}

/** A blob's bytes as they arrive: Web Streams, or any async iterable (Node streams, generators). */
export type LayerBytes = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * What reading a layer's bytes needs: a way to (re)open them. The descriptor fields, when
 * given, are checked while the bytes stream (size, blob digest, diff_id of the uncompressed tar).
 * Every Layer is one.
 */
export interface LayerLike {
  digest?: string;
  diffId?: string;
  mediaType?: string;
  /** Compressed size from the descriptor. */
  size?: number;
  /** The raw blob; called again by readFile and export, so it must be re-openable. */
  open(range?: ByteRange): LayerBytes | Promise<LayerBytes>;
}

/** One layer of a resolved image. */
export interface Layer extends LayerLike {
  /** The manifest's descriptor for this layer, unchanged (urls, annotations included). */
  readonly descriptor: Descriptor;
  readonly digest: string;
  /** The config's rootfs.diff_ids entry; undefined for an artifact, whose config has none. */
  readonly diffId: string | undefined;
  readonly mediaType: string;
  readonly size: number;
  /** The raw (still compressed, unverified) blob, or part of it; readers verify as they go. */
  open(range?: ByteRange): Promise<ReadableStream<Uint8Array>>;
}

/** How a source hands out blobs (ImageSource.openBlob has this shape). */
export type OpenBlob = (descriptor: Descriptor, range?: ByteRange) => Promise<ReadableStream<Uint8Array>>;

/** The layer `descriptor` describes, its bytes read through `openBlob`. */
export function layerOf(descriptor: Descriptor, diffId: string | undefined, openBlob: OpenBlob): Layer {
  return {
    descriptor,
    digest: descriptor.digest,
    diffId,
    mediaType: descriptor.mediaType,
    size: descriptor.size,
    open: (range) => openBlob(descriptor, range),
  };
}

/** The layers of a manifest, bottom first, paired with the config's diff_ids by position. */
export function layersOf(descriptors: readonly Descriptor[], diffIds: readonly string[], openBlob: OpenBlob): Layer[] {
  return descriptors.map((d, i) => layerOf(d, diffIds[i], openBlob));
}
