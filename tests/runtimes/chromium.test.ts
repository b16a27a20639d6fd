// Chromium: build the test page (tests/runtimes/chromium) with Vite, serve it on 127.0.0.1
// with application/wasm, open it in Debian's headless /usr/bin/chromium through
// playwright-core and read the report the page leaves. A second visit serves the .wasm as
// application/octet-stream, which compileStreaming refuses, to prove src/browser.ts falls
// back to arrayBuffer + compile.

import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { extname, join, normalize } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { expect, it } from "vitest";
import type { RuntimeReport } from "./cases/types.js";
import { bundlePage } from "./helpers/bundle.js";
import { ROOT, isolatedEnv, tempDir, track, unavailable } from "./helpers/processes.js";
import { describeRuntime } from "./helpers/suite.js";

const CHROMIUM = "/usr/bin/chromium";
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** A static server for `dir`; `wasmType` says what Content-Type the .wasm files get. */
function serve(dir: string, wasmType: () => string, seen: string[]): Promise<{ server: Server; origin: string }> {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    const file = join(dir, path === "/" ? "index.html" : path);
    if (!file.startsWith(dir)) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      const type = extname(file) === ".wasm" ? wasmType() : TYPES[extname(file)] ?? "application/octet-stream";
      if (extname(file) === ".wasm") seen.push(type);
      res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    resolve({ server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` });
  }));
}

async function visit(context: BrowserContext, url: string): Promise<RuntimeReport> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.__layerlensReport !== undefined, null, { timeout: 60_000 });
    const report = await page.evaluate(() => window.__layerlensReport);
    if (!report || "error" in report) throw new Error(`the page failed: ${report?.error}\n${problems.join("\n")}`);
    return report;
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${problems.join("\n")}`);
  } finally {
    await page.close();
  }
}

let server: Server | undefined;
let context: BrowserContext | undefined;
/** The second visit (.wasm as octet-stream): its report, or why it failed, and what was served. */
let fallback: { report?: RuntimeReport; error?: string; served: string[] } | undefined;

/** Close the browser (Playwright kills its processes) and the server. */
async function teardown(): Promise<void> {
  await context?.close();
  context = undefined;
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
}

describeRuntime("chromium", unavailable(CHROMIUM), async () => {
  const dir = track(tempDir("chromium"));
  const out = join(dir, "site");
  await bundlePage(join(ROOT, "tests/runtimes/chromium"), out);
  let wasmType = "application/wasm";
  const served: string[] = [];
  const started = await serve(out, () => wasmType, served);
  server = started.server;
  context = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    env: isolatedEnv(dir),
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  const report = await visit(context, `${started.origin}/`);
  if (!served.length || served.some((t) => t !== "application/wasm")) throw new Error(`first visit fetched .wasm as ${served}`);
  wasmType = "application/octet-stream";
  const before = served.length;
  // A failure here belongs to the fallback test below, not to every case of the first visit.
  fallback = await visit(context, `${started.origin}/`).then(
    (r) => ({ report: r, served: served.slice(before) }),
    (e: Error) => ({ error: e.message, served: served.slice(before) }),
  );
  return report;
}, {
  teardown,
  extra: () => it("falls back to arrayBuffer + compile when the .wasm is served as application/octet-stream", () => {
    expect(fallback).toBeDefined();
    expect(fallback!.error).toBeUndefined();
    expect(fallback!.served.length).toBeGreaterThan(0);
    expect(new Set(fallback!.served)).toEqual(new Set(["application/octet-stream"]));
    expect(fallback!.report!.results.filter((r) => !r.ok)).toEqual([]);
    expect(fallback!.report!.results.length).toBeGreaterThan(0);
  }),
});
