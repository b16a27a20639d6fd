// Shared init() logic for the runtime entries: load once per build, remember the promise,
// make the release core the default. Each entry supplies only how to get a Module.

import { Core, setDefaultCore } from "./core.js";

export interface InitOptions {
  /** Load the debug build (assertions, invariant checks) instead of the release build. */
  debug?: boolean;
  /** A Module the caller already compiled (skips the runtime's own loading). */
  module?: WebAssembly.Module;
}

export type ModuleLoader = (build: "debug" | "release") => Promise<WebAssembly.Module>;

/** Build an idempotent init() around a runtime's way of obtaining the Module. */
export function createInit(load: ModuleLoader): (options?: InitOptions) => Promise<Core> {
  const pending = new Map<string, Promise<Core>>();
  return (options = {}) => {
    const build = options.debug ? "debug" : "release";
    if (options.module) return Core.fromModule(options.module);
    let p = pending.get(build);
    if (!p) {
      p = load(build).then(Core.fromModule);
      p.then((core) => { if (build === "release") setDefaultCore(core); }, () => pending.delete(build));
      pending.set(build, p);
    }
    return p;
  };
}
