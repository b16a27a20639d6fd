// The registry client inside headless Chromium, cross-origin against real registries with
// CORS headers (anonymous: a browser cannot preflight through distribution's auth), behind the
// fault proxy, and with blob redirects to another host (the browser follows those itself:
// redirect:"manual" gives an opaque answer, and the Fetch standard drops Authorization on
// cross-origin redirects). The page is built with Vite and driven with playwright-core.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { bundlePage } from "../runtimes/helpers/bundle.js";
import { canRun, FIXTURES, REPO_ROOT } from "./harness/tools.js";
import { type RunningRegistry, startRegistry } from "./harness/registry.js";
import { FaultProxy } from "./harness/fault-proxy.js";
import { BlobServer } from "./harness/blob-server.js";
import { sha256, skopeoCopy, skopeoInspect } from "./harness/push.js";
import { CHROMIUM, CHROMIUM_ARGS } from "../helpers/chromium.js";

const run = canRun("registry (chromium)") && (existsSync(CHROMIUM) || skipOrFail());

function skipOrFail(): false {
  if (process.env.CI === "true") throw new Error(`registry (chromium): ${CHROMIUM} is missing; CI must run this`);
  console.warn(`skipping registry (chromium): ${CHROMIUM} is missing (apt-get install -y chromium)`);
  return false;
}

