// What `layerlens inspect` prints and the inspector page shows: an image's index (platforms),
// manifest, config (env, entrypoint, cmd, user, workdir, labels, ports, volumes), history and
// layers (digest, media type, compressed and uncompressed size), as one JSON-able object.
// Portable: it reads layers through Layer.open(), so any source in any runtime can be reported.
// Unless `quick`, every layer is read once, its blob digest and diff_id verified and its
// uncompressed size counted; with `quick` only the (already verified) documents are used.

import { chunksOf, readLayerStream } from "../fs/decompress.js";
import { type LayerFactsStore, loadFacts, saveFacts } from "../fs/layer-facts.js";
import type { Layer } from "../oci/layer.js";
import { formatPlatform } from "../oci/platform.js";
import type { Descriptor } from "../oci/types.js";
import { DockerArchiveSource } from "../sources/docker-archive.js";
import type { ReferrerNode, ResolvedImage } from "../sources/image.js";
import type { ImageSource } from "../sources/source.js";
import { verifyingStream } from "../sources/verify.js";
import { type Stats, withStats } from "./stats.js";

export interface LayerReport {
  index: number;
  digest: string;
  mediaType: string;
  /** Compressed (blob) size in bytes. */
  size: number;
  diffId: string | null;
  /** Bytes of the uncompressed tar; null with --quick. */
  uncompressedSize: number | null;
  /** Compression found in the blob's bytes (gzip, zstd, none); null with --quick. */
  compression: string | null;
  urls?: string[];
  annotations?: Record<string, string>;
}

export interface HistoryReport {
  created: string | null;
  createdBy: string | null;
  author: string | null;
  comment: string | null;
  emptyLayer: boolean;
  /** Index into layers for entries that made one. */
  layer: number | null;
}

export interface InspectReport {
  name: string;
  /** The names a docker-archive gives the image (manifest.json RepoTags), when it gives any. */
  repoTags?: string[];
  /** Digest of what the reference names (an index or a manifest), as skopeo's Digest. */
  digest: string;
  mediaType: string;
  /** Indexes passed on the way to the manifest, outermost first. */
  indexes: {
    digest: string;
    mediaType: string;
    manifests: { digest: string; mediaType: string; size: number; platform: string | null; annotations?: Record<string, string> }[];
  }[];
  /** os/arch[/variant] from the config; null for an artifact. */
  platform: string | null;
  /** True when the config is not an image config (an artifact: chart, signature, SBOM...). */
  artifact: boolean;
  manifest: {
    digest: string;
    mediaType: string;
    size: number;
    artifactType?: string;
    annotations: Record<string, string>;
    subject?: Descriptor;
  };
  config: {
    digest: string;
    mediaType: string;
    size: number;
    created: string | null;
    author: string | null;
    architecture: string | null;
    os: string | null;
    variant: string | null;
    env: string[];
    entrypoint: string[];
    cmd: string[];
    user: string;
    workingDir: string;
    labels: Record<string, string>;
    exposedPorts: string[];
    volumes: string[];
    stopSignal: string | null;
  };
  history: HistoryReport[];
  layers: LayerReport[];
  /** With --referrers: artifacts whose subject is the manifest (signatures, SBOMs...). */
  referrers?: ReferrerReport[];
  totals: { size: number; uncompressedSize: number | null };
}

/** One artifact whose subject is the manifest (or another referrer), with its own referrers. */
export interface ReferrerReport {
  digest: string;
  mediaType: string;
  artifactType: string | null;
  size: number;
  referrers: ReferrerReport[];
}

export interface InspectOptions {
  /** Do not read layer blobs (no uncompressed sizes, layers not verified). */
  quick?: boolean;
  /** Also list referrers of the manifest (OCI 1.1), recursively. */
  referrers?: boolean;
  /** Names the source gives the image (repoTagsOf(source)); shown when not empty. */
  repoTags?: string[];
  /** Called once the report is built (or failed) with what building it cost (report/stats.ts). */
  onStats?: (stats: Stats) => void;
  /**
   * Verified per-layer results by digest (fs/layer-facts.ts): a layer recorded there is reported
   * from its record, unread (it was verified when recorded); one read is recorded there.
   */
  facts?: LayerFactsStore;
}

/** The RepoTags of a docker-archive's chosen image; undefined for sources without such names. */
export function repoTagsOf(source: ImageSource): string[] | undefined {
  return source instanceof DockerArchiveSource ? [...source.repoTags] : undefined;
}

/** Build the report for a resolved image (reads and verifies each layer unless quick). */
export function buildReport(image: ResolvedImage, options: InspectOptions = {}): Promise<InspectReport> {
  return withStats(options.onStats, () => reportOn(image, options));
}

