// Finding and trusting an eStargz layer's TOC: one ranged read of the footer (the blob's last
// 51 bytes: estargz-footer.ts), one of the TOC's gzip member (from the offset the footer names
// up to the footer), inflated under the TOC cap, its one tar entry (stargz.index.json) taken
// out, and its bytes hashed against the digest the layer's descriptor carries in the
// containerd.io/snapshot/stargz/toc.digest annotation. The manifest that carries the
// annotation was verified against its own digest, so a TOC that matches is the TOC the image's
// author published; only then is it parsed (estargz-toc.ts), and nothing in it is used before.
// Spec: https://github.com/containerd/stargz-snapshotter/blob/main/docs/estargz.md
// ("Content Verification in eStargz": the annotation is the digest of the TOC JSON).

import { DigestMismatchError } from "../../errors.js";
import { createHasher } from "../../hash/hasher.js";
import type { LayerLike } from "../../oci/layer.js";
import { parseDigestString } from "../../oci/digest.js";
import { type Pipeline, timed, timedSteps } from "../../report/work-clock.js";
import { decodeWhole } from "../core-decode.js";
import { type Core, getDefaultCore } from "../../wasm/core.js";
import { GzipInflater } from "../inflate.js";
import { cleanPath } from "../path.js";
import { TarReader } from "../tar.js";
import { MAX_TOC_BYTES, MAX_TOC_COMPRESSED_BYTES } from "./bounds.js";
import { ESTARGZ_FOOTER_BYTES, parseEstargzFooter } from "./estargz-footer.js";
import { parseEstargzToc } from "./estargz-toc.js";
import { TocFormatError } from "./errors.js";
import { readRange } from "./ranged.js";
import type { LayerToc } from "./toc-index.js";

export const ESTARGZ_TOC_DIGEST_ANNOTATION = "containerd.io/snapshot/stargz/toc.digest";
export const ESTARGZ_TOC_NAME = "stargz.index.json";

/** A tar header, the JSON, its padding and the end-of-archive blocks: room past the JSON cap. */
const TAR_OVERHEAD = 8 * 512;

/** The verified TOC of the eStargz blob `layer` (of `blobSize` bytes), whose TOC JSON must hash to `tocDigest`. */
export async function loadEstargzToc(
  layer: LayerLike,
  blobSize: number,
  tocDigest: string,
  what: string,
  pipe?: Pipeline | null,
  core: Core = getDefaultCore(),
): Promise<LayerToc> {
  const { algorithm } = parseDigestString(tocDigest);
  if (blobSize <= ESTARGZ_FOOTER_BYTES) throw new TocFormatError(what, `a ${blobSize}-byte blob has no room for an eStargz footer`);
  const footerAt = blobSize - ESTARGZ_FOOTER_BYTES;
  const tocOffset = parseEstargzFooter(await readRange(layer, footerAt, blobSize, what, pipe), blobSize, what);
  const compressed = footerAt - tocOffset;
  if (compressed > MAX_TOC_COMPRESSED_BYTES) {
    throw new TocFormatError(what, `the eStargz TOC is ${compressed} compressed bytes, over the ${MAX_TOC_COMPRESSED_BYTES}-byte limit`);
  }
  const member = await readRange(layer, tocOffset, footerAt, what, pipe);
  const tocWhat = `${what}: eStargz TOC at bytes ${tocOffset}-${footerAt}`;
  const tar = inflateCapped(member, MAX_TOC_BYTES + TAR_OVERHEAD, tocWhat, core);
  const json = tocJson(tar, tocWhat);
  const actual = timed("verifying", json.length, () => {
    const h = createHasher(algorithm);
    h.update(json);
    return h.digest();
  });
  if (actual !== tocDigest)
    throw new DigestMismatchError(`${tocWhat} (the ${ESTARGZ_TOC_DIGEST_ANNOTATION} annotation)`, tocDigest, actual);
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(json));
  } catch (e) {
    throw new TocFormatError(tocWhat, `not UTF-8 JSON (${(e as Error).message})`);
  }
  return parseEstargzToc(doc, tocOffset, layer.digest ?? "no digest", tocWhat);
}

/** The one gzip member `member`, decoded whole, refused past `max` bytes (stopping there). */
function inflateCapped(member: Uint8Array, max: number, what: string, core: Core): Uint8Array {
  const dec = new GzipInflater(core, { what });
  // Timed as gunzip, as every other inflate is.
  const timedDec = { push: (chunk: Uint8Array) => timedSteps("gunzip", dec.push(chunk)), end: () => dec.end(), free: () => dec.free() };
  return decodeWhole(timedDec, member, max, what);
}

/** The body of the TOC member's one tar entry, which must be stargz.index.json. */
function tocJson(tar: Uint8Array, what: string): Uint8Array {
  let body: Uint8Array | null = null;
  let fill = 0;
  let entries = 0;
  const reader = new TarReader(
    {
      entry(h) {
        if (++entries > 1) throw new TocFormatError(what, `a second tar entry ${JSON.stringify(h.name)} after the TOC`);
        if (h.type !== "file" || cleanPath(h.name).path !== ESTARGZ_TOC_NAME) {
          throw new TocFormatError(what, `the TOC member holds ${JSON.stringify(h.name)}, not ${ESTARGZ_TOC_NAME}`);
        }
        if (h.size > MAX_TOC_BYTES) throw new TocFormatError(what, `the TOC is ${h.size} bytes, over the ${MAX_TOC_BYTES}-byte limit`);
        body = new Uint8Array(h.size);
      },
      data(chunk) {
        body!.set(chunk, fill);
        fill += chunk.length;
      },
    },
    { what },
  );
  reader.push(tar);
  reader.end();
  if (!body || fill !== (body as Uint8Array).length) throw new TocFormatError(what, `no ${ESTARGZ_TOC_NAME} in the TOC member`);
  return body;
}
