// Chromium: build the test page (tests/runtimes/chromium) with Vite, once on src/browser.ts
// and once on "layerlens" as Vite resolves it for the browser (dist/browser.js); serve it on
// 127.0.0.1 with application/wasm, open it in Debian's headless /usr/bin/chromium through
// playwright-core and read the report the page leaves. A second visit serves the .wasm as
// application/octet-stream, which compileStreaming refuses, to prove the browser entry falls
// back to arrayBuffer + compile.

import { rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { extname, join, normalize } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, expect, it } from "vitest";
import type { RuntimeReport } from "./cases/types.js";
import { bundlePage, bundled } from "./helpers/bundle.js";
import { ROOT, isolatedEnv, tempDir, track, unavailable } from "./helpers/processes.js";
import { describeRuntime, entriesOf } from "./helpers/suite.js";
import { CHROMIUM, CHROMIUM_ARGS } from "../helpers/chromium.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** A static server for `dir`; `wasmType` says what Content-Type the .wasm files get. */
function serve(dir: string, wasmType: () => string, seen: string[]): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    const file = join(dir, path === "/" ? "index.html" : path);
    if (!file.startsWith(dir)) return void res.writeHead(403).end();
    readFile(file)
      .then((body) => {
        const type = extname(file) === ".wasm" ? wasmType() : (TYPES[extname(file)] ?? "application/octet-stream");
        if (extname(file) === ".wasm") seen.push(type);
        res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(body);
      })
      .catch(() => res.writeHead(404).end());
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      resolve({ server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` });
    }),
  );
}

async function visit(context: BrowserContext, url: string): Promise<RuntimeReport> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.__layerlensReport !== undefined, null, { timeout: 60_000 });
    const report = await page.evaluate(() => window.__layerlensReport);
    if (!report || "error" in report) throw new Error(`the page failed: ${report?.error}\n${problems.join("\n")}`);
    return report;
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${problems.join("\n")}`, { cause: e });
  } finally {
    await page.close();
  }
}

// One browser for both passes; its profile lives outside the suites' tracked temp dirs
// because it must outlive the first suite's cleanup.
let browser: { context: BrowserContext; profile: string } | undefined;

async function launch(): Promise<BrowserContext> {
  if (browser) return browser.context;
  const profile = tempDir("chromium-profile");
  const context = await chromium.launchPersistentContext(join(profile, "user-data"), {
    executablePath: CHROMIUM,
    headless: true,
    env: isolatedEnv(profile),
    args: CHROMIUM_ARGS,
  });
  browser = { context, profile };
  return context;
}

afterAll(async () => {
  if (!browser) return;
  try {
    await browser.context.close(); // Playwright kills the browser's processes
  } finally {
    rmSync(browser.profile, { recursive: true, force: true });
    browser = undefined;
  }
});

const why = unavailable(CHROMIUM);

for (const entry of entriesOf("browser", "browser")) {
  let server: Server | undefined;
  /** The second visit (.wasm as octet-stream): its report or why it failed, and what was served. */
  let fallback: { report?: RuntimeReport; error?: string; served: string[] } | undefined;

  describeRuntime(
    "chromium",
    entry,
    why,
    async () => {
      const dir = track(tempDir("chromium"));
      const out = join(dir, "site");
      const ids = await bundlePage(
        join(ROOT, "tests/runtimes/chromium"),
        out,
        entry.kind === "package" ? { entryAlias: "../../../src/browser.js" } : {},
      );
      let wasmType = "application/wasm";
      const served: string[] = [];
      const started = await serve(out, () => wasmType, served);
      server = started.server;
      const context = await launch();
      const report = await visit(context, `${started.origin}/`);
      if (!served.length || served.some((t) => t !== "application/wasm"))
        throw new Error(`first visit fetched .wasm as ${served.join(",")}`);
      wasmType = "application/octet-stream";
      const before = served.length;
      // A failure here belongs to the fallback test below, not to every case of the first visit.
      fallback = await visit(context, `${started.origin}/`).then(
        (r) => ({ report: r, served: served.slice(before) }),
        (e: Error) => ({ error: e.message, served: served.slice(before) }),
      );
      const bundledEntry = bundled(ids, ["src/browser.ts", "dist/browser.js"])
        .map((f) => join(ROOT, f))
        .join(", ");
      return { ...report, notes: { ...report.notes, entry: bundledEntry } };
    },
    {
      teardown: async () => {
        server?.closeAllConnections();
        await new Promise((r) => (server ? server.close(r) : r(undefined)));
        server = undefined;
      },
      extra: () =>
        it("falls back to arrayBuffer + compile when the .wasm is served as application/octet-stream", () => {
          expect(fallback).toBeDefined();
          expect(fallback!.error).toBeUndefined();
          expect(fallback!.served.length).toBeGreaterThan(0);
          expect(new Set(fallback!.served)).toEqual(new Set(["application/octet-stream"]));
          expect(fallback!.report!.results.filter((r) => !r.ok)).toEqual([]);
          expect(fallback!.report!.results.length).toBeGreaterThan(0);
        }),
    },
  );
}
