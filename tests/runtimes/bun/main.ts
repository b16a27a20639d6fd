// Bun harness: loads src/bun.ts as TypeScript (Bun maps src's ".js" specifiers to ".ts"),
// runs every known-answer case and prints a JSON report as its last line.

import * as lib from "../../../src/bun.js";
import { runCases, sha256Hex } from "../cases/run.js";
import type { RuntimeReport } from "../cases/types.js";

declare const Bun: { version: string; revision: string; file(path: URL): { arrayBuffer(): Promise<ArrayBuffer> } };

const report: RuntimeReport = {
  runtime: typeof Bun === "object" && Bun.version ? "bun" : "not-bun",
  version: `Bun ${Bun.version} (${Bun.revision.slice(0, 8)})`,
  wasmSha256: await sha256Hex(await Bun.file(new URL("../../../build/release.wasm", import.meta.url)).arrayBuffer()),
  results: await runCases(lib, {
    runtime: "bun",
    init: () => lib.init(),
    initDebug: () => lib.init({ debug: true }),
  }),
};
console.log(JSON.stringify(report));
