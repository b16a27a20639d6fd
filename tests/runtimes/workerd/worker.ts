// workerd harness: a module worker that runs every known-answer case on each request and
// answers with the JSON report. workerd.test.ts bundles it (Vite, lib mode) and serves it
// with a capnp config that embeds build/release.wasm and build/debug.wasm as `wasm` modules,
// so the two imports below arrive as compiled WebAssembly.Modules: workerd cannot compile
// wasm from bytes, which the report also records.

import releaseWasm from "./release.wasm";
import debugWasm from "./debug.wasm";
import * as lib from "../../../src/worker.js";
import { firstUse, runCases } from "../cases/run.js";
import type { RuntimeReport } from "../cases/types.js";

/** workerd's answer when asked to compile a minimal (empty) module from bytes. */
async function compileFromBytes(): Promise<string> {
  try {
    await WebAssembly.compile(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
    return "allowed";
  } catch (e) {
    return `refused: ${(e as Error).message}`;
  }
}

async function noModule(): Promise<string> {
  try {
    await lib.init(undefined as never);
    return "accepted";
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

export default {
  async fetch(): Promise<Response> {
    const beforeInit = firstUse(lib);
    const report: RuntimeReport = {
      runtime: navigator.userAgent === "Cloudflare-Workers" ? "workerd" : `not-workerd (${navigator.userAgent})`,
      version: `workerd (${navigator.userAgent})`,
      results: await runCases(lib, {
        runtime: "workerd",
        init: () => lib.init({ module: releaseWasm }),
        initDebug: () => lib.init({ module: debugWasm, debug: true }),
      }),
      notes: {
        importedModule: releaseWasm instanceof WebAssembly.Module && debugWasm instanceof WebAssembly.Module,
        compileFromBytes: await compileFromBytes(),
        initWithoutModule: await noModule(),
        firstUse: beforeInit,
      },
    };
    return new Response(JSON.stringify(report), { headers: { "content-type": "application/json" } });
  },
};
