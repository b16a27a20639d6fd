// Finding and trusting a zstd:chunked layer's manifest (its TOC): the layer's descriptor says
// where it is (manifest-position "offset:length:uncompressedLength:type") and what its
// compressed bytes hash to (manifest-checksum); both come from the verified image manifest.
// One ranged read fetches those bytes, which must hash to the checksum before they are even
// decoded; then one zstd frame is decoded under the TOC cap, to exactly the length announced,
// and parsed (zstd-chunked-toc.ts). The footer the format also writes at the blob's end (a
// skippable frame repeating the position) is not needed: the annotation is the verified copy.
// Format: containers/storage pkg/chunked (the annotations in internal/compression.go; older
// writers used the io.containers.* prefix, newer ones io.github.containers.*).

import { DigestMismatchError } from "../../errors.js";
import { createHasher } from "../../hash/hasher.js";
import type { LayerLike } from "../../oci/layer.js";
import { parseDigestString } from "../../oci/digest.js";
import { type Pipeline, timed } from "../../report/work-clock.js";
import { type Core, getDefaultCore } from "../../wasm/core.js";
import { zstdDecompress } from "../zstd.js";
import { MAX_TOC_BYTES, MAX_TOC_COMPRESSED_BYTES } from "./bounds.js";
import { TocFormatError } from "./errors.js";
import { readRange } from "./ranged.js";
import type { LayerToc } from "./toc-index.js";
import { parseZstdChunkedToc } from "./zstd-chunked-toc.js";

const PREFIXES = ["io.github.containers.zstd-chunked.", "io.containers.zstd-chunked."];
/** The manifest's JSON form (containers/storage's manifestTypeCRFS). */
const MANIFEST_TYPE_JSON = 1;
/** A skippable frame's header (magic, length) sits right before the manifest's bytes. */
const SKIPPABLE_HEADER_BYTES = 8;

/** The manifest checksum and position a descriptor's annotations give, or undefined. */
export function zstdChunkedAnnotations(a: Record<string, string> | undefined): { checksum: string; position: string } | undefined {
  for (const p of PREFIXES) {
    const checksum = a?.[`${p}manifest-checksum`];
    const position = a?.[`${p}manifest-position`];
    if (checksum && position) return { checksum, position };
  }
  return undefined;
}

/** The verified manifest of the zstd:chunked blob `layer` (of `blobSize` bytes). */
export async function loadZstdChunkedToc(
  layer: LayerLike,
  blobSize: number,
  annotations: { checksum: string; position: string },
  what: string,
  pipe?: Pipeline | null,
  core: Core = getDefaultCore(),
): Promise<LayerToc> {
  const { algorithm } = parseDigestString(annotations.checksum);
  const m = /^(\d{1,15}):(\d{1,15}):(\d{1,15}):(\d{1,3})$/.exec(annotations.position);
  if (!m)
    throw new TocFormatError(
      what,
      `zstd:chunked manifest-position ${JSON.stringify(annotations.position)} is not offset:length:length:type`,
    );
  const [offset, length, uncompressed, type] = m.slice(1).map(Number);
  if (type !== MANIFEST_TYPE_JSON)
    throw new TocFormatError(what, `zstd:chunked manifest type ${type} is not the JSON manifest (${MANIFEST_TYPE_JSON})`);
  if (offset < SKIPPABLE_HEADER_BYTES || offset + length > blobSize) {
    throw new TocFormatError(what, `zstd:chunked manifest at bytes ${offset}-${offset + length} is outside the ${blobSize}-byte blob`);
  }
  if (length > MAX_TOC_COMPRESSED_BYTES || uncompressed > MAX_TOC_BYTES) {
    throw new TocFormatError(what, `zstd:chunked manifest of ${length} (${uncompressed} decoded) bytes is over the TOC limits`);
  }
  const tocWhat = `${what}: zstd:chunked manifest at bytes ${offset}-${offset + length}`;
  const compressed = await readRange(layer, offset, offset + length, what, pipe);
  const actual = timed("verifying", compressed.length, () => {
    const h = createHasher(algorithm);
    h.update(compressed);
    return h.digest();
  });
  if (actual !== annotations.checksum)
    throw new DigestMismatchError(`${tocWhat} (the manifest-checksum annotation)`, annotations.checksum, actual);
  const json = timed("zstd", uncompressed, () => zstdDecompress(compressed, { what: tocWhat, maxBytes: uncompressed, core }));
  if (json.length !== uncompressed)
    throw new TocFormatError(tocWhat, `decodes to ${json.length} bytes, the annotation says ${uncompressed}`);
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(json));
  } catch (e) {
    throw new TocFormatError(tocWhat, `not UTF-8 JSON (${(e as Error).message})`);
  }
  return parseZstdChunkedToc(doc, offset - SKIPPABLE_HEADER_BYTES, layer.digest ?? "no digest", tocWhat);
}
