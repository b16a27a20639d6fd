// Node: the known-answer cases in this very process, through src/node.ts (fs + compile) and
// through `import "layerlens"` (the package's self-reference, resolved by its exports map).

import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import * as src from "../../src/node.js";
import { firstUse, runCases, sha256Hex } from "./cases/run.js";
import type { Lib } from "./cases/types.js";
import { describeRuntime, entriesOf } from "./helpers/suite.js";

type NodeEntry = Lib & { init: typeof src.init };

/** The entry to test and the file it really is. */
async function load(kind: "src" | "package"): Promise<{ lib: NodeEntry; entry: string }> {
  if (kind === "src") return { lib: src, entry: fileURLToPath(new URL("../../src/node.ts", import.meta.url)) };
  const specifier = "layerlens"; // a variable: resolved when the test runs, not at compile time
  const lib = (await import(/* @vite-ignore */ specifier)) as NodeEntry;
  const dist = new URL("../../dist/node.js", import.meta.url);
  const same = lib.init === ((await import(/* @vite-ignore */ dist.href)) as NodeEntry).init;
  return { lib, entry: same ? fileURLToPath(dist) : "(not dist/node.js)" };
}

for (const entry of entriesOf("node", "node")) {
  describeRuntime("node", entry, undefined, async () => {
    const { lib, entry: loaded } = await load(entry.kind);
    const beforeInit = firstUse(lib);
    return {
      runtime: "node",
      version: `Node ${process.version}`,
      wasmSha256: await sha256Hex(await readFile(new URL("../../build/release.wasm", import.meta.url))),
      results: await runCases(lib, {
        runtime: "node",
        init: () => lib.init(),
        initDebug: () => lib.init({ debug: true }),
      }),
      notes: { entry: loaded, firstUse: beforeInit },
    };
  });
}
