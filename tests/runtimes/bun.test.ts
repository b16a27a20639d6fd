// Bun: `bun run` the harness (tests/runtimes/bun/main.ts), once on src/bun.ts as TypeScript
// and once on "layerlens" as Bun resolves it (dist/bun.js).
// HOME and Bun's caches point into a temp dir.

import { join } from "node:path";
import type { RuntimeReport } from "./cases/types.js";
import { BIN, isolatedEnv, lastJson, run, tempDir, track, unavailable } from "./helpers/processes.js";
import { describeRuntime, entriesOf } from "./helpers/suite.js";

const bun = join(BIN, "bun");

const why = unavailable(bun);

for (const entry of entriesOf("bun", "bun"))
  describeRuntime("bun", entry, why, async () => {
    const home = track(tempDir("bun"));
    const env = isolatedEnv(home, {
      BUN_INSTALL_CACHE_DIR: join(home, "bun-cache"),
      BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0", // no transpiler cache written anywhere
      DO_NOT_TRACK: "1",
    });
    const r = await run(bun, ["run", "tests/runtimes/bun/main.ts", entry.kind], { env });
    if (r.code !== 0) throw new Error(`bun exited ${r.code}:\n${r.stderr}`);
    return lastJson<RuntimeReport>(r.stdout, "bun");
  });
