// Chromium harness page: loads src/browser.ts as the app would (Vite emits build/*.wasm as
// assets and rewrites their URLs), runs every known-answer case and leaves the report on
// window.__layerlensReport for chromium.test.ts to read.

import * as lib from "../../../src/browser.js";
import { firstUse, runCases, sha256Hex } from "../cases/run.js";
import type { RuntimeReport } from "../cases/types.js";

// The same file src/browser.ts loads: Vite emits one asset for both references.
const releaseUrl = new URL("../../../build/release.wasm", import.meta.url);

declare global {
  interface Window {
    __layerlensReport?: RuntimeReport | { error: string };
  }
}

async function main(): Promise<RuntimeReport> {
  const beforeInit = firstUse(lib);
  const bytes = await (await fetch(releaseUrl, { cache: "no-store" })).arrayBuffer();
  return {
    runtime: /Chrome\//.test(navigator.userAgent) ? "chromium" : `not-chromium (${navigator.userAgent})`,
    version: navigator.userAgent.match(/(Headless)?Chrome\/[\d.]+/)?.[0] ?? navigator.userAgent,
    wasmSha256: await sha256Hex(bytes),
    results: await runCases(lib, {
      runtime: "chromium",
      init: () => lib.init(),
      initDebug: () => lib.init({ debug: true }),
    }),
    notes: { wasmUrl: releaseUrl.href, firstUse: beforeInit },
  };
}

main()
  .then(
    (report) => {
      window.__layerlensReport = report;
    },
    (e) => {
      window.__layerlensReport = { error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    },
  )
  .finally(() => {
    document.getElementById("status")!.textContent = "done";
  });
