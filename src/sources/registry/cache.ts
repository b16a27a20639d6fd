// What a registry source remembers between calls, in a MetadataCache (the wasm core's LRU):
//   - a manifest or index by its digest, with the descriptor it came with: content-addressed,
//     so it never goes stale (stored with ttl: Infinity);
//   - a tag's answer (the Descriptor it resolved to) under the sha256 of the canonical
//     reference "registry/repository:tag", for a TTL: tags move, so the answer is trusted
//     only for a while and asked again after.
// The cache is keyed by OCI digests only (keys live as bytes in wasm), hence a tag's key is
// a digest of its name. It cannot meet a manifest's key: that would need a manifest whose
// bytes are a reference string, which is not JSON and is never stored.
// One cache can serve many RegistrySources (defaultRegistryCache() is shared by all that
// are given none), so opening the same image twice saves the round trip.
// Spec (tags are mutable, digests are not):
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests

import { MetadataCache } from "../../cache.js";
import { type Core, getDefaultCore } from "../../wasm/core.js";
import type { Descriptor } from "../../oci/types.js";
import type { Sha256Factory } from "../../hash/hasher.js";
import type { ManifestResult } from "./client.js";

/** How long a tag's answer is trusted by default (skopeo and docker ask every time; 30 s keeps a session's repeats cheap). */
export const DEFAULT_TAG_TTL_MS = 30_000;

/** A tag's answer, or a manifest by digest (with its bytes). */
export type RegistryCacheValue = Descriptor | ManifestResult;
export type RegistryCache = MetadataCache<RegistryCacheValue>;

export interface RegistryCacheOptions {
  /** Entries (default 1024). */
  max?: number;
  /** Bytes of manifests held (default 32 MiB; a tag answer counts TAG_ENTRY_BYTES). */
  maxBytes?: number;
  /** The TTL clock in ms (default Date.now). */
  now?: () => number;
  /** The core (default: the one init() loaded). */
  core?: Core;
}

/** What a tag answer is counted as against maxBytes: a descriptor's JSON is about this long. */
const TAG_ENTRY_BYTES = 256;

/** A cache for registry answers; TTL tracking is on so tag answers can expire. */
export function createRegistryCache(options: RegistryCacheOptions = {}): RegistryCache {
  return new MetadataCache<RegistryCacheValue>({
    max: options.max ?? 1024,
    maxBytes: options.maxBytes ?? 32 << 20,
    sizeOf: (v) => (isManifestResult(v) ? v.bytes.length : TAG_ENTRY_BYTES),
    // The cache-wide default only switches TTL on: every set() says its own ttl.
    ttl: DEFAULT_TAG_TTL_MS,
    now: options.now,
    core: options.core,
  });
}

let shared: RegistryCache | undefined;
let sharedCore: Core | undefined;

/**
 * The cache RegistrySources share when given none; undefined while no core is loaded
 * (init() not called), in which case sources simply do not cache across instances.
 */
export function defaultRegistryCache(): RegistryCache | undefined {
  let core: Core;
  try {
    core = getDefaultCore();
  } catch {
    return undefined;
  }
  // A new default core (init() again, a test's own core) gets a cache of its own.
  if (!shared || sharedCore !== core) {
    shared = createRegistryCache({ core });
    sharedCore = core;
  }
  return shared;
}

/** The cache key of a tag's answer: sha256 of "registry/repository:tag". */
export function tagCacheKey(registry: string, repository: string, tag: string, sha256: Sha256Factory): string {
  const h = sha256();
  h.update(new TextEncoder().encode(`${registry}/${repository}:${tag}`));
  return h.digest();
}

export function isManifestResult(v: RegistryCacheValue | undefined): v is ManifestResult {
  return v !== undefined && (v as ManifestResult).bytes instanceof Uint8Array;
}

/** A Descriptor answer (a tag's), not a manifest entry. */
export function isTagAnswer(v: RegistryCacheValue | undefined): v is Descriptor {
  return v !== undefined && !isManifestResult(v) && typeof v.digest === "string";
}