async function reportOn(image: ResolvedImage, options: InspectOptions): Promise<InspectReport> {
  const c = image.config;
  const cc = c?.config ?? {};
  const layers: LayerReport[] = [];
  for (const [i, layer] of image.layers.entries()) {
    const d = layer.descriptor;
    const diffId = layer.diffId ?? null;
    let uncompressedSize: number | null = null;
    let compression: string | null = null;
    if (!options.quick && d.urls?.length && !(await hasBlob(layer))) {
      // A foreign / non-distributable layer lives at its urls, not in the image: nothing to
      // read here (we do not fetch arbitrary URLs), so its sizes stay unknown.
    } else if (!options.quick && !c) {
      // An artifact's blobs are not filesystem layers: verify them, report no tar size.
      const stream = verifyingStream(await layer.open(), d, `blob ${i} ${d.digest}`);
      for await (const _ of chunksOf(stream)) {
        /* drain */
      }
    } else if (!options.quick) {
      const what = `layer ${i} ${d.digest}`;
      const known = options.facts && (await loadFacts(options.facts, d.digest));
      if (known && known.compressedBytes === d.size && (diffId === null || known.diffId === diffId)) {
        uncompressedSize = known.uncompressedBytes;
        compression = known.compression;
      } else {
        // Compression is judged by the bytes, not the media type: skopeo 1.9 labels the
        // uncompressed layers of a docker-archive ...tar.gzip, and the digests still bind the bytes.
        const result = await readLayerStream(await layer.open(), () => {}, {
          digest: d.digest,
          size: d.size,
          diffId: diffId ?? undefined,
          what,
        }).catch((err) => rootCause(err, layer, what));
        uncompressedSize = result.uncompressedBytes;
        compression = result.compression;
        // Without the tar's entries: a mount that finds this record reads the layer and records them.
        if (options.facts && !known && result.diffId !== undefined) {
          const { compressedBytes, uncompressedBytes, diffId: computed } = result;
          await saveFacts(options.facts, {
            digest: d.digest,
            diffId: computed,
            compression: result.compression,
            compressedBytes,
            uncompressedBytes,
          });
        }
      }
    }
    layers.push({
      index: i,
      digest: d.digest,
      mediaType: d.mediaType,
      size: d.size,
      diffId,
      uncompressedSize,
      compression,
      ...(d.urls ? { urls: d.urls } : {}),
      ...(d.annotations ? { annotations: d.annotations } : {}),
    });
  }
  let next = 0;
  const history = (c?.history ?? []).map((h): HistoryReport => ({
    created: h.created ?? null,
    createdBy: h.created_by ?? null,
    author: h.author ?? null,
    comment: h.comment ?? null,
    emptyLayer: h.empty_layer === true,
    layer: h.empty_layer === true ? null : next < layers.length ? next++ : null,
  }));
  const m = image.manifest;
  return {
    name: image.name,
    ...(options.repoTags?.length ? { repoTags: options.repoTags } : {}),
    digest: image.root.digest,
    mediaType: image.root.mediaType,
    indexes: image.indexes.map(({ descriptor, index }) => ({
      digest: descriptor.digest,
      mediaType: index.mediaType ?? descriptor.mediaType,
      manifests: index.manifests.map((d) => ({
        digest: d.digest,
        mediaType: d.mediaType,
        size: d.size,
        platform: d.platform ? formatPlatform(d.platform) : null,
        ...(d.annotations ? { annotations: d.annotations } : {}),
      })),
    })),
    platform: c ? formatPlatform(c) : null, // a config carries os, architecture and variant itself
    artifact: c === null,
    manifest: {
      digest: image.manifestDescriptor.digest,
      mediaType: m.mediaType ?? image.manifestDescriptor.mediaType,
      size: image.manifestBytes.length,
      ...(m.artifactType ? { artifactType: m.artifactType } : {}),
      annotations: m.annotations ?? {},
      ...(m.subject ? { subject: m.subject } : {}),
    },
    config: {
      digest: m.config.digest,
      mediaType: m.config.mediaType,
      size: m.config.size,
      created: c?.created ?? null,
      author: c?.author ?? null,
      architecture: c?.architecture ?? null,
      os: c?.os ?? null,
      variant: c?.variant ?? null,
      env: cc.Env ?? [],
      entrypoint: cc.Entrypoint ?? [],
      cmd: cc.Cmd ?? [],
      user: cc.User ?? "",
      workingDir: cc.WorkingDir ?? "",
      labels: cc.Labels ?? {},
      exposedPorts: Object.keys(cc.ExposedPorts ?? {}),
      volumes: Object.keys(cc.Volumes ?? {}),
      stopSignal: cc.StopSignal ?? null,
    },
    history,
    layers,
    totals: {
      size: layers.reduce((s, l) => s + l.size, 0),
      uncompressedSize: layers.every((l) => l.uncompressedSize !== null) ? layers.reduce((s, l) => s + (l.uncompressedSize ?? 0), 0) : null,
    },
  };
}

/** True when the source holds the blob (opening it does not say NOT_FOUND). */
async function hasBlob(layer: Layer): Promise<boolean> {
  try {
    await (await layer.open()).cancel();
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === "NOT_FOUND") return false;
    throw err;
  }
}

/**
 * A layer that fails to decompress may simply be corrupt: check its blob digest, and when that
 * is wrong report the mismatch (the root cause) instead of the decompressor's complaint.
 */
async function rootCause(err: unknown, layer: Layer, what: string): Promise<never> {
  if ((err as { code?: string }).code === "COMPRESSION") {
    for await (const _ of chunksOf(verifyingStream(await layer.open(), layer.descriptor, what))) {
      /* drain: throws on mismatch */
    }
  }
  throw err;
}

/** The referrer tree (resolveReferrers) as the report lists it. */
export function toReferrerReport(nodes: ReferrerNode[]): ReferrerReport[] {
  return nodes.map((n) => ({
    digest: n.descriptor.digest,
    mediaType: n.descriptor.mediaType,
    artifactType: n.descriptor.artifactType ?? null,
    size: n.descriptor.size,
    referrers: toReferrerReport(n.referrers),
  }));
}
