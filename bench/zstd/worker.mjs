// One zstd contender in a fresh process: decode the file `passes` times (streaming in 64 KiB
// chunks where the decoder streams), after one untimed pass whose output is checked against
// the expected size and sha256 (a wrong decoder fails the row instead of being published).
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { childArgs, reportResult } from "../lib/child.mjs";

const { lib, file, passes, distDir, expectedSize, expectedSha256 } = childArgs();
const input = readFileSync(file);
const CHUNK = 64 * 1024;

async function contender() {
  if (lib === "layerlens") {
    const { init } = await import(pathToFileURL(path.join(distDir, "node.js")).href);
    const { ZstdDecoder } = await import(pathToFileURL(path.join(distDir, "fs", "zstd.js")).href);
    const core = await init();
    return (sink) => {
      const dec = new ZstdDecoder(core);
      try {
        for (let i = 0; i < input.length; i += CHUNK) for (const p of dec.push(input.subarray(i, i + CHUNK))) sink(p);
        dec.end();
      } finally {
        dec.free();
      }
    };
  }
  if (lib === "fzstd") {
    const { Decompress } = createRequire(import.meta.url)("fzstd");
    return (sink) => {
      const d = new Decompress((c) => sink(c));
      for (let i = 0; i < input.length; i += CHUNK) d.push(input.subarray(i, i + CHUNK), false);
      d.push(new Uint8Array(0), true);
    };
  }
  if (lib === "zstd-cli") {
    // The reference decoder as a subprocess: its output comes back through a pipe.
    return (sink) => {
      const r = spawnSync("zstd", ["-d", "-c", "-q", file], { maxBuffer: 4 << 30 });
      if (r.status !== 0) throw new Error(`zstd -d failed: ${r.stderr}`);
      sink(r.stdout);
    };
  }
  throw new Error(`unknown contender ${lib}`);
}

const decode = await contender();
const hash = createHash("sha256");
let size = 0;
decode((c) => {
  size += c.length;
  hash.update(c);
});
const sha = hash.digest("hex");
if (size !== expectedSize || sha !== expectedSha256) {
  throw new Error(`${lib}: decoded ${size} bytes sha256 ${sha}, expected ${expectedSize} bytes ${expectedSha256}`);
}
const times = [];
for (let p = 0; p < passes; p++) {
  let n = 0;
  const t = performance.now();
  decode((c) => {
    n += c.length;
  });
  times.push(performance.now() - t);
  if (n !== expectedSize) throw new Error(`${lib}: pass ${p} decoded ${n} bytes`);
}
times.sort((a, b) => a - b);
reportResult({ lib, passes, medianMs: times[times.length >> 1], bestMs: times[0], size });
