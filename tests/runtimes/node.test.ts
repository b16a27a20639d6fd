// Node: the known-answer cases in this very process, through src/node.ts (fs + compile).

import { readFile } from "node:fs/promises";
import * as lib from "../../src/node.js";
import { runCases, sha256Hex } from "./cases/run.js";
import { describeRuntime } from "./helpers/suite.js";

describeRuntime("node", undefined, async () => ({
  runtime: "node",
  version: `Node ${process.version}`,
  wasmSha256: await sha256Hex(await readFile(new URL("../../build/release.wasm", import.meta.url))),
  results: await runCases(lib, {
    runtime: "node",
    init: () => lib.init(),
    initDebug: () => lib.init({ debug: true }),
  }),
}));
