// Deno entry: reads the .wasm next to the package (needs --allow-read for it) and compiles it.
// Deno.readFile takes the file: URL directly, so this works from a checkout, a local path
// import and npm:layerlens alike.

import { createInit } from "./wasm/init.js";

export * from "./index.js";

// The one Deno API used here, declared locally so the package builds without Deno's types.
declare const Deno: { readFile(path: URL): Promise<Uint8Array<ArrayBuffer>> };

/** Load the core once; later calls return the same Core. */
export const init = createInit(async (build) => {
  const bytes = await Deno.readFile(new URL(`../build/${build}.wasm`, import.meta.url));
  return WebAssembly.compile(bytes);
});
