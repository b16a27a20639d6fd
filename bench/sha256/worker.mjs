// One sha256 contender over one buffer, in a fresh process: hash `mib` MiB fed in 1 MiB chunks
// (one-shot contenders get the whole buffer), `passes` times; report the best and median MB/s
// and check the digest against node:crypto so a wrong hasher cannot post a number.
import { createHash, webcrypto } from "node:crypto";
import { pathToFileURL } from "node:url";
import path from "node:path";
import { childArgs, reportResult } from "../lib/child.mjs";

const { lib, mib, passes, distDir } = childArgs();
const data = new Uint8Array(mib << 20);
for (let i = 0; i < data.length; i += 4) data[i] = (i * 2654435761) >>> 24; // deterministic, not all zero
const CHUNK = 1 << 20;
const expected = createHash("sha256").update(data).digest("hex");

async function contender() {
  if (lib === "node:crypto")
    return async () => {
      const h = createHash("sha256");
      for (let i = 0; i < data.length; i += CHUNK) h.update(data.subarray(i, i + CHUNK));
      return h.digest("hex");
    };
  if (lib === "layerlens-js") {
    const { streamingSha256 } = await import(pathToFileURL(path.join(distDir, "hash", "sha256.js")).href);
    return async () => {
      const h = streamingSha256();
      for (let i = 0; i < data.length; i += CHUNK) h.update(data.subarray(i, i + CHUNK));
      return h.digest().slice(7);
    };
  }
  if (lib === "layerlens-core") {
    const L = await import(pathToFileURL(path.join(distDir, "node.js")).href);
    const core = await L.init();
    return async () => {
      const h = L.coreSha256(core);
      for (let i = 0; i < data.length; i += CHUNK) h.update(data.subarray(i, i + CHUNK));
      return h.digest().slice(7);
    };
  }
  if (lib === "hash-wasm") {
    const { createSHA256 } = await import("hash-wasm");
    return async () => {
      const h = await createSHA256();
      h.init();
      for (let i = 0; i < data.length; i += CHUNK) h.update(data.subarray(i, i + CHUNK));
      return h.digest("hex");
    };
  }
  if (lib === "webcrypto-oneshot") {
    return async () => Buffer.from(await webcrypto.subtle.digest("SHA-256", data)).toString("hex");
  }
  throw new Error(`unknown contender ${lib}`);
}

const run = await contender();
// CPU time (user + system of this process) as well as wall time: on a shared machine the wall
// clock mostly measures the neighbours. WebCrypto in Node hashes on the libuv thread pool, which
// process.cpuUsage() also counts.
const times = [];
const cpu = [];
for (let p = 0; p < passes; p++) {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const got = await run();
  const c = process.cpuUsage(c0);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (got !== expected) throw new Error(`${lib}: wrong digest ${got}`);
  times.push(s);
  cpu.push((c.user + c.system) / 1e6);
}
times.sort((a, b) => a - b);
cpu.sort((a, b) => a - b);
const mbps = (s) => data.length / 1e6 / s;
const mid = Math.floor(passes / 2);
reportResult({
  lib,
  mib,
  best: mbps(times[0]),
  median: mbps(times[mid]),
  cpuMedian: mbps(cpu[mid]),
  rssMiB: process.memoryUsage().rss / 2 ** 20,
});
