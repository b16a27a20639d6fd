// Bun: `bun run` the harness (tests/runtimes/bun/main.ts) on src/bun.ts as TypeScript.
// HOME and Bun's caches point into a temp dir.

import { join } from "node:path";
import type { RuntimeReport } from "./cases/types.js";
import { BIN, isolatedEnv, lastJson, run, tempDir, track, unavailable } from "./helpers/processes.js";
import { describeRuntime } from "./helpers/suite.js";

const bun = join(BIN, "bun");

describeRuntime("bun", unavailable(bun), async () => {
  const home = track(tempDir("bun"));
  const env = isolatedEnv(home, {
    BUN_INSTALL_CACHE_DIR: join(home, "bun-cache"),
    BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",   // no transpiler cache written anywhere
    DO_NOT_TRACK: "1",
  });
  const r = await run(bun, ["run", "tests/runtimes/bun/main.ts"], { env });
  if (r.code !== 0) throw new Error(`bun exited ${r.code}:\n${r.stderr}`);
  return lastJson<RuntimeReport>(r.stdout, "bun");
});
