// Instantiates the layerlens core from a compiled WebAssembly.Module. Every runtime entry
// (node.ts, browser.ts, worker.ts, deno.ts, bun.ts) obtains the Module its own way and
// hands it here: workerd forbids compiling wasm from bytes, so the core never does.
//
// We go through @assemblyscript/loader's instantiate(), which accepts a Module and wires
// env.abort to a readable Error; the ABI is numbers only, so none of its string/array
// helpers are needed. Calls go to the instance's raw exports, not the loader's wrappers:
// the loader wraps every export in a rest-arguments function (to set the optional-argument
// count, which a numbers-only ABI never uses), and that wrapper is a measurable cost on
// the cache's hot path.

//
// The default core: each runtime entry registers how its .wasm arrives (registerCoreLoader)
// and the library loads the core itself on first use. loadDefaultCore() works everywhere;
// getDefaultCore() (what `new MetadataCache()` without a `core` uses) loads synchronously
// where the runtime can compile synchronously (Node, Deno, Bun, workerd's imported Module)
// and refuses with CORE_NOT_INITIALIZED elsewhere (a browser's main thread limits sync
// compiles), until init() or any async call has loaded it.

import { instantiate, instantiateSync } from "@assemblyscript/loader";
import { CoreError } from "../errors.js";
import { ABI_VERSION, type CoreExports } from "./abi.js";

/** The ABI this TypeScript expects: the generated mirror of assembly/abi.ts ABI_VERSION. */
export const EXPECTED_ABI = ABI_VERSION;

export class Core {
  readonly exports: CoreExports;
  readonly debug: boolean;
  /** Byte offsets of the IO window (see assembly/layout.ts). */
  readonly ioIn: number;
  readonly ioOut: number;
  readonly ioInSize: number;
  private buffer: ArrayBuffer;
  private u8view: Uint8Array;
  /** View of the IO_IN window (re-made when memory growth detaches it). */
  private window: Uint8Array;

  private constructor(
    exports: CoreExports,
    readonly module: WebAssembly.Module,
  ) {
    this.exports = exports;
    const abi = exports.abiVersion();
    if (abi !== EXPECTED_ABI) {
      throw new CoreError("CORE_ABI_MISMATCH", `layerlens core ABI ${abi}, expected ${EXPECTED_ABI}: rebuild the .wasm`);
    }
    this.debug = exports.isDebug() !== 0;
    this.ioIn = exports.ioIn() >>> 0;
    this.ioOut = exports.ioOut() >>> 0;
    this.ioInSize = exports.ioInSize() >>> 0;
    this.buffer = exports.memory.buffer;
    this.u8view = new Uint8Array(this.buffer);
    this.window = new Uint8Array(this.buffer, this.ioIn, this.ioInSize);
  }

  static async fromModule(module: WebAssembly.Module): Promise<Core> {
    checkModule(module);
    const { instance } = await instantiate<Record<string, unknown>>(module, {});
    return new Core(instance.exports as unknown as CoreExports, module);
  }

  /** Instantiate synchronously (fine off a browser's main thread, and in Node/Deno/Bun/workerd). */
  static fromModuleSync(module: WebAssembly.Module): Core {
    checkModule(module);
    const { instance } = instantiateSync<Record<string, unknown>>(module, {});
    return new Core(instance.exports as unknown as CoreExports, module);
  }

  /** A byte view of linear memory; renewed when the core's memory has grown. */
  get u8(): Uint8Array {
    if (this.buffer !== this.exports.memory.buffer) {
      this.buffer = this.exports.memory.buffer;
      this.u8view = new Uint8Array(this.buffer);
    }
    return this.u8view;
  }

  view(): DataView {
    return new DataView(this.exports.memory.buffer);
  }

  /**
   * Write an ASCII string at byte offset `at`; returns false when it holds a character
   * above 0x7f (which, truncated to a byte, could otherwise pass for a hex digit).
   *
   * TextEncoder.encodeInto is native in every runtime and copies a one-byte string about
   * 3× faster than a charCodeAt loop (bench/RESULTS.md). Its UTF-8 output equals the
   * string's UTF-16 units exactly when every unit is below 0x80, so "read and written
   * both equal length" is the ASCII check; anything else lands inside `dst` only.
   */
  writeAscii(s: string, at: number): boolean {
    let win = this.window;
    // A grown memory detaches the old buffer, which empties every view on it.
    if (win.byteLength === 0) win = this.window = new Uint8Array(this.exports.memory.buffer, this.ioIn, this.ioInSize);
    const rel = at - this.ioIn;
    const dst = rel === 0 ? win : rel > 0 && rel < this.ioInSize ? win.subarray(rel) : this.u8.subarray(at);
    const { read, written } = encoder.encodeInto(s, dst);
    return read === s.length && written === s.length;
  }

