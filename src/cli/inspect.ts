// `layerlens inspect IMAGE [--platform os/arch[/variant]] [--json | --format skopeo] [--quick]`
// Prints the index (platforms), the manifest, the config (env, entrypoint, cmd, user, workdir,
// labels, ports, volumes), the history and the layers (digest, media type, compressed and
// uncompressed size), and a docker-archive's RepoTags. Every document is verified; unless
// --quick, every layer is read once, its blob digest and diff_id verified and its uncompressed
// size counted. `--format skopeo` prints `skopeo inspect`'s JSON instead (documents only, as
// skopeo reads them). `--sample` inspects the project's own deterministic sample image.
// The report is built whole before anything is printed, so an error prints nothing on stdout.

import { UsageError } from "../errors.js";
import { formatBytes, shortDigest } from "../format.js";
import { init } from "../node.js";
import { type OpenOptions, openImage } from "../node/open.js";
import { parsePlatform } from "../oci/platform.js";
import { parseReference } from "../oci/reference.js";
import type { Platform } from "../oci/types.js";
import {
  type InspectOptions,
  type InspectReport,
  type ReferrerReport,
  buildReport,
  repoTagsOf,
  toReferrerReport,
} from "../report/inspect.js";
import { type SkopeoInspect, formatSkopeoJson, toSkopeoInspect } from "../report/skopeo.js";
import { documentCache } from "../sources/document-cache.js";
import { resolveImage, resolveReferrers } from "../sources/image.js";
import { countedLayers, type Progress } from "../report/progress.js";
import { DockerArchiveSource } from "../sources/docker-archive.js";
import { RegistrySource } from "../sources/registry.js";
import { factsStoreOf } from "../sources/cached-source.js";
import type { ImageSource } from "../sources/source.js";
import { parseArgs } from "./args.js";
import type { CliIO, Command } from "./command.js";
import { startProgress } from "./progress.js";
import { REGISTRY_FLAGS_USAGE, takeRegistryFlags } from "./registry-flags.js";

/**
 * Open, resolve and report on `spec` (the library form of the command). With `progress`, the
 * full mode's layer reads are its "verifying" phase: compressed bytes of every blob, layer by layer.
 */
export async function inspectImage(
  spec: string,
  options: InspectOptions & OpenOptions & { platform?: Platform; progress?: Progress } = {},
): Promise<InspectReport> {
  await init();
  const source = await openImage(spec, options);
  try {
    let image = await resolveImage(source, { platform: options.platform, cache: documentCache() });
    const progress = options.progress;
    if (progress && !options.quick) {
      let verified = 0;
      const count = image.layers.length;
      progress.begin("verifying", { label: spec, total: image.layers.reduce((n, l) => n + l.size, 0), steps: { count, unit: "layer" } });
      image = {
        ...image,
        layers: countedLayers(
          image.layers,
          (n) => progress.add(n),
          () => progress.step(Math.min(++verified, count)),
        ),
      };
    }
    // onStats belongs to openImage here (the whole call, reported on close), not to buildReport.
    const facts = options.facts ?? factsStoreOf(source);
    const report = await buildReport(image, { ...options, onStats: undefined, repoTags: repoTagsOf(source), facts });
    progress?.end();
    if (options.referrers) report.referrers = toReferrerReport(await resolveReferrers(source, image.manifestDescriptor));
    return report;
  } finally {
    await source.close?.();
  }
}

/** What `skopeo inspect` prints for `spec`: Name and RepoTags from the registry for docker://. */
export async function inspectSkopeo(spec: string, options: OpenOptions & { platform?: Platform } = {}): Promise<SkopeoInspect> {
  await init();
  const source = await openImage(spec, options);
  try {
    const image = await resolveImage(source, { platform: options.platform, cache: documentCache() });
    if (!(source instanceof RegistrySource)) return toSkopeoInspect(image, { name: archiveReferenceName(source) });
    const { registry, repository } = source.reference;
    return toSkopeoInspect(image, { name: `${registry}/${repository}`, repoTags: await source.client.tags(repository) });
  } finally {
    await source.close?.();
  }
}

/**
 * skopeo names an image by the Docker reference its transport carries: for a docker-archive
 * that is the REPO:TAG the user chose it by (normalised, without the tag); "@N" or no choice
 * carries none. The source's name is docker-archive:FILE[:CHOICE], split as skopeo splits it.
 */
function archiveReferenceName(source: ImageSource): string | undefined {
  if (!(source instanceof DockerArchiveSource)) return undefined;
  const rest = source.name.slice("docker-archive:".length);
  const colon = rest.indexOf(":");
  const choice = colon < 0 ? "" : rest.slice(colon + 1);
  if (!choice || choice.startsWith("@")) return undefined;
  const ref = parseReference(choice);
  return `${ref.registry}/${ref.repository}`;
}

const FORMATS = ["text", "json", "skopeo"];

export const command: Command = {
  summary: "Show an image's index, manifest, config, history and layers (every digest verified).",
  usage:
    `layerlens inspect IMAGE [--platform os/arch[/variant]] [--json | --format text|json|skopeo] [--quick] [--referrers] ${REGISTRY_FLAGS_USAGE}\n` +
    "       layerlens inspect --sample [--json]",
  async run(argv: string[], io: CliIO): Promise<number> {
    const { rest, registry, blobCache } = takeRegistryFlags(argv, "inspect");
    const args = parseArgs(rest, { boolean: ["json", "quick", "sample", "referrers"], string: ["platform", "format"] }, "inspect");
    const format = args.options.format ?? (args.flags.json ? "json" : "text");
    if (!FORMATS.includes(format)) throw new UsageError(`inspect: --format is one of ${FORMATS.join(", ")}, got ${JSON.stringify(format)}`);
    if (args.flags.json && format !== "json") throw new UsageError(`inspect: --json and --format ${format} ask for different outputs`);
    let spec = args.positionals[0];
    if (args.flags.sample) {
      if (spec) throw new UsageError("inspect: --sample takes no IMAGE");
      const { ensureSampleImage } = await import("../node/sample.js");
      spec = `oci:${await ensureSampleImage()}:latest`;
    }
    if (!spec) throw new UsageError("inspect: name an IMAGE (see layerlens inspect --help)");
    if (args.positionals.length > 1) throw new UsageError(`inspect: one IMAGE at a time, got ${args.positionals.length}`);
    const platform = args.options.platform ? parsePlatform(args.options.platform) : undefined;
    if (format === "skopeo") {
      if (args.flags.referrers) throw new UsageError("inspect: skopeo's format has no referrers (see layerlens referrers IMAGE)");
      io.stdout(formatSkopeoJson(await inspectSkopeo(spec, { platform, registry })));
      return 0;
    }
    const shown = startProgress(io);
    let report: InspectReport;
    try {
      report = await inspectImage(spec, {
        platform,
        quick: args.flags.quick,
        referrers: args.flags.referrers,
        registry,
        blobCache,
        progress: shown.progress,
      });
    } finally {
      shown.close();
    }
    io.stdout(format === "json" ? JSON.stringify(report, null, 2) + "\n" : formatReport(report));
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
  let out = `Image       ${r.name}\n${r.repoTags ? `RepoTags    ${r.repoTags.join(" ")}\n` : ""}Digest      ${r.digest}\n${r.artifact ? `Artifact    config ${r.config.mediaType}` : `Platform    ${r.platform}`}\n`;
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
  out +=
    row("entrypoint", c.entrypoint.length ? JSON.stringify(c.entrypoint) : "-") + row("cmd", c.cmd.length ? JSON.stringify(c.cmd) : "-");
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
