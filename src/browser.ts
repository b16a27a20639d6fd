// Browser entry: the .wasm travels as an asset next to this module and is fetched from there.
//
// The URLs are literal `new URL("…", import.meta.url)` expressions on purpose: Vite, webpack 5
// and Parcel recognise exactly that shape, copy the file into the build and rewrite the URL,
// so a production build needs no configuration for the core (Rollup and esbuild need an
// import-meta-assets plugin). One known gap: Vite's dev server pre-bundles dependencies into
// node_modules/.vite/deps without the .wasm (vitejs/vite#8427, still open with rolldown), so
// apps list "layerlens" in optimizeDeps.exclude for `vite dev`.
// compileStreaming compiles while the bytes arrive but insists on `Content-Type:
// application/wasm`; plenty of static servers (and file hosts) send octet-stream, so with any
// other type we fall back to reading the whole body and compiling that.
// Browsers limit synchronous compiles on the main thread, so there is no sync loader: the
// library's async calls load the core themselves, and constructing a MetadataCache (or
// LayerPool, LayerGraph) without a `core` before then throws CORE_NOT_INITIALIZED.

import { CoreError } from "./errors.js";
import { createInit } from "./wasm/init.js";

export * from "./index.js";

function coreUrl(build: "debug" | "release"): URL {
  return build === "debug" ? new URL("../build/debug.wasm", import.meta.url) : new URL("../build/release.wasm", import.meta.url);
}

/** True when compileStreaming will accept this response's Content-Type. */
function servedAsWasm(response: Response): boolean {
  const type = response.headers.get("content-type") ?? "";
  return type.split(";")[0].trim().toLowerCase() === "application/wasm";
}

/** Load the core once; later calls return the same Core. Any async layerlens call does too. */
export const init = createInit(async (build) => {
  const url = coreUrl(build);
  const response = await fetch(url);
  if (!response.ok) {
    throw new CoreError("CORE_FETCH", `fetching the layerlens core ${url}: HTTP ${response.status}`);
  }
  if (typeof WebAssembly.compileStreaming === "function" && servedAsWasm(response)) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
});
