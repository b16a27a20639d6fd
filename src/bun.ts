// Bun entry: reads the .wasm next to the package with Bun.file and compiles it. (Bun's own
// `import x from "./x.wasm"` yields a file path, not a Module, so we do not rely on it.)

import { createInit } from "./wasm/init.js";

export * from "./index.js";

// The one Bun API used here, declared locally so the package builds without Bun's types.
declare const Bun: { file(path: URL): { arrayBuffer(): Promise<ArrayBuffer> } };

/** Load the core once; later calls return the same Core. */
export const init = createInit(async (build) => {
  const bytes = await Bun.file(new URL(`../build/${build}.wasm`, import.meta.url)).arrayBuffer();
  return WebAssembly.compile(bytes);
});
