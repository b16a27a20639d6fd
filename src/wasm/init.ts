// Shared init() logic for the runtime entries: each entry supplies only how to get a
// Module (async, and sync where its runtime can); this registers that as the way the
// library loads its default core on first use, and returns the entry's init().

import { type Core, type CoreBuild, type CoreLoader, adoptModule, loadCore, registerCoreLoader } from "./core.js";

export interface InitOptions {
  /** Load the debug build (assertions, invariant checks) instead of the release build. */
  debug?: boolean;
  /**
   * A Module the caller already compiled (skips the runtime's own loading). For the
   * release build it becomes the default core, as a loaded one would.
   */
  module?: WebAssembly.Module;
}

export type ModuleLoader = (build: CoreBuild) => Promise<WebAssembly.Module>;

/**
 * Register a runtime's way of obtaining the Module and build an idempotent init() around
 * it. Calling init() is optional: the library loads the core itself on first use.
 */
export function createInit(load: ModuleLoader | CoreLoader): (options?: InitOptions) => Promise<Core> {
  const own: CoreLoader = typeof load === "function" ? { load } : load;
  registerCoreLoader(own);
  return (options = {}) => {
    const build: CoreBuild = options.debug ? "debug" : "release";
    return options.module ? adoptModule(build, options.module) : loadCore(build, own);
  };
}
