// sha256 throughput, to choose the hasher each runtime uses for verification.
// Contenders, each in a fresh process (Node) or a fresh page (Chromium) over the same bytes:
// node:crypto (incremental), the core's sha256 (assembly/sha256.ts through src/hash/sha256-core.ts),
// our TypeScript streaming sha256 (src/hash/sha256.ts), hash-wasm (incremental, wasm compiled at
// run time), WebCrypto subtle.digest (one-shot: needs the whole blob in memory).
// The choice is written next to the tables; every contender's digest is checked.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runChild } from "../lib/child.mjs";
import { table } from "../lib/format.mjs";

export const title = "sha256 for blob verification";

const here = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "sha256");
const LIBS = ["node:crypto", "layerlens-core", "hash-wasm", "layerlens-js", "webcrypto-oneshot"];
const CHROMIUM = "/usr/bin/chromium";

export async function run(ctx) {
  const mib = ctx.quick ? 16 : 256;
  const passes = ctx.quick ? 2 : 5;
  const distDir = path.dirname(ctx.distEntry);
  const rows = [];
  for (const lib of LIBS) {
    const r = await runChild(path.join(here, "worker.mjs"), { lib, mib, passes, distDir }, { label: `sha256 ${lib}` });
    ctx.log(`sha256 ${lib}: ${r.median.toFixed(0)} MB/s wall, ${r.cpuMedian.toFixed(0)} MB/s CPU`);
    rows.push({ runtime: "node", ...r });
  }
  let chromium = { rows: [], version: "" };
  if (existsSync(CHROMIUM)) {
    chromium = await runChild(path.join(here, "chromium.mjs"), { mib, passes, distDir }, { label: "sha256 chromium" });
    for (const r of chromium.rows) ctx.log(`sha256 chromium ${r.lib}: ${r.median.toFixed(0)} MB/s wall`);
    rows.push(...chromium.rows);
  }
  const ratio = (runtime, a, b) => {
    const x = rows.find((r) => r.runtime === runtime && r.lib === a);
    const y = rows.find((r) => r.runtime === runtime && r.lib === b);
    // Per CPU second where the row has it (Node): the wall clock mostly measures the neighbours.
    const speed = (r) => r.cpuMedian ?? r.median;
    return x && y ? (speed(x) / speed(y)).toFixed(2) : "n/a";
  };
  const markdown = [
    `${mib} MiB, 1 MiB chunks (one-shot gets the whole buffer), median of ${passes} passes.`,
    "",
    `Node ${process.version} (one fresh process per row):`,
    "",
    table(
      ["hasher", "streaming", "MB/s per CPU second (median)", "wall MB/s (median)", "wall MB/s (best)"],
      rows
        .filter((r) => r.runtime === "node")
        .map((r) => [r.lib, r.lib === "webcrypto-oneshot" ? "no" : "yes", r.cpuMedian.toFixed(0), r.median.toFixed(0), r.best.toFixed(0)]),
    ),
    "",
    ...(chromium.rows.length
      ? [
          `Chromium ${chromium.version} headless (one fresh page per row; wall clock only, so a busy machine shows):`,
          "",
          table(
            ["hasher", "streaming", "wall MB/s (median)", "wall MB/s (best)"],
            chromium.rows.map((r) => [r.lib, r.lib === "webcrypto-oneshot" ? "no" : "yes", r.median.toFixed(0), r.best.toFixed(0)]),
          ),
          "",
        ]
      : ["Chromium: not measured (no /usr/bin/chromium).", ""]),
    `Core sha256 ÷ hash-wasm (median; Node per CPU second, Chromium wall): Node ${ratio("node", "layerlens-core", "hash-wasm")}, Chromium ${ratio("chromium", "layerlens-core", "hash-wasm")}.`,
    "",
    "Choice (src/hash/hasher.ts): node:crypto wherever process.getBuiltinModule offers it (Node, Bun, Deno);",
    "elsewhere (browsers, workerd) the core's sha256, and the TypeScript one only until the core is loaded.",
    "WebCrypto is one-shot (a layer would have to sit in memory whole) and hash-wasm compiles WebAssembly",
    "from bytes at run time, which workerd refuses; see README.",
  ].join("\n");
  return { rows, markdown };
}
