// workerd: bundle tests/runtimes/workerd/worker.ts (with the cases, and either src/worker.ts
// or "layerlens" resolved under the workerd condition to dist/worker.js) into plain JS, serve it from `workerd serve` with build/release.wasm and build/debug.wasm
// embedded as `wasm` modules (the worker imports them as compiled Modules), fetch the report.

import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { expect, it } from "vitest";
import type { RuntimeReport } from "./cases/types.js";
import { bundleModule, bundled } from "./helpers/bundle.js";
import { BIN, ROOT, freePort, isolatedEnv, start, tempDir, track, unavailable } from "./helpers/processes.js";
import { describeRuntime, entriesOf } from "./helpers/suite.js";

const workerd = join(BIN, "workerd");

/** The capnp config: one worker, its bundle and the two cores as modules, one socket. */
function config(dir: string, port: number): string {
  const wasm = (build: string) => JSON.stringify(relative(dir, join(ROOT, `build/${build}.wasm`)));
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .knownAnswers)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const knownAnswers :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "release.wasm", wasm = embed ${wasm("release")}),
    (name = "debug.wasm", wasm = embed ${wasm("debug")}),
  ],
  compatibilityDate = "2025-09-01",
);
`;
}

/** Poll the worker until it answers; fail early if workerd exits. */
async function fetchReport(url: string, exited: () => string | undefined): Promise<RuntimeReport> {
  const deadline = Date.now() + 90_000; // generous: a loaded 2-core CI box
  for (;;) {
    const why = exited();
    if (why) throw new Error(why);
    try {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`workerd answered HTTP ${res.status}: ${await res.text()}`);
      return (await res.json()) as RuntimeReport;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`workerd did not answer on ${url}: ${String(e)}`, { cause: e });
      if ((e as Error).message.startsWith("workerd answered")) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Which entry file went into a bundle, as notes.entry ("a, b" if both did). */
function entryIn(ids: string[], files: string[]): string {
  return bundled(ids, files)
    .map((f) => join(ROOT, f))
    .join(", ");
}

const why = unavailable(workerd);

for (const entry of entriesOf("worker", "workerd"))
  describeRuntime(
    "workerd",
    entry,
    why,
    async () => {
      const dir = track(tempDir("workerd"));
      // The entry imports build/release.wasm itself (so a worker needs no init()); that import
      // and the harness's own land on the same two config modules, whatever path led to them.
      const externalPath = (id: string) => (/(^|\/)(release|debug)\.wasm$/.test(id) ? `./${id.slice(id.lastIndexOf("/") + 1)}` : id);
      const ids = await bundleModule(
        join(ROOT, "tests/runtimes/workerd/worker.ts"),
        dir,
        "worker.js",
        [/\.wasm$/],
        entry.kind === "package"
          ? { entryAlias: "../../../src/worker.js", conditions: ["workerd", "worker"], externalPath }
          : { externalPath },
      );
      const port = await freePort();
      writeFileSync(join(dir, "config.capnp"), config(dir, port));
      const child = start(workerd, ["serve", join(dir, "config.capnp")], { cwd: dir, env: isolatedEnv(dir) });
      let stderr = "";
      child.stderr?.on("data", (d) => (stderr += d));
      const exited = () => (child.exitCode !== null ? `workerd exited ${child.exitCode}:\n${stderr}` : undefined);
      const report = await fetchReport(`http://127.0.0.1:${port}/`, exited);
      return { ...report, notes: { ...report.notes, entry: entryIn(ids, ["src/worker.ts", "dist/worker.js"]) } };
    },
    {
      extra: (report) =>
        it("got the .wasm as an imported, compiled Module (compiling from bytes is refused there)", () => {
          const notes = report().notes ?? {};
          expect(notes.importedModule).toBe(true);
          expect(String(notes.compileFromBytes)).toMatch(/^refused: /);
          expect(notes.initWithoutModule).toBe("CORE_NO_MODULE");
        }),
    },
  );
