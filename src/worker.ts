// workerd (Cloudflare Workers) entry: the core arrives as a Module this entry imports.
//
// workerd refuses to compile WebAssembly at run time ("Wasm code generation disallowed by
// embedder"), so neither WebAssembly.compile(bytes) nor compileStreaming is available.
// Instead this module imports the release .wasm statically; wrangler's CompiledWasm rule
// (on by default for *.wasm) or a workerd config module (`wasm = embed "…"`) turns that
// import into an already compiled WebAssembly.Module, which the library instantiates on
// first use, synchronously. So a worker needs no init() at all:
//
//   import { MetadataCache } from "layerlens";   // workerd condition
//   const cache = new MetadataCache({ max: 1000 });
//
// init({ module }) is still there for a Module the worker imported itself (the debug
// build, or a core it bundles elsewhere): that Module then becomes the default core. It
// is idempotent like the other entries' init(): the same Module again (one call per
// request, typically) returns the same Core.
//
// @assemblyscript/loader (src/wasm/core.ts) works here unchanged: given a Module it only calls
// WebAssembly.instantiate, and at load it builds a TextDecoder("utf-16le"), which workerd has.

import releaseWasm from "../build/release.wasm";
import { CoreError } from "./errors.js";
import type { Core } from "./wasm/core.js";
import { createInit } from "./wasm/init.js";

export * from "./index.js";

export interface WorkerInitOptions {
  /** The compiled core, as the worker's `import … from "….wasm"` gave it. */
  module: WebAssembly.Module;
  /** True when `module` is build/debug.wasm (assertions, invariant checks). */
  debug?: boolean;
}

/** The release build travels with this module; a debug Module only ever comes from init(). */
function imported(build: "debug" | "release"): WebAssembly.Module {
  if (build === "release" && releaseWasm instanceof WebAssembly.Module) return releaseWasm;
  throw new CoreError("CORE_NO_MODULE", noModule());
}

const load = createInit({
  load: async (build) => imported(build),
  loadSync: imported,
});

/** Make the Module the worker imported the core of its build; later calls return the same Core. */
export function init(options: WorkerInitOptions): Promise<Core> {
  if (!options || !(options.module instanceof WebAssembly.Module)) {
    return Promise.reject(new CoreError("CORE_NO_MODULE", noModule()));
  }
  return load({ module: options.module, debug: options.debug });
}

function noModule(): string {
  return (
    "layerlens in workerd: pass init({ module }) the WebAssembly.Module your worker imported " +
    "from layerlens/layerlens.wasm (workerd cannot compile wasm from bytes)"
  );
}
