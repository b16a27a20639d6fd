// The same sha256 contenders inside Chromium (Debian's, driven by playwright-core), where the
// browser choice is made: our TypeScript streaming sha256 (dist/hash/sha256.js, inlined),
// hash-wasm's UMD build, and WebCrypto's one-shot digest. Prints one JSON line per contender.
//   node bench/sha256/chromium.mjs [MiB]
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const mib = Number(process.argv[2] ?? 64);
const js = readFileSync(path.join(root, "dist/hash/sha256.js"), "utf8")
  .replace(/^export /gm, "")
  .replace(/\/\/# sourceMappingURL.*$/m, "");
const hashWasm = readFileSync(path.join(root, "node_modules/hash-wasm/dist/sha256.umd.min.js"), "utf8");

// WebCrypto needs a secure context: serve an empty page from loopback.
const server = createServer((_, res) => {
  res.setHeader("content-type", "text/html");
  res.end("<!doctype html><title>sha256</title>");
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.addScriptTag({ content: hashWasm });
  await page.addScriptTag({ content: `${js}\nwindow.streamingSha256 = streamingSha256;` });
  // The function below runs in the page, where hash-wasm's script tag defined `hashwasm`.
  /* global window, hashwasm */
  const rows = await page.evaluate(async (mib) => {
    const data = new Uint8Array(mib << 20);
    for (let i = 0; i < data.length; i += 4) data[i] = (i * 2654435761) >>> 24;
    const CHUNK = 1 << 20;
    const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
    const contenders = {
      "webcrypto-oneshot": async () => hex(await crypto.subtle.digest("SHA-256", data)),
      "hash-wasm": async () => {
        const h = await hashwasm.createSHA256();
        h.init();
        for (let i = 0; i < data.length; i += CHUNK) h.update(data.subarray(i, i + CHUNK));
        return h.digest("hex");
      },
      "layerlens-js": async () => {
        const h = window.streamingSha256();
        for (let i = 0; i < data.length; i += CHUNK) h.update(data.subarray(i, i + CHUNK));
        return h.digest().slice(7);
      },
    };
    const out = [];
    let expected;
    for (const [lib, run] of Object.entries(contenders)) {
      const times = [];
      for (let p = 0; p < 3; p++) {
        const t0 = performance.now();
        const d = await run();
        times.push((performance.now() - t0) / 1000);
        expected ??= d;
        if (d !== expected) throw new Error(`${lib}: digest differs`);
      }
      times.sort((a, b) => a - b);
      out.push({ lib, mib, median: data.length / 1e6 / times[1], best: data.length / 1e6 / times[0] });
    }
    return out;
  }, mib);
  for (const r of rows) console.log(JSON.stringify({ runtime: "chromium", ...r }));
} finally {
  await browser.close();
  server.close();
}
