// Shared derivation on top of an ImageSource: root descriptor -> (nested) indexes -> the
// manifest for a platform -> config and layers. Every document is read verified (digest and
// size, 4 MiB cap), validated against the image-spec, and remembered in a MetadataCache by
// digest (content-addressed, so entries never go stale). Nested indexes are walked with the
// path of digests so far; a digest seen twice on the path is a cycle and is refused with it.
// Spec: https://github.com/opencontainers/image-spec/blob/main/image-index.md, manifest.md

import type { MetadataCache } from "../cache.js";
import { InvalidManifestError, NotFoundError } from "../errors.js";
import { LayerGraph } from "../graph.js";
import { loadDefaultCore } from "../wasm/core.js";
import { type Layer, layersOf } from "../oci/layer.js";
import { isImageConfig, isIndex, isImageManifest, isSchema1 } from "../oci/media-types.js";
import { formatPlatform, hostPlatform, platformMatches, platformOfConfig, selectPlatform } from "../oci/platform.js";
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform } from "../oci/types.js";
import { documentKind, validateConfig, validateIndex, validateManifest } from "../oci/validate.js";
import type { ImageSource } from "./source.js";
import { describe, parseJson, readVerified } from "./verify.js";

export interface ResolveOptions {
  /** Which manifest of an index to take; default: the only one, else the host's platform. */
  platform?: Platform;
  /** Verified documents by digest (raw bytes; the size is their length). */
  cache?: MetadataCache<Uint8Array>;
}

/** An index passed on the way from the root to the manifest. */
export interface IndexStep {
  descriptor: Descriptor;
  index: ImageIndex;
}

export interface ResolvedImage {
  name: string;
  /** What the reference named (an index or a manifest). */
  root: Descriptor;
  /** Indexes from the root down to the chosen manifest (empty when the root is a manifest). */
  indexes: IndexStep[];
  manifestDescriptor: Descriptor;
  manifest: ImageManifest;
  manifestBytes: Uint8Array;
  /** The image config; null for an artifact (a manifest whose config is not an image config). */
  config: ImageConfig | null;
  configBytes: Uint8Array;
  /** The manifest's layers, bottom first, each with its diff_id and a way to open its blob. */
  layers: Layer[];
}

/** Read a document (manifest, index or config) verified, through the cache when given. */
export async function readDocument(
  source: ImageSource,
  desc: Descriptor,
  kind: string,
  cache?: MetadataCache<Uint8Array>,
): Promise<Uint8Array> {
  const hit = cache?.get(desc.digest);
  if (hit && hit.length === desc.size) return hit;
  const bytes = await readVerified(source, desc, describe(kind, desc));
  cache?.set(desc.digest, bytes, cache.maxBytes ? { size: bytes.length } : undefined);
  return bytes;
}

/** Parse and validate a manifest-or-index document. */
function parseManifestish(
  bytes: Uint8Array,
  desc: Descriptor,
  what: string,
): { kind: "index"; doc: ImageIndex } | { kind: "manifest"; doc: ImageManifest } {
  const json = parseJson(bytes, (why) => new InvalidManifestError(what, "", why));
  const kind = documentKind(json);
  // A descriptor's media type and the document's own must agree when both are given.
  const own = (json as { mediaType?: unknown } | null)?.mediaType;
  if (
    typeof own === "string" &&
    own &&
    desc.mediaType &&
    own !== desc.mediaType &&
    (isIndex(own) || isImageManifest(own)) &&
    (isIndex(desc.mediaType) || isImageManifest(desc.mediaType))
  ) {
    throw new InvalidManifestError(what, "mediaType", `the document says ${own} but its descriptor says ${desc.mediaType}`);
  }
  if (kind === "index" || (kind === "unknown" && isIndex(desc.mediaType))) return { kind: "index", doc: validateIndex(what, json) };
  if (kind === "manifest" || (kind === "unknown" && isImageManifest(desc.mediaType)))
    return { kind: "manifest", doc: validateManifest(what, json) };
  if (kind === "schema1")
    throw new InvalidManifestError(what, "schemaVersion", "Docker schema 1 manifests are not supported (deprecated since 2017)");
  throw new InvalidManifestError(what, "mediaType", `neither an image manifest nor an index (descriptor media type ${desc.mediaType})`);
}

/** The entry of `index` to descend into for `want` (or the only entry when none is wanted). */
function chooseEntry(index: ImageIndex, desc: Descriptor, want: Platform | undefined): Descriptor {
  const usable = index.manifests.filter((d) => !isSchema1(d.mediaType));
  if (usable.length === 0 && index.manifests.length > 0) {
    // Every entry is schema 1: saying "no manifests" would hide that there are some, of a kind we refuse.
    throw new InvalidManifestError(
      describe("index", desc),
      "manifests",
      `all ${index.manifests.length} entries are Docker schema 1 manifests, which are not supported (deprecated since 2017)`,
    );
  }
  if (usable.length === 0) throw new NotFoundError(`index ${desc.digest} lists no manifests`);
  const withPlatform = usable.filter((d) => d.platform);
  if (!want && (usable.length === 1 || withPlatform.length === 0)) return usable[0];
  // One entry that names no platform: its config says which it is (checked by the caller).
  if (usable.length === 1 && withPlatform.length === 0) return usable[0];
  const target = want ?? hostPlatform();
  const found = selectPlatform(usable, target);
  if (!found) {
    const have = withPlatform.map((d) => formatPlatform(d.platform as Platform)).join(", ") || "none";
    throw new NotFoundError(
      `index ${desc.digest} has no manifest for ${formatPlatform(target)} (platforms: ${have})`,
      formatPlatform(target),
    );
  }
  return found;
}

