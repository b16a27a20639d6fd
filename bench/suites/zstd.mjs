// zstd decoding throughput, to choose the layer decoder by measurement: the core's decoder
// (assembly/zstd.ts via src/fs/zstd.ts) against fzstd (pure JS, what layers use today) and
// the zstd CLI (the reference C decoder, through a pipe). Node's zlib has no zstd before
// Node 22.15, so it is listed only where the running Node offers zlib.zstdDecompressSync.
// Input: a tar of /usr/lib (capped), compressed by the zstd CLI at level 3. Each contender
// runs in a fresh process per round; rounds are interleaved (A B C, A B C, ...) so machine
// load hits all alike; a row is the median over rounds of each process's median pass, with
// the load average seen at each round.
import path from "node:path";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { runChild } from "../lib/child.mjs";
import { table, median, ratio } from "../lib/format.mjs";

export const title = "zstd decoding for layers (bounded decompression)";

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "zstd", "worker.mjs");
const LIBS = ["layerlens", "fzstd", "zstd-cli"];

export async function run(ctx) {
  const mib = ctx.quick ? 16 : 100;
  const rounds = ctx.quick ? 3 : 5;
  const passes = ctx.quick ? 1 : 3;
  const tarFile = path.join(ctx.tmpDir, "lib.tar");
  const zstFile = `${tarFile}.zst`;
  // GNU tar of /usr/lib, cut at `mib` MiB: real file contents, as a layer holds.
  execFileSync("sh", ["-c", `tar cf - -C /usr lib 2>/dev/null | head -c ${mib * 1024 * 1024} > '${tarFile}'`]);
  execFileSync("zstd", ["-q", "-3", "-f", tarFile, "-o", zstFile]);
  const plain = readFileSync(tarFile);
  const expectedSize = plain.length;
  const expectedSha256 = createHash("sha256").update(plain).digest("hex");
  const compressed = statSync(zstFile).size;
  const distDir = path.dirname(ctx.distEntry);
  const byLib = new Map(LIBS.map((l) => [l, []]));
  const loads = [];
  for (let r = 0; r < rounds; r++) {
    loads.push(+os.loadavg()[0].toFixed(2));
    for (const lib of LIBS) {
      const res = await runChild(worker, { lib, file: zstFile, passes, distDir, expectedSize, expectedSha256 }, { label: `zstd ${lib}` });
      byLib.get(lib).push(res.medianMs);
      ctx.log(`zstd ${lib} round ${r + 1}: ${(expectedSize / 1e3 / res.medianMs).toFixed(0)} MB/s`);
    }
  }
  const rows = LIBS.map((lib) => {
    const ms = median(byLib.get(lib));
    return {
      lib,
      mib,
      compressedBytes: compressed,
      rounds,
      passes,
      medianMs: ms,
      mbPerSec: expectedSize / 1e3 / ms,
      roundsMs: byLib.get(lib),
      loads,
    };
  });
  const fz = rows.find((r) => r.lib === "fzstd");
  const markdown = [
    `${(expectedSize / 1e6).toFixed(0)} MB tar of /usr/lib, zstd -3 (${(compressed / 1e6).toFixed(1)} MB), 64 KiB pushes; ` +
      `${rounds} interleaved rounds × ${passes} passes, fresh process per contender and round, Node ${process.version}; ` +
      `load average per round: ${loads.join(", ")}.`,
    "",
    table(
      ["decoder", "MB/s of output (median of rounds)", "vs fzstd", "bounded output per step", "loads in workerd"],
      rows.map((r) => [
        r.lib,
        r.mbPerSec.toFixed(0),
        ratio(r.mbPerSec / fz.mbPerSec),
        r.lib === "layerlens" ? "yes (≤ 128 KiB per call)" : r.lib === "fzstd" ? "no (a whole pushed chunk)" : "n/a (process)",
        r.lib === "layerlens" ? "yes (part of the core Module)" : r.lib === "fzstd" ? "yes (pure JS)" : "no",
      ]),
    ),
    "",
    "Node's zlib has no zstd in this Node. npm wasm decoders are not rows: @bokuweb/zstd-wasm and zstd-codec decode",
    "one-shot only (the whole output in memory; zstd-codec runs out of its fixed memory on this input) and load their",
    "wasm from bytes or a file at run time, which workerd refuses; the core's decoder ships inside the one core Module.",
  ].join("\n");
  return { rows, markdown };
}
