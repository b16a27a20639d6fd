// Node entry: reads the .wasm next to the package with fs (Node 20's fetch cannot read file:).

import { readFile } from "node:fs/promises";
import { createInit } from "./wasm/init.js";

export * from "./index.js";
// Node-only: registry credentials from Docker's config.json and credential helpers.
export { dockerConfigCredentials, loadDockerConfig, credentialsFor, dockerConfigPath } from "./sources/docker-config.js";
export type { DockerConfig, DockerConfigOptions } from "./sources/docker-config.js";

/** Load the core once; later calls return the same Core. */
export const init = createInit(async (build) => {
  const bytes = await readFile(new URL(`../build/${build}.wasm`, import.meta.url));
  return WebAssembly.compile(bytes);
});