/**
 * Walk from `source.root()` to one image. Each index's edges go into a LayerGraph and the
 * graph must stay acyclic before we descend (CycleError lists the cycle's digests), so the
 * walk terminates. With verified content a cycle needs a sha256 collision, but sources that
 * skip verification (or referrer walks over mutable tags) make the check worth its microseconds.
 */
export async function resolveImage(source: ImageSource, options: ResolveOptions = {}): Promise<ResolvedImage> {
  const graph = new LayerGraph({ core: await loadDefaultCore() });
  try {
    return await descend(source, options, graph);
  } finally {
    graph.free();
  }
}

async function descend(source: ImageSource, options: ResolveOptions, graph: LayerGraph): Promise<ResolvedImage> {
  const root = await source.root();
  const indexes: IndexStep[] = [];
  let desc = root;
  for (;;) {
    const kind = isIndex(desc.mediaType) ? "index" : "manifest";
    const bytes = await readDocument(source, desc, kind, options.cache);
    const parsed = parseManifestish(bytes, desc, describe(kind, desc));
    if (parsed.kind === "index") {
      indexes.push({ descriptor: desc, index: parsed.doc });
      graph.addIndex(
        desc.digest,
        parsed.doc.manifests.map((d) => d.digest),
      );
      graph.assertAcyclic(`index ${root.digest}`);
      desc = chooseEntry(parsed.doc, desc, options.platform);
      continue;
    }
    const manifest = parsed.doc;
    const what = describe("config", manifest.config);
    const configBytes = await readDocument(source, manifest.config, "config", options.cache);
    // An artifact (Helm chart, signature, SBOM...) carries a config of its own type: it is
    // verified like any blob but not parsed as an image config.
    let config: ImageConfig | null = null;
    if (isImageConfig(manifest.config.mediaType)) {
      config = validateConfig(
        what,
        parseJson(configBytes, (why) => new InvalidManifestError(what, "", why)),
      );
      checkLayersAgainstConfig(manifest, config, describe("manifest", desc));
      if (options.platform && !chosenByPlatform(indexes)) checkConfigPlatform(source.name, config, options.platform);
    }
    const layers = layersOf(manifest.layers, config?.rootfs.diff_ids ?? [], (d, range) => source.openBlob(d, range)).map((l) => {
      const byBytes = source.layerMediaType?.(l.descriptor);
      return byBytes ? { ...l, mediaType: byBytes } : l;
    });
    return {
      name: source.name,
      root,
      indexes,
      manifestDescriptor: desc,
      manifest,
      manifestBytes: bytes,
      config,
      configBytes,
      layers,
    };
  }
}

/** True when the last index on the way chose its entry by a platform field. */
function chosenByPlatform(indexes: IndexStep[]): boolean {
  const last = indexes[indexes.length - 1];
  return !!last && last.index.manifests.some((d) => d.platform);
}

/**
 * A wanted platform an image does not offer is refused rather than ignored: an image that is
 * not an index (or whose index names no platforms) offers only the one its config declares.
 */
function checkConfigPlatform(name: string, config: ImageConfig, want: Platform): void {
  const have = platformOfConfig(config);
  if (platformMatches(want, have)) return;
  throw new NotFoundError(
    `${name}: no image for ${formatPlatform(want)} (platforms: ${formatPlatform(have)}; the image is not a multi-platform index)`,
    formatPlatform(want),
  );
}

/** image-spec config.md: one diff_id per layer, in order. */
function checkLayersAgainstConfig(manifest: ImageManifest, config: ImageConfig, what: string): void {
  const n = config.rootfs.diff_ids.length;
  if (n !== manifest.layers.length) {
    throw new InvalidManifestError(what, "layers", `${manifest.layers.length} layers but the config lists ${n} rootfs.diff_ids`);
  }
}

/** A referrer (signature, SBOM, attestation...) and, recursively, the referrers of it. */
export interface ReferrerNode {
  descriptor: Descriptor;
  referrers: ReferrerNode[];
}

/**
 * The referrers of `subject`, and theirs, down to `maxDepth` levels (OCI 1.1 `subject`). Every
 * subject -> referrer edge goes into a LayerGraph that must stay acyclic: registries' fallback
 * tags (sha256-<hex>) are mutable, so a chain of referrers can be made to loop.
 */
export async function resolveReferrers(
  source: ImageSource,
  subject: Descriptor,
  options: { maxDepth?: number; artifactType?: string } = {},
): Promise<ReferrerNode[]> {
  if (!source.referrers) return [];
  const graph = new LayerGraph({ core: await loadDefaultCore() });
  const walk = async (of: Descriptor, depth: number): Promise<ReferrerNode[]> => {
    if (depth <= 0) return [];
    const found = await source.referrers!(of, options.artifactType);
    const out: ReferrerNode[] = [];
    for (const d of found) {
      graph.addReferrer(of.digest, d.digest);
      graph.assertAcyclic(`referrers of ${subject.digest}`);
      out.push({ descriptor: d, referrers: await walk(d, depth - 1) });
    }
    return out;
  };
  try {
    return await walk(subject, options.maxDepth ?? 4);
  } finally {
    graph.free();
  }
}
