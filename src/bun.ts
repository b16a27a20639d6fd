// Bun entry: reads the .wasm next to the package with Bun.file and compiles it. (Bun's own
// `import x from "./x.wasm"` yields a file path, not a Module, so we do not rely on it.)
// The sync path, for loading the core on first use, reads with Bun's node:fs.

import { readFileSync } from "node:fs";
import { createInit } from "./wasm/init.js";

export * from "./index.js";

// The one Bun API used here, declared locally so the package builds without Bun's types.
declare const Bun: { file(path: URL): { arrayBuffer(): Promise<ArrayBuffer> } };

const wasmUrl = (build: "debug" | "release") => new URL(`../build/${build}.wasm`, import.meta.url);

/** Load the core once; later calls return the same Core. Optional: first use loads it. */
export const init = createInit({
  load: async (build) => WebAssembly.compile(await Bun.file(wasmUrl(build)).arrayBuffer()),
  loadSync: (build) => new WebAssembly.Module(readFileSync(wasmUrl(build))),
});
