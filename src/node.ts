// Node entry: reads the .wasm next to the package with fs (Node 20's fetch cannot read file:).
// Node compiles synchronously too, so `new MetadataCache()` works without `await init()`.

import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createInit } from "./wasm/init.js";

export * from "./index.js";
// Node-only: registry credentials from Docker's config.json and credential helpers.
export { dockerConfigCredentials, loadDockerConfig, credentialsFor, dockerConfigPath } from "./sources/docker-config.js";
export type { DockerConfig, DockerConfigOptions } from "./sources/docker-config.js";

const wasmUrl = (build: "debug" | "release") => new URL(`../build/${build}.wasm`, import.meta.url);

/** Load the core once; later calls return the same Core. Optional: first use loads it. */
export const init = createInit({
  load: async (build) => WebAssembly.compile(await readFile(wasmUrl(build))),
  loadSync: (build) => new WebAssembly.Module(readFileSync(wasmUrl(build))),
});
