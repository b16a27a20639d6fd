// sha256 throughput, to choose the hasher each runtime uses for verification.
// Contenders, each in a fresh process over the same bytes: node:crypto (incremental), our
// TypeScript streaming sha256 (src/hash/sha256.ts), hash-wasm (incremental, wasm compiled at run
// time), WebCrypto subtle.digest (one-shot: needs the whole blob in memory).
// The choice is written next to the table; every contender's digest is checked.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runChild } from "../lib/child.mjs";
import { table } from "../lib/format.mjs";

export const title = "sha256 for blob verification";

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "sha256", "worker.mjs");
const LIBS = ["node:crypto", "hash-wasm", "layerlens-js", "webcrypto-oneshot"];

export async function run(ctx) {
  const mib = ctx.quick ? 16 : 256;
  const passes = ctx.quick ? 2 : 5;
  const distDir = path.dirname(ctx.distEntry);
  const rows = [];
  for (const lib of LIBS) {
    const r = await runChild(worker, { lib, mib, passes, distDir }, { label: `sha256 ${lib}` });
    ctx.log(`sha256 ${lib}: ${r.median.toFixed(0)} MB/s wall, ${r.cpuMedian.toFixed(0)} MB/s CPU`);
    rows.push(r);
  }
  const markdown = [
    `${mib} MiB, 1 MiB chunks (one-shot gets the whole buffer), median of ${passes} passes, Node ${process.version}.`,
    "",
    table(
      ["hasher", "streaming", "MB/s per CPU second (median)", "wall MB/s (median)", "wall MB/s (best)"],
      rows.map((r) => [
        r.lib,
        r.lib === "webcrypto-oneshot" ? "no" : "yes",
        r.cpuMedian.toFixed(0),
        r.median.toFixed(0),
        r.best.toFixed(0),
      ]),
    ),
    "",
    "Choice (src/hash/hasher.ts): node:crypto wherever process.getBuiltinModule offers it (Node, Bun, Deno);",
    "elsewhere the TypeScript streaming sha256. WebCrypto is one-shot (a layer would have to sit in memory",
    "whole) and hash-wasm compiles WebAssembly from bytes at run time, which workerd refuses; see README.",
  ].join("\n");
  return { rows, markdown };
}
