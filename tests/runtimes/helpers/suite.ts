// One vitest suite shape for every runtime: get the runtime's report once, then one test per
// known-answer case (both builds), a test that nothing is missing, and a summary line in the
// `npm test` output naming the runtime that ran the wasm.
//
// Outside CI a runtime that cannot start is skipped with its reason; under CI=true the same
// reason fails the suite: a runtime that cannot start is a failure, not a skip.

import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cases } from "../cases/index.js";
import type { RuntimeReport } from "../cases/types.js";
import { CI, ROOT, cleanup } from "./processes.js";

/** SHA-256 of build/release.wasm as Node reads it: what every runtime must have loaded. */
export function releaseSha256(): string {
  return createHash("sha256")
    .update(readFileSync(join(ROOT, "build/release.wasm")))
    .digest("hex");
}

/** Which entry of layerlens a suite loads: the TypeScript source or the built package. */
export interface EntryUnderTest {
  kind: "src" | "package";
  /** How titles show it. */
  label: string;
  /** The file (relative to the repo) the runtime must end up loading. */
  file: string;
}

/**
 * The two ways each runtime loads layerlens: src/<name>.ts directly, and `import "layerlens"`
 * resolved by the runtime (or its bundler) through package.json's exports map to
 * dist/<name>.js, which is what users get.
 */
export function entriesOf(name: "node" | "browser" | "worker" | "deno" | "bun", condition: string): EntryUnderTest[] {
  return [
    { kind: "src", label: `src/${name}.ts`, file: `src/${name}.ts` },
    { kind: "package", label: `"layerlens" via the ${condition} condition`, file: `dist/${name}.js` },
  ];
}

export interface RuntimeSuiteOptions {
  /** More tests for this runtime, given a getter for its report. */
  extra?: (report: () => RuntimeReport) => void;
  /** Stop what produce() started that cleanup() does not know (a browser, a server). */
  teardown?: () => Promise<void>;
}

/**
 * The suite for one runtime and entry. `why` says why the runtime cannot start (undefined
 * when it can); `produce` starts it, runs the cases there through `entry` and returns its
 * report, whose notes.entry names the file that was really loaded.
 */
export function describeRuntime(
  runtime: string,
  entry: EntryUnderTest,
  why: string | undefined,
  produce: () => Promise<RuntimeReport>,
  options: RuntimeSuiteOptions = {},
): void {
  const title = `${runtime} runs the known-answer cases on build/release.wasm through ${entry.label}`;
  if (why !== undefined && !CI) {
    console.warn(`[${runtime}] SKIPPED: ${why} (under CI=true this is a failure)`);
    describe.skip(`${title} (skipped: ${why}; under CI=true this fails)`, () => {
      it("runs", () => {});
    });
    return;
  }
  describe(title, () => {
    let report: RuntimeReport | undefined;
    // build/release.wasm as Node reads it before and after the run (a rebuild in between,
    // e.g. by a concurrent `npm run asbuild`, would otherwise look like a wrong file).
    const expectedSha: string[] = [];
    const get = (): RuntimeReport => {
      if (!report) throw new Error(`${runtime} produced no report`);
      return report;
    };

    beforeAll(async () => {
      if (why !== undefined) throw new Error(`${runtime} cannot start: ${why}`);
      if (!existsSync(join(ROOT, entry.file))) throw new Error(`${entry.file} is missing: run 'npm run tsbuild' (npm test does)`);
      expectedSha.push(releaseSha256());
      report = await produce();
      expectedSha.push(releaseSha256());
      const passed = report.results.filter((r) => r.ok).length;
      const hash = report.wasmSha256 ? ` (sha256 ${report.wasmSha256.slice(0, 12)}…)` : "";
      console.log(
        `[${runtime}] ${report.version} ran build/release.wasm${hash} through ${entry.file}: ${passed}/${report.results.length} case runs passed ` +
          `(${cases.length} cases × ${new Set(report.results.map((r) => r.build)).size} builds)`,
      );
    }, 180_000); // a runtime start plus a bundle, on a busy 2-core machine: room, not a timing
    afterAll(async () => {
      try {
        await options.teardown?.();
      } finally {
        cleanup();
      }
    });

    it("reported from the runtime it claims, with every case in both builds", () => {
      const r = get();
      expect(r.runtime).toBe(runtime);
      const names = (build: string) => r.results.filter((x) => x.build === build).map((x) => x.name);
      expect(names("release")).toEqual(cases.map((c) => c.name));
      expect(names("debug")).toEqual(cases.map((c) => c.name));
      if (r.wasmSha256 !== undefined) expect(expectedSha).toContain(r.wasmSha256);
    });

    // Where the runtime compiles synchronously the library loads its core on first use; a
    // browser page cannot, so there sync construction before any load is a clear refusal.
    const firstUse = runtime === "chromium" ? "CORE_NOT_INITIALIZED" : "loaded";
    it(`first use before init(): ${firstUse}`, () => {
      expect(get().notes?.firstUse).toBe(firstUse);
    });

    it(`loaded ${entry.file}`, () => {
      const loaded = get().notes?.entry;
      expect(typeof loaded === "string" && loaded.endsWith(`/${entry.file}`), `loaded ${JSON.stringify(loaded)}`).toBe(true);
    });

    for (const c of cases) {
      it(c.name, () => {
        const failures = get().results.filter((x) => x.name === c.name && !x.ok);
        expect(failures.map((f) => `${f.build}: ${f.error}`)).toEqual([]);
      });
    }

    options.extra?.(get);
  });
}
