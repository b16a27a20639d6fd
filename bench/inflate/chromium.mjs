// The core's inflater in a fresh headless Chromium (its own profile), for the inflate suite's
// "layerlens (Chromium)" rows: the same input, the same 64 KiB pushes through GzipInflater as
// the Node rows (`lib` "layerlens": pieces; "layerlens-gather": pieces copied into one buffer;
// "layerlens-views": views copied into one buffer),
// run in a dedicated module worker as the inspector's stage workers run it.
// A local HTTP server hands the page the built library (distDir, its ../build/release.wasm)
// and the gzip file; the one bare import of the built code (@assemblyscript/loader) is
// pointed at its file, as a bundler would resolve it.
// One untimed pass checks size and sha256 of the output; then `passes` timed passes, each
// timed in the worker (wall) and by the CPU time of every process of this Chromium (from
// /proc, bench/web/cpu.mjs) read just before and after it.

/* global window -- the functions handed to page.evaluate run in the page */

import { createServer } from "node:http";
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { childArgs, reportResult } from "../lib/child.mjs";
import { browserCpuSeconds } from "../web/cpu.mjs";
import { CHROMIUM } from "../web/page-pass.mjs";
import { gatherInto } from "./gather.mjs";

const args = childArgs();
const CHUNK = 64 * 1024;
// require() resolves the package's UMD build; its ES module sits one folder up.
const loaderFile = path.join(path.dirname(createRequire(import.meta.url).resolve("@assemblyscript/loader")), "..", "index.js");
const buildDir = path.join(args.distDir, "..", "build");

const PAGE = `<!doctype html><meta charset="utf-8"><title>inflate bench</title>
<script type="module">
  const worker = new Worker("/bench-worker.js", { type: "module" });
  let next = 0;
  const waiting = new Map();
  worker.onmessage = (e) => { waiting.get(e.data.id)(e.data); waiting.delete(e.data.id); };
  // A worker that fails to load or throws answers every question with its error.
  worker.onerror = (e) => { for (const answer of waiting.values()) answer({ error: e.message || "worker error" }); waiting.clear(); };
  window.ask = (task) => new Promise((resolve) => { const id = next++; waiting.set(id, resolve); worker.postMessage({ id, task }); });
</script>`;

const WORKER = `const queued = [];
let handler = null;
onmessage = (e) => (handler ? handler(e.data) : queued.push(e.data));
const { GzipInflater, init } = await import("/dist/browser.js");
const core = await init();
const input = new Uint8Array(await (await fetch("/input.gz")).arrayBuffer());
function decodePieces(sink) {
  const dec = new GzipInflater(core);
  try {
    for (let i = 0; i < input.length; i += ${CHUNK}) for (const p of dec.push(input.subarray(i, i + ${CHUNK}))) sink(p);
    dec.end();
  } finally {
    dec.free();
  }
}
${gatherInto.toString()}
const decode = ${JSON.stringify(args.lib)} === "layerlens" ? decodePieces : (sink) => gatherInto(GzipInflater, core, input, ${CHUNK}, ${args.expectedSize}, ${JSON.stringify(args.lib)} === "layerlens-views", sink);
async function handle(m) {
  try {
    await answer(m);
  } catch (e) {
    postMessage({ id: m.id, error: String(e && e.stack || e) });
  }
}
async function answer({ id, task }) {
  if (task === "check") {
    const pieces = [];
    let size = 0;
    decode((p) => { pieces.push(p); size += p.length; });
    const all = new Uint8Array(size);
    let at = 0;
    for (const p of pieces) { all.set(p, at); at += p.length; }
    const sha = [...new Uint8Array(await crypto.subtle.digest("SHA-256", all))].map((b) => b.toString(16).padStart(2, "0")).join("");
    postMessage({ id, size, sha });
  } else {
    const t = performance.now();
    let n = 0;
    decode((p) => { n += p.length; });
    postMessage({ id, size: n, ms: performance.now() - t });
  }
}
handler = handle;
for (const m of queued) handle(m);
`;

function send(res, type, body) {
  res.writeHead(200, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

function serveFile(res, file, type) {
  res.writeHead(200, { "content-type": type, "content-length": statSync(file).size, "cache-control": "no-store" });
  createReadStream(file).pipe(res);
}

const server = createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  const p = decodeURIComponent(url.pathname);
  try {
    if (p === "/") return send(res, "text/html", PAGE);
    if (p === "/bench-worker.js") return send(res, "text/javascript", WORKER);
    if (p === "/input.gz") return serveFile(res, args.file, "application/octet-stream");
    if (p === "/loader.js") return serveFile(res, loaderFile, "text/javascript");
    if (p.startsWith("/build/") && p.endsWith(".wasm")) return serveFile(res, path.join(buildDir, path.basename(p)), "application/wasm");
    if (p.startsWith("/dist/") && p.endsWith(".js") && !p.includes("..")) {
      const js = readFileSync(path.join(args.distDir, p.slice("/dist/".length)), "utf8");
      return send(res, "text/javascript", js.replaceAll('from "@assemblyscript/loader"', 'from "/loader.js"'));
    }
    res.writeHead(404).end();
  } catch (e) {
    res.writeHead(500).end(String(e));
  }
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const profile = mkdtempSync(path.join(os.tmpdir(), "layerlens-bench-inflate-profile-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update"],
});
try {
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(`${origin}/`);
  const checked = await page.evaluate(() => window.ask("check"));
  if (checked.error) throw new Error(`layerlens in Chromium: ${checked.error}`);
  if (problems.length) throw new Error(`page: ${problems.join("; ")}`);
  if (checked.size !== args.expectedSize || checked.sha !== args.expectedSha256) {
    throw new Error(`layerlens in Chromium: decoded ${checked.size} bytes sha256 ${checked.sha}`);
  }
  const times = [];
  const cpus = [];
  for (let i = 0; i < args.passes; i++) {
    const c0 = browserCpuSeconds(profile);
    const r = await page.evaluate(() => window.ask("pass"));
    const c1 = browserCpuSeconds(profile);
    if (r.error) throw new Error(`layerlens in Chromium: ${r.error}`);
    if (r.size !== checked.size) throw new Error(`layerlens in Chromium: a pass decoded ${r.size} bytes`);
    times.push(r.ms);
    cpus.push((c1 - c0) * 1000);
  }
  // The user agent string gives only the major version; the client hints give the full one.
  const version = await page.evaluate(async () => {
    const hints = await navigator.userAgentData?.getHighEntropyValues(["fullVersionList"]);
    return hints?.fullVersionList?.find((b) => /Chrom/.test(b.brand))?.version ?? "unknown";
  });
  const mid = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  reportResult({
    lib: "layerlens-chromium",
    chromium: version,
    size: checked.size,
    medianMs: mid(times),
    medianCpuMs: mid(cpus),
    times,
    cpus,
  });
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  server.close();
}
