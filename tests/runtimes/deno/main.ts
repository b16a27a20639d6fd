// Deno harness: runs every known-answer case and prints a JSON report as its last line.
// `deno run --allow-read --sloppy-imports main.ts src` loads src/deno.ts as TypeScript
// (sloppy imports let the ".js" specifiers of src/ and the cases find their ".ts" files);
// with `package` it imports "layerlens", which Deno resolves through package.json's exports
// map (deno condition) to dist/deno.js. Needs only --allow-read (node_modules, build/,
// dist/). The entry is imported dynamically so the package pass never loads src/.

import type * as Entry from "../../../src/deno.js";
import { firstUse, runCases, sha256Hex } from "../cases/run.js";
import type { RuntimeReport } from "../cases/types.js";

declare const Deno: {
  args: string[];
  version: { deno: string; v8: string };
  readFile(path: URL): Promise<Uint8Array<ArrayBuffer>>;
};

const kind = Deno.args[0] === "package" ? "package" : "src";
const specifier = kind === "package" ? "layerlens" : "../../../src/deno.js";
const lib = (await import(specifier)) as typeof Entry;

const beforeInit = firstUse(lib);
const report: RuntimeReport = {
  runtime: typeof Deno === "object" && Deno.version ? "deno" : "not-deno",
  version: `Deno ${Deno.version.deno} (V8 ${Deno.version.v8})`,
  wasmSha256: await sha256Hex(await Deno.readFile(new URL("../../../build/release.wasm", import.meta.url))),
  results: await runCases(lib, {
    runtime: "deno",
    init: () => lib.init(),
    initDebug: () => lib.init({ debug: true }),
  }),
  notes: { entry: new URL(import.meta.resolve(specifier)).pathname, firstUse: beforeInit },
};
console.log(JSON.stringify(report));
