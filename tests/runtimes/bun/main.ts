// Bun harness: runs every known-answer case and prints a JSON report as its last line.
// `bun run main.ts src` loads src/bun.ts as TypeScript (Bun maps src's ".js" specifiers to
// ".ts"); with `package` it imports "layerlens", which Bun resolves through package.json's
// exports map (bun condition) to dist/bun.js.

import * as src from "../../../src/bun.js";
import { firstUse, runCases, sha256Hex } from "../cases/run.js";
import type { RuntimeReport } from "../cases/types.js";

declare const Bun: {
  argv: string[];
  version: string;
  revision: string;
  file(path: URL): { arrayBuffer(): Promise<ArrayBuffer> };
  resolveSync(specifier: string, from: string): string;
};

const kind = Bun.argv[2] === "package" ? "package" : "src";
const specifier = kind === "package" ? "layerlens" : "../../../src/bun.js";
const lib: typeof src = kind === "package" ? await import(specifier) : src;

const beforeInit = firstUse(lib);
const report: RuntimeReport = {
  runtime: typeof Bun === "object" && Bun.version ? "bun" : "not-bun",
  version: `Bun ${Bun.version} (${Bun.revision.slice(0, 8)})`,
  wasmSha256: await sha256Hex(await Bun.file(new URL("../../../build/release.wasm", import.meta.url)).arrayBuffer()),
  results: await runCases(lib, {
    runtime: "bun",
    init: () => lib.init(),
    initDebug: () => lib.init({ debug: true }),
  }),
  // Bun.resolveSync names the file Bun really loads (import.meta.resolve keeps ".js").
  notes: { entry: Bun.resolveSync(specifier, new URL(".", import.meta.url).pathname), firstUse: beforeInit },
};
console.log(JSON.stringify(report));
