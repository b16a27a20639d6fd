// The registry as an ImageSource (docker://REF): the root is what the tag or digest resolves
// to, manifests and indexes come from /manifests/ (verified against their digest by the
// client), other blobs from /blobs/ as resumable streams, and referrers through the API or
// the sha256-<hex> tag fallback. Shared code (image.ts) verifies blobs and walks the graph.
// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md

import { isImageManifest, isIndex } from "../oci/media-types.js";
import { type Reference, formatReference, parseReference, referenceTarget } from "../oci/reference.js";
import type { ByteRange, Descriptor, ImageSource } from "./source.js";
import { OCI_ARTIFACT_MANIFEST, RegistryClient, type RegistryClientOptions } from "./registry/client.js";

export { RegistryClient, MANIFEST_ACCEPT_HEADER, MAX_MANIFEST_BYTES, registryOrigin } from "./registry/client.js";
export type { RegistryClientOptions, ManifestResult, PingResult, ReferrersResult } from "./registry/client.js";
export type { Credentials, CredentialSource } from "./registry/auth.js";
export type { RetryOptions } from "./registry/retry.js";

export interface RegistrySourceOptions extends Omit<RegistryClientOptions, "registry"> {
  /** Hash whole blobs in openBlob too (default false: image.ts verifies every read already). */
  verifyBlobs?: boolean;
}

export class RegistrySource implements ImageSource {
  readonly name: string;
  readonly reference: Reference;
  readonly client: RegistryClient;
  private readonly verifyBlobs: boolean;
  /** Manifests already fetched (and verified) by digest, so root() + openBlob() is one GET. */
  private readonly manifests = new Map<string, Uint8Array>();

  constructor(reference: string | Reference, options: RegistrySourceOptions = {}) {
    this.reference = typeof reference === "string" ? parseReference(reference) : reference;
    this.name = `docker://${formatReference(this.reference)}`;
    this.client = new RegistryClient({ ...options, registry: this.reference.registry });
    this.verifyBlobs = options.verifyBlobs ?? false;
  }

  async root(): Promise<Descriptor> {
    const { bytes, descriptor } = await this.client.manifest(this.reference.repository, referenceTarget(this.reference));
    this.manifests.set(descriptor.digest, bytes);
    return descriptor;
  }

  async openBlob(desc: Descriptor, range?: ByteRange): Promise<ReadableStream<Uint8Array>> {
    if (!isManifestType(desc.mediaType)) {
      return this.client.openBlob(this.reference.repository, desc, range, { verify: this.verifyBlobs });
    }
    let bytes = this.manifests.get(desc.digest);
    if (!bytes) {
      bytes = (await this.client.manifest(this.reference.repository, desc.digest)).bytes;
      this.manifests.set(desc.digest, bytes);
    }
    const part = bytes.subarray(range?.start ?? 0, range?.end ?? bytes.length);
    return new ReadableStream({ start(c) { c.enqueue(part.slice()); c.close(); } });
  }

  async referrers(subject: Descriptor, artifactType?: string): Promise<Descriptor[]> {
    return (await this.client.referrers(this.reference.repository, subject.digest, { artifactType })).descriptors;
  }

  async close(): Promise<void> {
    this.manifests.clear();
  }
}

function isManifestType(mediaType: string): boolean {
  return isIndex(mediaType) || isImageManifest(mediaType) || mediaType === OCI_ARTIFACT_MANIFEST;
}

/**
 * docker://REF for open.ts: a RegistrySource for `ref` ("host/repo:tag", "alpine", ...).
 * Without `credentials`, Node-like runtimes read Docker's config.json like docker and skopeo
 * do; the module is imported only then, so browsers and workers never load it.
 */
export async function openRegistrySource(ref: string, options: RegistrySourceOptions = {}): Promise<ImageSource> {
  if (options.credentials === undefined && hasNodeFs()) {
    const dockerConfig = "./docker-config.js"; // a variable: bundlers for the web leave it alone
    const { dockerConfigCredentials } = (await import(dockerConfig)) as typeof import("./docker-config.js");
    options = { ...options, credentials: dockerConfigCredentials() };
  }
  return new RegistrySource(ref, options);
}

function hasNodeFs(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === "string";
}
