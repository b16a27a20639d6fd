// The registry as an ImageSource (docker://REF): the root is what the tag or digest resolves
// to, manifests and indexes come from /manifests/ (verified against their digest by the
// client), other blobs from /blobs/ as resumable streams, and referrers through the API or
// the sha256-<hex> tag fallback. Shared code (image.ts) verifies blobs and walks the graph.
// Answers are remembered in a MetadataCache shared between sources (registry/cache.ts):
// manifests by digest for good, a tag's answer for tagTtlMs; within that time root() makes
// no request at all, after it the tag is asked again (GET: one round trip gives the digest
// and the bytes, where HEAD would need a second one whenever the tag moved).
// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md

import { isImageManifest, isIndex } from "../oci/media-types.js";
import { type Reference, formatReference, parseReference, referenceTarget } from "../oci/reference.js";
import type { ByteRange, Descriptor, ImageSource } from "./source.js";
import { createSha256 } from "../hash/hasher.js";
import {
  DEFAULT_TAG_TTL_MS,
  type RegistryCache,
  defaultRegistryCache,
  isManifestResult,
  isTagAnswer,
  tagCacheKey,
} from "./registry/cache.js";
import { type ManifestResult, OCI_ARTIFACT_MANIFEST, RegistryClient, type RegistryClientOptions } from "./registry/client.js";

export { RegistryClient, MANIFEST_ACCEPT_HEADER, MAX_MANIFEST_BYTES, registryOrigin } from "./registry/client.js";
export type { RegistryClientOptions, ManifestResult, PingResult, ReferrersResult } from "./registry/client.js";
export type { Credentials, CredentialSource } from "./registry/auth.js";
export type { RetryOptions } from "./registry/retry.js";
export type { TimeoutOptions } from "./registry/deadline.js";
export { DEFAULT_TIMEOUTS } from "./registry/deadline.js";
export { DEFAULT_TAG_TTL_MS, createRegistryCache, defaultRegistryCache, tagCacheKey } from "./registry/cache.js";
export type { RegistryCache, RegistryCacheOptions, RegistryCacheValue } from "./registry/cache.js";

export interface RegistrySourceOptions extends Omit<RegistryClientOptions, "registry"> {
  /** Hash whole blobs in openBlob too (default false: image.ts verifies every read already). */
  verifyBlobs?: boolean;
  /**
   * Where answers are remembered across sources (createRegistryCache()); default: the shared
   * defaultRegistryCache() once init() has loaded the core; false: nothing shared.
   * Entries are not keyed by credentials: a process serving users with different registry
   * rights should give each its own cache (or false), or one could see what another may read.
   */
  cache?: RegistryCache | false;
  /** How long a tag's answer is trusted, in ms (default 30 s; 0: ask on every root()). */
  tagTtlMs?: number;
}

/**
 * A registry as an ImageSource. Credentials come in `options.credentials`, fixed or as a lookup
 * by registry host (a CredentialSource): this module reads no files, so it runs anywhere
 * fetch does; the Node entry's openRegistrySource supplies Docker's config.json as that lookup.
 */
export class RegistrySource implements ImageSource {
  readonly name: string;
  readonly reference: Reference;
  readonly client: RegistryClient;
  private readonly verifyBlobs: boolean;
  /** The shared cache, or undefined when there is none (no core loaded, or cache: false). */
  readonly cache: RegistryCache | undefined;
  readonly tagTtlMs: number;
  /** The tag answer's cache key; undefined for a reference by digest or with tag caching off. */
  private readonly tagKey: string | undefined;
  /** Manifests already fetched (and verified) by digest, so root() + openBlob() is one GET. */
  private readonly manifests = new Map<string, Uint8Array>();

  constructor(reference: string | Reference, options: RegistrySourceOptions = {}) {
    this.reference = typeof reference === "string" ? parseReference(reference) : reference;
    this.name = `docker://${formatReference(this.reference)}`;
    this.client = new RegistryClient({ ...options, registry: this.reference.registry });
    this.verifyBlobs = options.verifyBlobs ?? false;
    const ttl = options.tagTtlMs ?? DEFAULT_TAG_TTL_MS;
    if (typeof ttl !== "number" || !(ttl >= 0)) {
      throw new RangeError(`RegistrySource: tagTtlMs must be a number of ms >= 0 (0: no tag caching), got ${String(ttl)}`);
    }
    this.tagTtlMs = ttl;
    this.cache = options.cache === false ? undefined : (options.cache ?? defaultRegistryCache());
    if (this.cache && ttl > 0 && !this.cache.ttl) {
      throw new RangeError(
        "RegistrySource: the cache was made without a ttl, so it cannot expire tag answers (use createRegistryCache(), or tagTtlMs: 0)",
      );
    }
    const { registry, repository, digest } = this.reference;
    if (this.cache && ttl > 0 && !digest) {
      this.tagKey = tagCacheKey(registry, repository, referenceTarget(this.reference), options.sha256 ?? createSha256);
    }
  }

  async root(): Promise<Descriptor> {
    const target = referenceTarget(this.reference);
    // By digest: the manifest itself is the answer (content-addressed, so whichever repository
    // it was fetched from, the bytes are the same and verified). By tag: the tag's answer.
    const key = this.reference.digest ?? this.tagKey;
    const known = key ? this.cache?.get(key) : undefined;
    if (this.tagKey ? isTagAnswer(known) : isManifestResult(known)) {
      // A copy: the cached object is shared with every other source.
      return isManifestResult(known) ? this.remember(known) : { ...(known as Descriptor) };
    }
    const result = this.remember(await this.client.manifest(this.reference.repository, target));
    if (this.tagKey) this.cache!.set(this.tagKey, { ...result }, { ttl: this.tagTtlMs });
    return result;
  }

  async openBlob(desc: Descriptor, range?: ByteRange): Promise<ReadableStream<Uint8Array>> {
    if (!isManifestType(desc.mediaType)) {
      return this.client.openBlob(this.reference.repository, desc, range, { verify: this.verifyBlobs });
    }
    let bytes = this.manifests.get(desc.digest);
    if (!bytes) {
      const known = this.cache?.get(desc.digest);
      const found = isManifestResult(known) ? known : await this.client.manifest(this.reference.repository, desc.digest);
      this.remember(found);
      bytes = found.bytes;
    }
    const part = bytes.subarray(range?.start ?? 0, range?.end ?? bytes.length);
    return new ReadableStream({
      start(c) {
        c.enqueue(part.slice());
        c.close();
      },
    });
  }

  async referrers(subject: Descriptor, artifactType?: string): Promise<Descriptor[]> {
    return (await this.client.referrers(this.reference.repository, subject.digest, { artifactType })).descriptors;
  }

  async close(): Promise<void> {
    this.manifests.clear();
  }

  /** Keep a verified manifest for this source and, by digest and for good, in the shared cache. */
  private remember(found: ManifestResult): Descriptor {
    this.manifests.set(found.descriptor.digest, found.bytes);
    if (this.cache && !this.cache.peek(found.descriptor.digest)) this.cache.set(found.descriptor.digest, found, { ttl: Infinity });
    return { ...found.descriptor };
  }
}

function isManifestType(mediaType: string): boolean {
  return isIndex(mediaType) || isImageManifest(mediaType) || mediaType === OCI_ARTIFACT_MANIFEST;
}
