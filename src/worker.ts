// workerd (Cloudflare Workers) entry: the worker hands init() the Module it imported.
//
// workerd refuses to compile WebAssembly at run time ("Wasm code generation disallowed by
// embedder"), so neither WebAssembly.compile(bytes) nor compileStreaming is available. A
// worker instead imports the .wasm (`import wasm from "layerlens/layerlens.wasm"`); workerd's
// config (a module with `wasm = embed "…"`) or wrangler's CompiledWasm rule turns that import
// into an already compiled WebAssembly.Module, which is what init() takes:
//
//   import wasm from "layerlens/layerlens.wasm";
//   import { init, MetadataCache } from "layerlens";   // workerd condition
//   await init({ module: wasm });
//
// init() is idempotent like the other entries: the first Module given for a build is kept and
// later calls (one per request, typically) return the same Core.
//
// @assemblyscript/loader (src/wasm/core.ts) works here unchanged: given a Module it only calls
// WebAssembly.instantiate, and at load it builds a TextDecoder("utf-16le"), which workerd has.

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

const given: { debug?: WebAssembly.Module; release?: WebAssembly.Module } = {};

const load = createInit(async (build) => {
  const module = given[build];
  if (!module) throw new CoreError("CORE_NO_MODULE", noModule());
  return module;
});

/** Load the core from the Module the worker imported; later calls return the same Core. */
export function init(options: WorkerInitOptions): Promise<Core> {
  if (!options || !(options.module instanceof WebAssembly.Module)) {
    return Promise.reject(new CoreError("CORE_NO_MODULE", noModule()));
  }
  const build = options.debug ? "debug" : "release";
  given[build] ??= options.module;
  return load({ debug: options.debug });
}

function noModule(): string {
  return "layerlens in workerd: pass init({ module }) the WebAssembly.Module your worker imported " +
    "from layerlens/layerlens.wasm (workerd cannot compile wasm from bytes)";
}
