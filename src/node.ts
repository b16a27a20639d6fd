// Node entry: reads the .wasm next to the package with fs (Node 20's fetch cannot read file:).
// Node compiles synchronously too, so `new MetadataCache()` works without `await init()`.

import { nodeCoreFiles } from "./node/core-files.js";
import { createInit } from "./wasm/init.js";

export * from "./index.js";
// Node-only: registry credentials from Docker's config.json and credential helpers.
export { dockerConfigCredentials, loadDockerConfig, credentialsFor, dockerConfigPath } from "./node/docker-config.js";
export type { DockerConfig, DockerConfigOptions } from "./node/docker-config.js";
// Node-only: images by path or transport name (oci:, oci-archive:, docker-archive:, docker://).
export { openImage } from "./node/open.js";
export type { OpenOptions } from "./node/open.js";
export { openRegistrySource } from "./node/registry.js";
export { fileReader, directoryStore } from "./node/files.js";
// Node-only: a pool of worker_threads that stages layers side by side (mountBatch's `stager`).
export { nodeStagingPool, defaultWorkers } from "./node/staging-workers.js";
export type { StagingPool } from "./parallel/staging-pool.js";
// Node-only: the persistent blob cache (an OCI layout under $LAYERLENS_CACHE).
export { DirectoryBlobStore, defaultBlobStore, cacheMaxBytes, DEFAULT_CACHE_MAX_BYTES } from "./node/blob-store.js";
export type { BlobStoreOptions } from "./node/blob-store.js";

/** Load the core once; later calls return the same Core. Optional: first use loads it. */
export const init = createInit(nodeCoreFiles);
