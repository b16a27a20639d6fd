// Node entry: reads the .wasm next to the package with fs (Node 20's fetch cannot read file:).
// Node compiles synchronously too, so `new MetadataCache()` works without `await init()`.

import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
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
// Node-only: the persistent blob cache (an OCI layout under $LAYERLENS_CACHE).
export { DirectoryBlobStore, defaultBlobStore, cacheMaxBytes, DEFAULT_CACHE_MAX_BYTES } from "./node/blob-store.js";
export type { BlobStoreOptions } from "./node/blob-store.js";

const wasmUrl = (build: "debug" | "release") => new URL(`../build/${build}.wasm`, import.meta.url);

/** Load the core once; later calls return the same Core. Optional: first use loads it. */
export const init = createInit({
  load: async (build) => WebAssembly.compile(await readFile(wasmUrl(build))),
  loadSync: (build) => new WebAssembly.Module(readFileSync(wasmUrl(build))),
});
