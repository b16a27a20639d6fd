// Runs every case against the cores a harness loaded and collects JSON-safe results. Shared
// by all five harnesses so each runtime executes exactly the same sequence.

import { cases } from "./index.js";
import type { CaseResult, Lib } from "./types.js";
import type { Core } from "../../../src/wasm/core.js";

export interface Cores {
  runtime: string;
  /** The entry's init() for the release core (with the runtime's arguments). */
  init(): Promise<Core>;
  /** Load the debug core, or undefined where the harness cannot. */
  initDebug?(): Promise<Core>;
}

export async function runCases(lib: Lib, cores: Cores): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const builds: ["release" | "debug", Core][] = [["release", await cores.init()]];
  if (cores.initDebug) builds.push(["debug", await cores.initDebug()]);
  for (const [build, core] of builds) {
    for (const c of cases) {
      try {
        await c.run(lib, { runtime: cores.runtime, build, core, init: () => cores.init() });
        results.push({ name: c.name, build, ok: true });
      } catch (e) {
        const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        results.push({ name: c.name, build, ok: false, error });
      }
    }
  }
  return results;
}

/**
 * What constructing a MetadataCache without a core does before anything loaded one: "loaded"
 * where the runtime compiles synchronously (the library loads the core itself), else the
 * error code (browsers: CORE_NOT_INITIALIZED). Call it before init() and before runCases.
 */
export function firstUse(lib: Lib): string {
  try {
    const cache = new lib.MetadataCache<number>({ max: 1 });
    cache.set("sha256:" + "0".repeat(64), 1);
    const ok = cache.get("sha256:" + "0".repeat(64)) === 1 && !lib.getDefaultCore().debug;
    cache.free();
    return ok ? "loaded" : "wrong core";
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

/** Hex SHA-256 of some bytes, with the WebCrypto every runtime here has. */
export async function sha256Hex(bytes: BufferSource): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}
