// `layerlens inspect IMAGE [--platform os/arch[/variant]] [--json] [--quick]`
// Prints the index (platforms), the manifest, the config (env, entrypoint, cmd, user, workdir,
// labels, ports, volumes), the history and the layers (digest, media type, compressed and
// uncompressed size). Every document is verified; unless --quick, every layer is read once,
// its blob digest and diff_id verified and its uncompressed size counted. `--sample` inspects
// the project's own deterministic sample image (src/sample.ts).
// The report is built whole before anything is printed, so an error prints nothing on stdout.

import { MetadataCache } from "../cache.js";
import { chunksOf, readLayerStream } from "../fs/decompress.js";
import { verifyingStream } from "../sources/verify.js";
import { init } from "../node.js";
import { formatPlatform, parsePlatform } from "../oci/platform.js";
import type { Descriptor, Platform } from "../oci/types.js";
import { type ReferrerNode, type ResolvedImage, resolveImage, resolveReferrers } from "../sources/image.js";
import { openImageSource } from "../sources/open.js";
import { UsageError } from "../errors.js";
import { formatBytes, shortDigest } from "../format.js";
import { parseArgs } from "./args.js";
import type { CliIO, Command } from "./main.js";

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
  /** Digest of what the reference names (an index or a manifest), as skopeo's Digest. */
  digest: string;
  mediaType: string;
  /** Indexes passed on the way to the manifest, outermost first. */
  indexes: { digest: string; mediaType: string; manifests: { digest: string; mediaType: string; size: number; platform: string | null; annotations?: Record<string, string> }[] }[];
  /** os/arch[/variant] from the config; null for an artifact. */
  platform: string | null;
  /** True when the config is not an image config (an artifact: chart, signature, SBOM...). */
  artifact: boolean;
  manifest: { digest: string; mediaType: string; size: number; artifactType?: string; annotations: Record<string, string>; subject?: Descriptor };
  config: {
    digest: string; mediaType: string; size: number;
    created: string | null; author: string | null; architecture: string | null; os: string | null; variant: string | null;
    env: string[]; entrypoint: string[]; cmd: string[]; user: string; workingDir: string;
    labels: Record<string, string>; exposedPorts: string[]; volumes: string[]; stopSignal: string | null;
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

/** How the report reads a blob: the source's openBlob (unverified; the report verifies). */
export type ReadBlob = (d: Descriptor) => Promise<ReadableStream<Uint8Array>>;

export interface InspectOptions {
  /** Do not read layer blobs (no uncompressed sizes, layers not verified). */
  quick?: boolean;
  /** Also list referrers of the manifest (OCI 1.1), recursively. */
  referrers?: boolean;
}

/** Build the report for a resolved image (reads and verifies each layer unless quick). */
export async function buildReport(image: ResolvedImage, read: ReadBlob, options: InspectOptions = {}): Promise<InspectReport> {
  const c = image.config;
  const cc = c?.config ?? {};
  const layers: LayerReport[] = [];
  for (const [i, d] of image.layers.entries()) {
    const diffId = c?.rootfs.diff_ids[i] ?? null;
    let uncompressedSize: number | null = null;
    let compression: string | null = null;
    if (!options.quick && d.urls?.length && !(await hasBlob(read, d))) {
      // A foreign / non-distributable layer lives at its urls, not in the image: nothing to
      // read here (we do not fetch arbitrary URLs), so its sizes stay unknown.
    } else if (!options.quick && !c) {
      // An artifact's blobs are not filesystem layers: verify them, report no tar size.
      const stream = verifyingStream(await read(d), d, `blob ${i} ${d.digest}`);
      for await (const _ of chunksOf(stream)) { /* drain */ }
    } else if (!options.quick) {
      const what = `layer ${i} ${d.digest}`;
      // Compression is judged by the bytes, not the media type: skopeo 1.9 labels the
      // uncompressed layers of a docker-archive ...tar.gzip, and the digests still bind the bytes.
      const result = await readLayerStream(await read(d), () => {}, { digest: d.digest, size: d.size, diffId: diffId ?? undefined, what })
        .catch((err) => rootCause(err, d, what, read));
      uncompressedSize = result.uncompressedBytes;
      compression = result.compression;
    }
    layers.push({ index: i, digest: d.digest, mediaType: d.mediaType, size: d.size, diffId, uncompressedSize, compression, ...(d.urls ? { urls: d.urls } : {}), ...(d.annotations ? { annotations: d.annotations } : {}) });
  }
  let next = 0;
  const history = (c?.history ?? []).map((h): HistoryReport => ({
    created: h.created ?? null, createdBy: h.created_by ?? null, author: h.author ?? null, comment: h.comment ?? null,
    emptyLayer: h.empty_layer === true, layer: h.empty_layer === true ? null : next < layers.length ? next++ : null,
  }));
  const m = image.manifest;
  return {
    name: image.name,
    digest: image.root.digest,
    mediaType: image.root.mediaType,
    indexes: image.indexes.map(({ descriptor, index }) => ({
      digest: descriptor.digest,
      mediaType: index.mediaType ?? descriptor.mediaType,
      manifests: index.manifests.map((d) => ({ digest: d.digest, mediaType: d.mediaType, size: d.size, platform: d.platform ? formatPlatform(d.platform) : null, ...(d.annotations ? { annotations: d.annotations } : {}) })),
    })),
    platform: c ? formatPlatform(c) : null, // a config carries os, architecture and variant itself
    artifact: c === null,
    manifest: {
      digest: image.manifestDescriptor.digest, mediaType: m.mediaType ?? image.manifestDescriptor.mediaType, size: image.manifestBytes.length,
      ...(m.artifactType ? { artifactType: m.artifactType } : {}), annotations: m.annotations ?? {}, ...(m.subject ? { subject: m.subject } : {}),
    },
    config: {
      digest: m.config.digest, mediaType: m.config.mediaType, size: m.config.size,
      created: c?.created ?? null, author: c?.author ?? null, architecture: c?.architecture ?? null, os: c?.os ?? null, variant: c?.variant ?? null,
      env: cc.Env ?? [], entrypoint: cc.Entrypoint ?? [], cmd: cc.Cmd ?? [], user: cc.User ?? "", workingDir: cc.WorkingDir ?? "",
      labels: cc.Labels ?? {}, exposedPorts: Object.keys(cc.ExposedPorts ?? {}), volumes: Object.keys(cc.Volumes ?? {}), stopSignal: cc.StopSignal ?? null,
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
async function hasBlob(read: ReadBlob, d: Descriptor): Promise<boolean> {
  try {
    await (await read(d)).cancel();
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
async function rootCause(err: unknown, d: Descriptor, what: string, read: ReadBlob): Promise<never> {
  if ((err as { code?: string }).code === "COMPRESSION") {
    for await (const _ of chunksOf(verifyingStream(await read(d), d, what))) { /* drain: throws on mismatch */ }
  }
  throw err;
}

function toReferrerReport(nodes: ReferrerNode[]): ReferrerReport[] {
  return nodes.map((n) => ({
    digest: n.descriptor.digest, mediaType: n.descriptor.mediaType, artifactType: n.descriptor.artifactType ?? null,
    size: n.descriptor.size, referrers: toReferrerReport(n.referrers),
  }));
}

/** Open, resolve and report on `spec` (the library form of the command). */
export async function inspectImage(spec: string, options: InspectOptions & { platform?: Platform } = {}): Promise<InspectReport> {
  await init();
  const cache = new MetadataCache<Uint8Array>({ max: 256, maxBytes: 64 << 20 });
  const source = await openImageSource(spec);
  try {
    const image = await resolveImage(source, { platform: options.platform, cache });
    const report = await buildReport(image, (d) => source.openBlob(d), options);
    if (options.referrers) report.referrers = toReferrerReport(await resolveReferrers(source, image.manifestDescriptor));
    return report;
  } finally {
    cache.free();
    await source.close?.();
  }
}

export const command: Command = {
  summary: "Show an image's index, manifest, config, history and layers (every digest verified).",
  usage: "layerlens inspect IMAGE [--platform os/arch[/variant]] [--json] [--quick] [--referrers]\n       layerlens inspect --sample [--json]",
  async run(argv: string[], io: CliIO): Promise<number> {
    const args = parseArgs(argv, { boolean: ["json", "quick", "sample", "referrers"], string: ["platform"] }, "inspect");
    let spec = args.positionals[0];
    if (args.flags.sample) {
      if (spec) throw new UsageError("inspect: --sample takes no IMAGE");
      const { ensureSampleImage } = await import("../sample-node.js");
      spec = `oci:${await ensureSampleImage()}:latest`;
    }
    if (!spec) throw new UsageError("inspect: name an IMAGE (see layerlens inspect --help)");
    if (args.positionals.length > 1) throw new UsageError(`inspect: one IMAGE at a time, got ${args.positionals.length}`);
    const platform = args.options.platform ? parsePlatform(args.options.platform) : undefined;
    const report = await inspectImage(spec, { platform, quick: args.flags.quick, referrers: args.flags.referrers });
    io.stdout(args.flags.json ? JSON.stringify(report, null, 2) + "\n" : formatReport(report));
    return 0;
  },
};

// ---- text output ----

function bytes(n: number | null): string {
  return n === null ? "-" : formatBytes(n);
}

function row(label: string, value: string): string {
  return `  ${label.padEnd(12)}${value}\n`;
}

export function formatReport(r: InspectReport): string {
  let out = `Image       ${r.name}\nDigest      ${r.digest}\n${r.artifact ? `Artifact    config ${r.config.mediaType}` : `Platform    ${r.platform}`}\n`;
  for (const ix of r.indexes) {
    out += `\nIndex ${ix.digest} (${ix.mediaType})\n`;
    for (const m of ix.manifests) {
      const mark = m.digest === r.manifest.digest || r.indexes.some((x) => x.digest === m.digest) ? " <-" : "";
      out += `  ${(m.platform ?? "-").padEnd(20)}${m.digest}${mark}\n`;
    }
  }
  out += `\nManifest ${r.manifest.digest}\n` + row("media type", r.manifest.mediaType) + row("size", `${r.manifest.size} B`);
  if (r.manifest.artifactType) out += row("artifact", r.manifest.artifactType);
  for (const [k, v] of Object.entries(r.manifest.annotations)) out += row("annotation", `${k}=${v}`);
  const c = r.config;
  out += `\nConfig ${c.digest}\n`;
  out += row("created", c.created ?? "-") + (c.author ? row("author", c.author) : "");
  out += row("user", c.user || "-") + row("workdir", c.workingDir || "-");
  out += row("entrypoint", c.entrypoint.length ? JSON.stringify(c.entrypoint) : "-") + row("cmd", c.cmd.length ? JSON.stringify(c.cmd) : "-");
  for (const e of c.env) out += row("env", e);
  if (c.exposedPorts.length) out += row("ports", c.exposedPorts.join(" "));
  if (c.volumes.length) out += row("volumes", c.volumes.join(" "));
  if (c.stopSignal) out += row("stop signal", c.stopSignal);
  for (const [k, v] of Object.entries(c.labels)) out += row("label", `${k}=${v}`);
  out += `\nHistory (${r.history.length})\n`;
  for (const h of r.history) {
    out += `  ${(h.layer === null ? "-" : String(h.layer)).padStart(3)}  ${(h.created ?? "").padEnd(21)} ${h.createdBy ?? h.comment ?? ""}${h.emptyLayer ? "  (empty layer)" : ""}\n`;
  }
  out += `\nLayers (${r.layers.length})  compressed ${bytes(r.totals.size)}, uncompressed ${bytes(r.totals.uncompressedSize)}\n`;
  for (const l of r.layers) {
    out += `  ${String(l.index).padStart(3)}  ${shortDigest(l.digest)}  ${bytes(l.size).padStart(10)}  ${bytes(l.uncompressedSize).padStart(10)}  ${l.mediaType}\n`;
  }
  if (r.referrers) {
    out += `\nReferrers (${r.referrers.length})\n`;
    const walk = (list: ReferrerReport[], depth: number): void => {
      for (const x of list) {
        out += `  ${"  ".repeat(depth)}${x.digest}  ${x.artifactType ?? x.mediaType}\n`;
        walk(x.referrers, depth + 1);
      }
    };
    walk(r.referrers, 0);
  }
  return out;
}