function serve(dir: string): Promise<{ server: Server; origin: string }> {
  const types: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8" };
  const server = createServer((req, res) => {
    const rel = path.normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    const file = path.join(dir, rel === "/" ? "index.html" : rel);
    if (!file.startsWith(dir)) return void res.writeHead(403).end();
    // Read before writeHead: a missing file must still get its 404.
    readFile(file)
      .then((body) => res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" }).end(body))
      .catch(() => res.writeHead(404).end());
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` })),
  );
}

describe.runIf(run)("registry client in Chromium", () => {
  const stops: Array<() => Promise<void>> = [];
  let report: Record<string, any>;
  let plain: RunningRegistry;
  let proxy: FaultProxy;
  let blobs: BlobServer;
  let raw: any;

  beforeAll(async () => {
    const latest = `oci:${path.join(FIXTURES, "layout")}:latest`;
    plain = await startRegistry({ cors: true });
    stops.push(() => plain.stop());
    blobs = new BlobServer("127.0.0.2", true);
    await blobs.start();
    stops.push(() => blobs.stop());
    const redirecting = await startRegistry({ cors: true, redirectBase: blobs.base });
    blobs.root = redirecting.dataDir;
    stops.push(() => redirecting.stop());
    await skopeoCopy(latest, `${plain.host}/fixtures/demo:latest`);
    await skopeoCopy(latest, `${redirecting.host}/fixtures/demo:latest`);
    raw = JSON.parse(await skopeoInspect(`${plain.host}/fixtures/demo:latest`, "raw"));
    proxy = new FaultProxy(plain.url);
    await proxy.start();
    stops.push(() => proxy.stop());
    proxy.add({ path: /\/manifests\/latest$/, method: "GET", action: { kind: "status", status: 503 } });
    proxy.add({ path: new RegExp(`/blobs/${raw.layers[0].digest}$`), action: { kind: "drop-mid-body", holdMs: 300 } });
    proxy.add({ path: new RegExp(`/blobs/${raw.config.digest}$`), action: { kind: "corrupt-byte" }, times: Infinity });

    const dir = mkdtempSync(path.join(tmpdir(), "layerlens-chromium-registry-"));
    stops.push(async () => rmSync(dir, { recursive: true, force: true }));
    await bundlePage(path.join(REPO_ROOT, "tests/registry/chromium"), path.join(dir, "site"));
    const site = await serve(path.join(dir, "site"));
    stops.push(() => new Promise((r) => site.server.close(() => r())));

    const context: BrowserContext = await chromium.launchPersistentContext(path.join(dir, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      env: { ...process.env, HOME: dir },
      args: CHROMIUM_ARGS,
    });
    stops.push(() => context.close());
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(e.message));
    const plan = { repo: "fixtures/demo", tag: "latest", anonymous: plain.host, proxy: proxy.host, redirecting: redirecting.host };
    await page.goto(`${site.origin}/?plan=${encodeURIComponent(JSON.stringify(plan))}`);
    await page.waitForFunction(() => (window as { __registryReport?: unknown }).__registryReport !== undefined, null, { timeout: 60_000 });
    report = await page.evaluate(() => (window as { __registryReport?: Record<string, unknown> }).__registryReport!);
    if (report.error) throw new Error(`the page failed: ${report.error}\n${problems.join("\n")}`);
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  });

  test("runs in Chromium; manifest, config, tags, catalog and a Range read equal skopeo's and Node's", async () => {
    expect(report.userAgent).toMatch(/Chrome\//);
    const manifest = await skopeoInspect(`${plain.host}/fixtures/demo:latest`, "raw");
    expect(report.anonymous.ping).toMatchObject({ status: 200, apiVersion: "registry/2.0" });
    expect(report.anonymous.manifest).toBe(manifest);
    expect(report.anonymous.descriptor).toEqual({
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: sha256(manifest),
      size: Buffer.byteLength(manifest),
    });
    expect(JSON.parse(report.anonymous.config)).toEqual(JSON.parse(await skopeoInspect(`${plain.host}/fixtures/demo:latest`, "config")));
    expect(report.anonymous.tags).toEqual(["latest"]);
    expect(report.anonymous.catalog).toEqual(["fixtures/demo"]);
    const whole = new Uint8Array(await (await fetch(`${plain.url}/v2/fixtures/demo/blobs/${raw.layers[0].digest}`)).arrayBuffer());
    expect(report.anonymous.rangeLength).toBe(200);
    expect(`sha256:${report.anonymous.rangeSha256}`).toBe(sha256(whole.subarray(100, 300)));
    expect(report.anonymous.missing).toMatchObject({ code: "REGISTRY", status: 404, diagnostics: [{ code: "MANIFEST_UNKNOWN" }] });
  });

  test("through the fault proxy: 503 retried, a dropped layer resumed with Range, corruption refused", () => {
    expect(report.proxy).toEqual({
      manifestDigest: report.anonymous.descriptor.digest,
      layerSha256: raw.layers[0].digest,
      resumes: 1,
      corrupted: "DIGEST_MISMATCH",
    });
    expect(proxy.seen.filter((r) => r.fault).map((r) => r.fault)).toEqual(
      expect.arrayContaining(["status", "drop-mid-body", "corrupt-byte"]),
    );
    // The resume starts after what the page had received when the connection died (at most half:
    // the proxy sent half, and Chromium may not surface every byte it had before the error).
    const resumedAt = proxy.seen.map((r) => /^bytes=(\d+)-(\d+)$/.exec(String(r.headers.range ?? ""))).find(Boolean);
    expect(Number(resumedAt![1])).toBeGreaterThan(0);
    expect(Number(resumedAt![1])).toBeLessThanOrEqual(raw.layers[0].size >> 1);
    expect(Number(resumedAt![2])).toBe(raw.layers[0].size - 1);
    // A corrupted answer must not come back from the browser's HTTP cache: the retry reached the proxy.
    expect(proxy.seen.filter((r) => r.fault === "corrupt-byte")).toHaveLength(2);
  });

  test("a blob redirect to another host is followed by the browser, verified, without Authorization", () => {
    expect(report.redirect.layerSha256).toBe(raw.layers[0].digest);
    const hits = blobs.seen.filter((s) => s.path.includes(raw.layers[0].digest.slice(7)));
    expect(hits.length).toBeGreaterThanOrEqual(1);
    for (const hit of hits) expect(hit.headers.authorization).toBeUndefined();
  });
});
