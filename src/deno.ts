// Deno entry: reads the .wasm next to the package (needs --allow-read for it) and compiles it.
// Deno.readFile takes the file: URL directly, so this works from a checkout, a local path
// import and npm:layerlens alike. Deno compiles synchronously too, so the core also loads
// itself on first use.

import { createInit } from "./wasm/init.js";

export * from "./index.js";

// The one Deno API used here, declared locally so the package builds without Deno's types.
declare const Deno: {
  readFile(path: URL): Promise<Uint8Array<ArrayBuffer>>;
  readFileSync(path: URL): Uint8Array<ArrayBuffer>;
};

const wasmUrl = (build: "debug" | "release") => new URL(`../build/${build}.wasm`, import.meta.url);

/** Load the core once; later calls return the same Core. Optional: first use loads it. */
export const init = createInit({
  load: async (build) => WebAssembly.compile(await Deno.readFile(wasmUrl(build))),
  loadSync: (build) => new WebAssembly.Module(Deno.readFileSync(wasmUrl(build))),
});
