// The verified documents (manifests, indexes, configs) a process or a page keeps, by digest:
// one MetadataCache for everything that resolves images, so a second look at the same image
// (another command on it, another platform of the same index, the page re-opening a pick) is
// answered without reading the source again. Content-addressed, so entries never go stale;
// readDocument still compares the cached length with the descriptor's size.

import { MetadataCache } from "../cache.js";
import { type Core, getDefaultCore } from "../wasm/core.js";

/** Documents are few and small (manifests are capped at 4 MiB): a budget in bytes bounds them. */
export const DOCUMENT_CACHE_ENTRIES = 1024;
export const DOCUMENT_CACHE_BYTES = 64 << 20;

let shared: MetadataCache<Uint8Array> | undefined;
let sharedCore: Core | undefined;

/** A document cache of its own (a server keeping tenants apart, a test). */
export function createDocumentCache(options: { max?: number; maxBytes?: number; core?: Core } = {}): MetadataCache<Uint8Array> {
  return new MetadataCache<Uint8Array>({
    max: options.max ?? DOCUMENT_CACHE_ENTRIES,
    maxBytes: options.maxBytes ?? DOCUMENT_CACHE_BYTES,
    core: options.core,
  });
}

/**
 * The document cache this process (or page) shares, on the default core: pass it as
 * resolveImage's `cache`. It lives as long as the core; do not free() it.
 */
export function documentCache(): MetadataCache<Uint8Array> {
  const core = getDefaultCore();
  // A new default core (init() again, a test's own core) gets a cache of its own.
  if (!shared || sharedCore !== core) {
    shared = createDocumentCache({ core });
    sharedCore = core;
  }
  return shared;
}
