// The persistent blob store a runtime without a file system of its own offers: the origin
// private file system where there is one (browsers: a real directory tree, positional reads,
// budgets in the gigabytes), else the Cache API (Deno, Cloudflare Workers). Node keeps its
// store in a directory (src/node/blob-store.ts).

import type { BlobStore } from "../cached-source.js";
import { CacheApiBlobStore } from "./cache-api-store.js";
import { OpfsBlobStore } from "./opfs-store.js";

export interface PlatformStoreOptions {
  /** The byte budget of whichever store is chosen (each has its own default). */
  maxBytes?: number;
}

/** This runtime's persistent blob store, or undefined where it has none. */
export function platformBlobStore(options: PlatformStoreOptions = {}): BlobStore | undefined {
  if (OpfsBlobStore.available()) return new OpfsBlobStore(options);
  if (CacheApiBlobStore.available()) return new CacheApiBlobStore(options);
  return undefined;
}
