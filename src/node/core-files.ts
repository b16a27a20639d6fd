// How Node gets the core's Module: read the .wasm next to the package with fs (Node 20's fetch
// cannot read file:), async or sync. Shared by the Node entry and the staging workers, which
// register it without loading anything: a worker compiles the core only if a layer needs it.

import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { CoreBuild } from "../wasm/core.js";

const wasmUrl = (build: CoreBuild) => new URL(`../../build/${build}.wasm`, import.meta.url);

export const nodeCoreFiles = {
  load: async (build: CoreBuild) => WebAssembly.compile(await readFile(wasmUrl(build))),
  loadSync: (build: CoreBuild) => new WebAssembly.Module(readFileSync(wasmUrl(build))),
};
