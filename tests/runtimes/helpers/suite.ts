// One vitest suite shape for every runtime: get the runtime's report once, then one test per
// known-answer case (both builds), a test that nothing is missing, and a summary line in the
// `npm test` output naming the runtime that ran the wasm.
//
// Outside CI a runtime that cannot start is skipped with its reason; under CI=true the same
// reason fails the suite (issue 2: "a runtime that cannot start is a failure, not a skip").

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cases } from "../cases/index.js";
import type { RuntimeReport } from "../cases/types.js";
import { CI, ROOT, cleanup } from "./processes.js";

/** SHA-256 of build/release.wasm as Node reads it: what every runtime must have loaded. */
export function releaseSha256(): string {
  return createHash("sha256").update(readFileSync(join(ROOT, "build/release.wasm"))).digest("hex");
}

export interface RuntimeSuiteOptions {
  /** More tests for this runtime, given a getter for its report. */
  extra?: (report: () => RuntimeReport) => void;
  /** Stop what produce() started that cleanup() does not know (a browser, a server). */
  teardown?: () => Promise<void>;
}

/**
 * The suite for one runtime. `why` says why it cannot start (undefined when it can);
 * `produce` starts it, runs the cases there and returns its report.
 */
export function describeRuntime(
  runtime: string,
  why: string | undefined,
  produce: () => Promise<RuntimeReport>,
  options: RuntimeSuiteOptions = {},
): void {
  const title = `${runtime} runs the known-answer cases on build/release.wasm`;
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
      expectedSha.push(releaseSha256());
      report = await produce();
      expectedSha.push(releaseSha256());
      const passed = report.results.filter((r) => r.ok).length;
      const hash = report.wasmSha256 ? ` (sha256 ${report.wasmSha256.slice(0, 12)}…)` : "";
      console.log(`[${runtime}] ${report.version} ran build/release.wasm${hash}: ${passed}/${report.results.length} case runs passed ` +
        `(${cases.length} cases × ${new Set(report.results.map((r) => r.build)).size} builds)`);
    });
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

    for (const c of cases) {
      it(c.name, () => {
        const failures = get().results.filter((x) => x.name === c.name && !x.ok);
        expect(failures.map((f) => `${f.build}: ${f.error}`)).toEqual([]);
      });
    }

    options.extra?.(get);
  });
}
