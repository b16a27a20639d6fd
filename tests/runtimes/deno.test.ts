// Deno: `deno run` the harness (tests/runtimes/deno/main.ts), once on src/deno.ts as
// TypeScript and once on "layerlens" as Deno resolves it (dist/deno.js).
// DENO_DIR and HOME point into a temp dir; the only permission is --allow-read.

import { join } from "node:path";
import type { RuntimeReport } from "./cases/types.js";
import { BIN, isolatedEnv, lastJson, run, tempDir, track, unavailable } from "./helpers/processes.js";
import { describeRuntime, entriesOf } from "./helpers/suite.js";

const deno = join(BIN, "deno");

const why = unavailable(deno);

for (const entry of entriesOf("deno", "deno"))
  describeRuntime("deno", entry, why, async () => {
    const home = track(tempDir("deno"));
    const env = isolatedEnv(home, { DENO_DIR: join(home, "deno"), DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" });
    // --sloppy-imports: src/ and the cases write "./index.js" for files that are index.ts
    // (tsc's NodeNext convention); Deno resolves those only in sloppy mode. dist/ holds real
    // .js files, so the flag changes nothing about how the package pass resolves.
    const r = await run(deno, ["run", "--allow-read", "--sloppy-imports", "tests/runtimes/deno/main.ts", entry.kind], { env });
    if (r.code !== 0) throw new Error(`deno exited ${r.code}:\n${r.stderr}`);
    return lastJson<RuntimeReport>(r.stdout, "deno");
  });
