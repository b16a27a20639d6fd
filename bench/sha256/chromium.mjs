// The sha256 contenders inside Chromium (Debian's, driven by playwright-core), where the
// browser choice is made: the core's sha256 (dist/browser.js, the .wasm fetched as the app
// fetches it), our TypeScript streaming sha256, hash-wasm, and WebCrypto's one-shot digest.
// Each contender runs in a fresh page (a fresh JS context and heap); every digest is checked
// against node:crypto's over the same bytes. Run by bench/suites/sha256.mjs as a child.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { childArgs, reportResult } from "../lib/child.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { mib, passes, distDir } = childArgs();
const LIBS = ["layerlens-core", "hash-wasm", "layerlens-js", "webcrypto-oneshot"];

/** The bytes every contender hashes, made the same way in Node and in the page. */
function makeData(mib) {
  const data = new Uint8Array(mib << 20);
  for (let i = 0; i < data.length; i += 4) data[i] = (i * 2654435761) >>> 24;
  return data;
}
const expected = createHash("sha256").update(makeData(mib)).digest("hex");

// Only what the page imports is served: the built library, its one dependency, hash-wasm.
const SERVED = [
  ["/dist/", distDir],
  ["/build/", path.join(root, "build")],
  ["/loader/", path.join(root, "node_modules/@assemblyscript/loader")],
  ["/hash-wasm/", path.join(root, "node_modules/hash-wasm/dist")],
];
const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };
const PAGE = `<!doctype html><title>sha256</title><script type="importmap">
{"imports": {"@assemblyscript/loader": "/loader/index.js"}}</script>`;

const server = createServer(async (req, res) => {
  const url = new URL(req.url, "http://x");
  if (url.pathname === "/") return res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
  const hit = SERVED.find(([prefix]) => url.pathname.startsWith(prefix));
  const file = hit && path.join(hit[1], path.normalize(url.pathname.slice(hit[0].length)));
  if (!file || !file.startsWith(hit[1])) return res.writeHead(404).end();
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"],
});

/** One contender in a fresh page: its digest and its wall-clock seconds per pass. */
async function measure(lib) {
  const page = await browser.newPage();
  try {
    await page.goto(`${origin}/`);
    return await page.evaluate(
      async ({ lib, mib, passes, makeDataSource }) => {
        const data = new Function(`return (${makeDataSource})`)()(mib);
        const CHUNK = 1 << 20;
        const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
        const streamed = (h, end) => {
          for (let i = 0; i < data.length; i += CHUNK) h.update(data.subarray(i, i + CHUNK));
          return end(h);
        };
        let run;
        if (lib === "layerlens-core" || lib === "layerlens-js") {
          const L = await import("/dist/browser.js");
          const core = await L.init();
          const make = lib === "layerlens-core" ? () => L.coreSha256(core) : () => L.streamingSha256();
          run = async () => streamed(make(), (h) => h.digest().slice(7));
        } else if (lib === "hash-wasm") {
          const { createSHA256 } = await import("/hash-wasm/index.esm.js");
          run = async () => {
            const h = await createSHA256();
            h.init();
            return streamed(h, (x) => x.digest("hex"));
          };
        } else {
          run = async () => hex(await crypto.subtle.digest("SHA-256", data));
        }
        const out = { digests: [], seconds: [] };
        for (let p = 0; p < passes; p++) {
          const t0 = performance.now();
          out.digests.push(await run());
          out.seconds.push((performance.now() - t0) / 1000);
        }
        return out;
      },
      { lib, mib, passes, makeDataSource: makeData.toString() },
    );
  } finally {
    await page.close();
  }
}

const rows = [];
const version = browser.version();
try {
  for (const lib of LIBS) {
    const { digests, seconds } = await measure(lib);
    for (const d of digests) if (d !== expected) throw new Error(`chromium ${lib}: wrong digest ${d}`);
    seconds.sort((a, b) => a - b);
    const mbps = (s) => (mib << 20) / 1e6 / s;
    rows.push({ runtime: "chromium", lib, mib, best: mbps(seconds[0]), median: mbps(seconds[Math.floor(passes / 2)]) });
  }
} finally {
  await browser.close();
  server.close();
}
reportResult({ rows, version });
