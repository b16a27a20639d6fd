// Which layers have a table of contents, loaded once per layer: a gzip layer whose descriptor
// carries the eStargz TOC digest annotation (estargz-load.ts), a zstd layer whose descriptor
// carries the zstd:chunked manifest checksum and position (zstd-chunked-load.ts). The
// descriptor comes from the verified manifest, so the annotation is as trustworthy as the
// layer digest; a layer without one is never probed (a footer alone proves nothing, so its TOC
// could not be trusted anyway).
//
// The TOC is kept per layer object for as long as the layer is alive (a WeakMap), so every
// file read out of a mounted layer shares one footer and one TOC read. A TOC that broke its
// format or its digest is remembered as unusable; a failed read (a network error) is not, so
// the next file tries again. Either way the file is then read without the TOC.

import { LayerlensError, DigestMismatchError, SizeMismatchError, CapacityError } from "../../errors.js";
import type { LayerLike } from "../../oci/layer.js";
import { compressionOfMediaType } from "../../oci/media-types.js";
import type { Descriptor } from "../../oci/types.js";
import { startPipeline } from "../../report/work-clock.js";
import { type Core, getDefaultCore } from "../../wasm/core.js";
import { CompressionError, TarFormatError } from "../errors.js";
import { GzipInflater } from "../inflate.js";
import { type MemberCodec, readThroughToc, tocReadable } from "./chunk-read.js";
import { ESTARGZ_TOC_DIGEST_ANNOTATION, loadEstargzToc } from "./estargz-load.js";
import { TocFormatError } from "./errors.js";
import { loadZstdChunkedToc, zstdChunkedAnnotations } from "./zstd-chunked-load.js";
import { ZstdDecoder } from "../zstd.js";
import { type LayerToc, tocFile } from "./toc-index.js";

const tocs = new WeakMap<LayerLike, Promise<LayerToc | null>>();

/** The annotations of the manifest descriptor behind `layer`, when it came from one (oci/layer.ts Layer). */
function annotationsOf(layer: LayerLike): Record<string, string> | undefined {
  return (layer as { descriptor?: Descriptor }).descriptor?.annotations;
}

type TocKind = { format: "estargz"; digest: string } | { format: "zstd:chunked"; annotations: { checksum: string; position: string } };

/** The TOC `layer`'s descriptor announces (no read is made), or undefined. */
function tocKind(layer: LayerLike): TocKind | undefined {
  const a = annotationsOf(layer);
  if (!a || layer.size === undefined) return undefined;
  const compression = compressionOfMediaType(layer.mediaType);
  const digest = a[ESTARGZ_TOC_DIGEST_ANNOTATION];
  if (compression === "gzip" && digest) return { format: "estargz", digest };
  const zstd = compression === "zstd" ? zstdChunkedAnnotations(a) : undefined;
  return zstd && { format: "zstd:chunked", annotations: zstd };
}

/** Does `layer` say it has a TOC we can verify? (No read is made.) */
export function hasToc(layer: LayerLike): boolean {
  return tocKind(layer) !== undefined;
}

/** Errors that mean "this TOC cannot be used" rather than "this read failed". */
function isTocProblem(e: unknown): boolean {
  return (
    e instanceof TocFormatError ||
    e instanceof DigestMismatchError ||
    e instanceof SizeMismatchError ||
    e instanceof CompressionError ||
    e instanceof TarFormatError ||
    e instanceof CapacityError ||
    (e instanceof LayerlensError && e.code === "INVALID_DIGEST")
  );
}

/** The verified TOC of `layer`, or null when it has none we can use (or its read failed). */
export function layerToc(layer: LayerLike, what: string, given?: Core): Promise<LayerToc | null> {
  let pending = tocs.get(layer);
  if (pending) return pending;
  const kind = tocKind(layer);
  if (!kind) return Promise.resolve(null);
  // The core only once a layer has a TOC: a layer without one needs nothing of it here.
  const core = given ?? getDefaultCore();
  const pipe = startPipeline();
  const loading =
    kind.format === "estargz"
      ? loadEstargzToc(layer, layer.size!, kind.digest, what, pipe, core)
      : loadZstdChunkedToc(layer, layer.size!, kind.annotations, what, pipe, core);
  pending = loading
    .catch((e: unknown) => {
      if (isTocProblem(e)) return null;
      // A failed read (network, permissions) is not the TOC's fault: not remembered. The
      // caller reads the layer without the TOC, which reports the failure if it persists.
      tocs.delete(layer);
      if (e instanceof LayerlensError) return null;
      throw e;
    })
    .finally(() => pipe?.close());
  tocs.set(layer, pending);
  return pending;
}

const gzipMembers = (core: Core): MemberCodec => ({ phase: "gunzip", open: (what) => new GzipInflater(core, { what }) });
const zstdFrames = (core: Core): MemberCodec => ({ phase: "zstd", open: (what) => new ZstdDecoder(core, { what }) });

/**
 * The bytes of the regular file at clean `path` (`size` bytes, as the merged view has it) of
 * `layer`, read through the layer's TOC, or undefined when the layer has no usable TOC or the
 * TOC has no readable entry of that name and size (the caller then reads the layer itself).
 * Its chunks come verified (chunk-read.ts).
 */
export async function fileThroughToc(
  layer: LayerLike,
  path: string,
  size: number,
  what: string,
  given?: Core,
): Promise<AsyncGenerator<Uint8Array> | undefined> {
  if (!hasToc(layer)) return undefined;
  const core = given ?? getDefaultCore();
  const toc = await layerToc(layer, what, core);
  const file = toc && tocFile(toc, path);
  if (!file || file.size !== size || !tocReadable(file)) return undefined;
  const codec = toc.format === "estargz" ? gzipMembers(core) : zstdFrames(core);
  return readThroughToc(layer, file, path, `${what}, through its ${toc.format} TOC`, codec);
}
