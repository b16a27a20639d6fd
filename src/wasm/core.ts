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

import { instantiate } from "@assemblyscript/loader";
import { CoreError } from "../errors.js";
import type { CoreExports } from "./exports.js";

/** The ABI this TypeScript expects; assembly/layout.ts ABI_VERSION must match. */
export const EXPECTED_ABI = 2;

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

  private constructor(exports: CoreExports) {
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
    if (!(module instanceof WebAssembly.Module)) {
      throw new CoreError("CORE_BAD_MODULE", "the layerlens core must be given a compiled WebAssembly.Module");
    }
    const { instance } = await instantiate<Record<string, unknown>>(module, {});
    const exports = instance.exports;
    return new Core(exports as unknown as CoreExports);
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

let defaultCore: Core | undefined;

/** Make `core` the one that `new MetadataCache()` and friends use when given none. */
export function setDefaultCore(core: Core): void {
  defaultCore = core;
}

export function getDefaultCore(): Core {
  if (!defaultCore) {
    throw new CoreError("CORE_NOT_INITIALIZED", "layerlens core not loaded: await init() from your runtime's entry first");
  }
  return defaultCore;
}
