// `layerlens referrers IMAGE [--platform P] [--artifact-type T] [--json]`: the artifacts that
// name the image as their OCI 1.1 `subject` (signatures, attestations, SBOMs), and theirs in
// turn, as a tree. Each is named by its artifact type (cosign and notation signatures, in-toto
// attestations, SPDX and CycloneDX SBOMs) and sized: its manifest and the blobs it carries.
// Layouts answer from index.json; registries from the referrers API or the sha256-<hex> tag
// fallback (resolveReferrers). Every referrer manifest is read verified.
// Spec: https://github.com/opencontainers/image-spec/blob/main/manifest.md#guidelines-for-artifact-usage

import { InvalidManifestError, UsageError } from "../errors.js";
import { formatBytes } from "../format.js";
import { init } from "../node.js";
import { openImage } from "../node/open.js";
import { parsePlatform } from "../oci/platform.js";
import type { Descriptor } from "../oci/types.js";
import { documentCache } from "../sources/document-cache.js";
import { type ReferrerNode, readDocument, resolveImage, resolveReferrers } from "../sources/image.js";
import type { RegistrySourceOptions } from "../sources/registry.js";
import type { ImageSource } from "../sources/source.js";
import { parseJson } from "../sources/verify.js";
import { parseArgs } from "./args.js";
import type { CliIO, Command } from "./command.js";
import { REGISTRY_FLAGS_USAGE, takeRegistryFlags } from "./registry-flags.js";

/** What the common artifact and payload media types are, in words. */
const KINDS: Record<string, string> = {
  "application/vnd.dev.cosign.artifact.sig.v1+json": "cosign signature",
  "application/vnd.dev.cosign.simplesigning.v1+json": "cosign signature",
  "application/vnd.dev.sigstore.bundle.v0.3+json": "sigstore bundle",
  "application/vnd.dev.sigstore.bundle+json;version=0.3": "sigstore bundle",
  "application/vnd.dsse.envelope.v1+json": "in-toto attestation (DSSE)",
  "application/vnd.in-toto+json": "in-toto attestation",
  "application/spdx+json": "SBOM (SPDX)",
  "text/spdx": "SBOM (SPDX)",
  "text/spdx+json": "SBOM (SPDX)",
  "application/vnd.cyclonedx+json": "SBOM (CycloneDX)",
  "application/vnd.cyclonedx+xml": "SBOM (CycloneDX)",
  "application/vnd.cyclonedx": "SBOM (CycloneDX)",
  "application/vnd.syft+json": "SBOM (Syft)",
  "application/vnd.cncf.notary.signature": "notation signature",
};

/** A name for an artifact of `artifactType` whose blobs have `layerTypes`. */
export function artifactKind(artifactType: string | undefined, layerTypes: string[] = []): string {
  for (const t of [artifactType, ...layerTypes]) {
    const kind = t && KINDS[t.trim()];
    if (kind) return kind;
  }
  return "artifact";
}

export interface ReferrerView {
  digest: string;
  mediaType: string;
  artifactType: string | null;
  /** In words: "cosign signature", "SBOM (SPDX)", ... or "artifact". */
  kind: string;
  /** Bytes of the referrer's manifest. */
  size: number;
  /** Bytes of the blobs it carries (config and layers). */
  blobsSize: number;
  annotations?: Record<string, string>;
  referrers: ReferrerView[];
}

export interface ReferrersReport {
  name: string;
  subject: { digest: string; mediaType: string };
  referrers: ReferrerView[];
}

/** The referrers tree of `spec`'s manifest, each referrer's manifest read to name and size it. */
export async function referrersOf(
  spec: string,
  options: { platform?: string; artifactType?: string; registry?: RegistrySourceOptions } = {},
): Promise<ReferrersReport> {
  await init();
  const source = await openImage(spec, { registry: options.registry });
  try {
    const image = await resolveImage(source, {
      platform: options.platform ? parsePlatform(options.platform) : undefined,
      cache: documentCache(),
    });
    const tree = await resolveReferrers(source, image.manifestDescriptor, { artifactType: options.artifactType });
    return {
      name: source.name,
      subject: { digest: image.manifestDescriptor.digest, mediaType: image.manifestDescriptor.mediaType },
      referrers: await Promise.all(tree.map((n) => view(source, n))),
    };
  } finally {
    await source.close?.();
  }
}

async function view(source: ImageSource, node: ReferrerNode): Promise<ReferrerView> {
  const d = node.descriptor;
  const what = `referrer ${d.digest}`;
  const bytes = await readDocument(source, d, "manifest", documentCache());
  const doc = parseJson(bytes, (why) => new InvalidManifestError(what, "", why)) as {
    artifactType?: string;
    config?: Descriptor;
    layers?: Descriptor[];
    blobs?: Descriptor[];
    annotations?: Record<string, string>;
  };
  const blobs = [...(doc.config ? [doc.config] : []), ...(doc.layers ?? doc.blobs ?? [])];
  const artifactType = d.artifactType ?? doc.artifactType ?? doc.config?.mediaType ?? null;
  const annotations = d.annotations ?? doc.annotations;
  return {
    digest: d.digest,
    mediaType: d.mediaType,
    artifactType,
    kind: artifactKind(
      artifactType ?? undefined,
      blobs.slice(doc.config ? 1 : 0).map((b) => b.mediaType),
    ),
    size: bytes.length,
    blobsSize: blobs.reduce((n, b) => n + (Number.isSafeInteger(b.size) ? b.size : 0), 0),
    ...(annotations ? { annotations } : {}),
    referrers: await Promise.all(node.referrers.map((n) => view(source, n))),
  };
}

/** The tree as text: one line per referrer, drawn with box characters like tree(1). */
export function formatReferrers(r: ReferrersReport): string {
  let out = `${r.subject.digest}  ${r.name}\n`;
  const walk = (list: ReferrerView[], indent: string): void => {
    list.forEach((x, i) => {
      const last = i === list.length - 1;
      const sizes = `${formatBytes(x.size + x.blobsSize)} (manifest ${formatBytes(x.size)})`;
      out += `${indent}${last ? "└── " : "├── "}${x.digest}  ${x.kind}  ${x.artifactType ?? x.mediaType}  ${sizes}\n`;
      walk(x.referrers, indent + (last ? "    " : "│   "));
    });
  };
  walk(r.referrers, "");
  if (r.referrers.length === 0) out += "(no referrers)\n";
  return out;
}

export const command: Command = {
  summary: "Show the signatures, attestations and SBOMs that refer to an image, as a tree.",
  usage: `layerlens referrers IMAGE [--platform os/arch[/variant]] [--artifact-type TYPE] [--json] ${REGISTRY_FLAGS_USAGE}`,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { rest, registry } = takeRegistryFlags(argv, "referrers");
    const args = parseArgs(rest, { boolean: ["json"], string: ["platform", "artifact-type"] }, "referrers");
    const [spec, ...extra] = args.positionals;
    if (!spec) throw new UsageError(`referrers: name an IMAGE\nusage: ${this.usage}`);
    if (extra.length) throw new UsageError("referrers: one IMAGE at a time");
    const report = await referrersOf(spec, { platform: args.options.platform, artifactType: args.options["artifact-type"], registry });
    io.stdout(args.flags.json ? JSON.stringify(report, null, 2) + "\n" : formatReferrers(report));
    return 0;
  },
};