  readAscii(at: number, len: number): string {
    return String.fromCharCode.apply(null, this.u8.subarray(at, at + len) as unknown as number[]);
  }
}

const encoder = new TextEncoder();

function checkModule(module: unknown): void {
  if (!(module instanceof WebAssembly.Module)) {
    throw new CoreError("CORE_BAD_MODULE", "the layerlens core must be given a compiled WebAssembly.Module");
  }
}

// ---- the default core ----

export type CoreBuild = "debug" | "release";

/** How a runtime entry obtains the compiled core. */
export interface CoreLoader {
  /** Compile (or fetch and compile) a build; every runtime can. */
  load(build: CoreBuild): Promise<WebAssembly.Module>;
  /** The same, synchronously; only where the runtime allows it. */
  loadSync?(build: CoreBuild): WebAssembly.Module;
}

let loader: CoreLoader | undefined;
/** One Core per build, shared by init(), loadCore() and the sync path. */
const loaded: Partial<Record<CoreBuild, Core>> = {};
const pending: Partial<Record<CoreBuild, Promise<Core>>> = {};
let defaultCore: Core | undefined;

/** Called by a runtime entry when it is imported: how this runtime gets its .wasm. */
export function registerCoreLoader(l: CoreLoader): void {
  loader = l;
}

/** Make `core` the one that `new MetadataCache()` and friends use when given none. */
export function setDefaultCore(core: Core): void {
  defaultCore = core;
}

/** The first Core of a build wins; the release one becomes the default. */
function adopt(build: CoreBuild, core: Core): Core {
  const kept = (loaded[build] ??= core);
  if (kept === core && build === "release") defaultCore = core;
  return kept;
}

/**
 * Make a Core from a Module the caller compiled and keep it as that build's core (the
 * default one for release). The same Module again gives the same Core.
 */
export async function adoptModule(build: CoreBuild, module: WebAssembly.Module): Promise<Core> {
  const have = loaded[build];
  if (have && have.module === module) return have;
  const core = await Core.fromModule(module);
  if (loaded[build]?.module === module) return loaded[build];
  loaded[build] = core;
  pending[build] = Promise.resolve(core);
  if (build === "release") defaultCore = core;
  return core;
}

/**
 * A build's Core, loaded once through `via` (an entry's own init() passes its loader, so a
 * page or test that imports two entries still loads the way the one it called knows) or
 * else the last registered runtime entry's loader.
 */
export function loadCore(build: CoreBuild = "release", via: CoreLoader | undefined = loader): Promise<Core> {
  const have = loaded[build];
  if (have) return Promise.resolve(have);
  let p = pending[build];
  if (!p) {
    if (!via) return Promise.reject(noEntry());
    const started = via
      .load(build)
      .then((module) => Core.fromModule(module))
      .then((core) => adopt(build, core));
    // A failed load may be retried by the next call.
    started.catch(() => {
      if (pending[build] === started) delete pending[build];
    });
    pending[build] = p = started;
  }
  return p;
}

/** The default core, loaded on first use in every runtime. The await-able accessor. */
export function loadDefaultCore(): Promise<Core> {
  return defaultCore ? Promise.resolve(defaultCore) : loadCore("release");
}

/**
 * The default core, now. Loaded synchronously on first use where the runtime can compile
 * synchronously; elsewhere CORE_NOT_INITIALIZED until init() or an async call loaded it.
 */
export function getDefaultCore(): Core {
  if (defaultCore) return defaultCore;
  if (loader?.loadSync) return adopt("release", Core.fromModuleSync(loader.loadSync("release")));
  if (!loader) throw noEntry();
  throw new CoreError(
    "CORE_NOT_INITIALIZED",
    "layerlens core not loaded yet and this runtime cannot compile it synchronously: " +
      "await init() (or any async layerlens call) before constructing without a core",
  );
}

function noEntry(): CoreError {
  return new CoreError(
    "CORE_NOT_INITIALIZED",
    'layerlens core not loaded: no runtime entry registered how to load it (import "layerlens", not "layerlens/core", or pass a core)',
  );
}

/** The default core when one is loaded, else undefined (never loads one: for reporting on it). */
export function peekDefaultCore(): Core | undefined {
  return defaultCore;
}
