// Deno harness: loads src/deno.ts as TypeScript (run with --sloppy-imports so the ".js"
// specifiers find their ".ts" files), runs every known-answer case and prints a JSON report
// as its last line. Needs only --allow-read (node_modules, build/).

import * as lib from "../../../src/deno.js";
import { runCases, sha256Hex } from "../cases/run.js";
import type { RuntimeReport } from "../cases/types.js";

declare const Deno: { version: { deno: string; v8: string }; readFile(path: URL): Promise<Uint8Array<ArrayBuffer>> };

const report: RuntimeReport = {
  runtime: typeof Deno === "object" && Deno.version ? "deno" : "not-deno",
  version: `Deno ${Deno.version.deno} (V8 ${Deno.version.v8})`,
  wasmSha256: await sha256Hex(await Deno.readFile(new URL("../../../build/release.wasm", import.meta.url))),
  results: await runCases(lib, {
    runtime: "deno",
    init: () => lib.init(),
    initDebug: () => lib.init({ debug: true }),
  }),
};
console.log(JSON.stringify(report));
