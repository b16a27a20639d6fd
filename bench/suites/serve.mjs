// Serve suite: a 500 MB blob read straight from a real docker-registry on loopback, against the
// same blob through `layerlens serve`'s /v2/ pass-through (which verifies it as it streams) and
// through curl as the anchor of a plain client. Each pass is a fresh process reading the whole
// body; rounds are interleaved (every contender once per round), the table shows the median of
// whole passes and the load average of each round; ratios are to the direct read. The two fetch
// rows use the same reader (bench/serve/reader.mjs), so they differ only in the path the bytes
// take. Where /proc is readable, the serve process's CPU time per pass is recorded too: on two
// shared cores the reader, the service and the registry compete for the same CPUs, so the
// ratio follows the load, and the service's own CPU is the figure that changes with its code.
// Then the answer cache: /api/inspect of the same image twice, counting what the registry saw.

import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { median, ratio, table } from "../lib/format.mjs";
import { startRegistry } from "../registry/registry.mjs";

export const title = "layerlens serve: a blob through /v2/ vs straight from the registry";

const here = path.dirname(fileURLToPath(import.meta.url));
const reader = path.join(here, "..", "serve", "reader.mjs");
const bareProxy = path.join(here, "..", "serve", "bare-proxy.mjs");

/** Push `bytes` as one monolithic upload; resolves to its digest. */
async function pushBlob(base, repo, bytes) {
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: "POST" });
  await start.arrayBuffer();
  const location = new URL(start.headers.get("Location"), base);
  location.searchParams.set("digest", digest);
  const put = await fetch(location, { method: "PUT", body: bytes, headers: { "Content-Type": "application/octet-stream" } });
  await put.arrayBuffer();
  if (put.status !== 201) throw new Error(`blob upload: HTTP ${put.status}`);
  return digest;
}

/** A server process that prints "listening on URL": `layerlens serve` under one of its hosts, or the bare proxy. */
async function startServer(args, { cmd = process.execPath, cwd, env } = {}) {
  const child = spawn(cmd, args, { cwd, env: env ? { ...process.env, ...env } : process.env, stdio: ["ignore", "pipe", "pipe"] });
  const url = await new Promise((ok, fail) => {
    let out = "";
    const seen = (d) => {
      out += d;
      const m = /[Ll]istening on (\S+)/.exec(out);
      if (m) ok(m[1]);
    };
    child.stdout.on("data", seen);
    child.stderr.on("data", seen);
    child.once("exit", (code) => fail(new Error(`${path.basename(args[0])} exited ${code}: ${out}`)));
  });
  return {
    url,
    pid: child.pid,
    stop: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once("exit", r), child.kill("SIGTERM")))),
  };
}

/**
 * The same handler under Bun and Deno (src/edge/bun.ts, src/edge/deno.ts run from the source
 * tree, as the tests run them), where their binaries are installed: rows that show whether the
 * cost of a verifying pass-through is Node's or the handler's.
 */
async function otherHosts(root, tmpDir, registryHost) {
  const bin = (name) => path.join(root, "node_modules", ".bin", name);
  // No blob store: these rows are the pass-through, like the Node row they stand beside.
  const env = {
    LAYERLENS_ALLOW: registryHost,
    LAYERLENS_INSECURE: registryHost,
    LAYERLENS_HOST: "127.0.0.1",
    LAYERLENS_PORT: "0",
    LAYERLENS_NO_CACHE: "1",
  };
  const hosts = {};
  if (existsSync(bin("bun")))
    hosts["through the handler under Bun.serve (fetch)"] = await startServer(["src/edge/bun.ts"], { cmd: bin("bun"), cwd: root, env });
  if (existsSync(bin("deno"))) {
    const denoEnv = { ...env, DENO_DIR: path.join(tmpDir, "deno"), DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" };
    const args = [
      "serve",
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--allow-net",
      "--allow-read",
      "--allow-env",
      "--sloppy-imports",
      "src/edge/deno.ts",
    ];
    hosts["through the handler under deno serve (fetch)"] = await startServer(args, { cmd: bin("deno"), cwd: root, env: denoEnv });
  }
  return hosts;
}

/** User + system CPU ms a process has used so far (Linux /proc), or undefined elsewhere. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return undefined;
  }
}

function pass(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

export async function run(ctx) {
  const size = ctx.quick ? 16 << 20 : 500 << 20;
  const rounds = ctx.quick ? 3 : 5;
  const reg = await startRegistry(path.join(ctx.tmpDir, "registry"));
  const cli = path.join(path.dirname(ctx.distEntry), "cli", "main.js");
  // Two services: one with no blob store, so every pass streams from the registry, and one with
  // its store in this run's temp dir, which keeps the blob once the warm-up round verified it.
  const serve = await startServer([cli, "serve", "--port", "0", "--no-web", "--no-cache", "--allow", reg.host]);
  const kept = await startServer([cli, "serve", "--port", "0", "--no-web", "--allow", reg.host], {
    env: { LAYERLENS_CACHE: path.join(ctx.tmpDir, "serve-cache") },
  });
  const bare = await startServer([bareProxy, `http://${reg.host}`]);
  const hosts = await otherHosts(path.join(here, "..", ".."), ctx.tmpDir, reg.host);
  const rows = [];
  try {
    ctx.log(`serve: pushing a ${size >> 20} MiB blob`);
    const digest = await pushBlob(`http://${reg.host}`, "bench/big", randomBytes(size));
    const direct = `http://${reg.host}/v2/bench/big/blobs/${digest}`;
    const proxied = new URL(`v2/${reg.host}/bench/big/blobs/${digest}`, serve.url).toString();
    const fromStore = new URL(`v2/${reg.host}/bench/big/blobs/${digest}`, kept.url).toString();
    const bareProxied = new URL(`v2/${reg.host}/bench/big/blobs/${digest}`, bare.url).toString();
    const hasCurl = existsSync("/usr/bin/curl");
    const contenders = {
      "registry, direct (fetch)": () => JSON.parse(pass(process.execPath, [reader, direct])),
      "through layerlens serve (fetch)": () => JSON.parse(pass(process.execPath, [reader, proxied])),
      "through a bare Node proxy hashing sha256 (fetch)": () => JSON.parse(pass(process.execPath, [reader, bareProxied])),
      "layerlens serve, from its blob store (fetch)": () => JSON.parse(pass(process.execPath, [reader, fromStore])),
      ...Object.fromEntries(
        Object.entries(hosts).map(([name, host]) => {
          const url = new URL(`v2/${reg.host}/bench/big/blobs/${digest}`, host.url).toString();
          return [name, () => JSON.parse(pass(process.execPath, [reader, url]))];
        }),
      ),
      ...(hasCurl
        ? {
            "registry, direct (curl)": () => {
              const out = pass("curl", ["-s", "-o", "/dev/null", "-w", "%{time_total} %{size_download}", direct]).split(" ");
              return { ms: Number(out[0]) * 1000, bytes: Number(out[1]) };
            },
          }
        : {}),
    };
    const samples = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
    // The pass-through processes, whose CPU time each pass through them is measured.
    const servers = {
      "through layerlens serve (fetch)": serve.pid,
      "through a bare Node proxy hashing sha256 (fetch)": bare.pid,
      "layerlens serve, from its blob store (fetch)": kept.pid,
      ...Object.fromEntries(Object.entries(hosts).map(([name, host]) => [name, host.pid])),
    };
    const serverCpu = Object.fromEntries(Object.keys(servers).map((k) => [k, []]));
    // The reader's and the registry's CPU per pass too: on two cores, the wall time of a row is
    // bounded below by the CPU of all three processes on its path divided by two.
    const readerCpu = {};
    const registryCpu = {};
    const loads = [];
    for (let round = 0; round <= rounds; round++) {
      loads.push(os.loadavg()[0]);
      for (const [name, once] of Object.entries(contenders)) {
        const cpu0 = servers[name] && cpuMs(servers[name]);
        const reg0 = cpuMs(reg.pid);
        const { ms, bytes, readerCpuMs } = once();
        const cpu1 = servers[name] && cpuMs(servers[name]);
        const reg1 = cpuMs(reg.pid);
        if (bytes !== size) throw new Error(`${name}: read ${bytes} bytes of ${size}`);
        if (round === 0) continue; // round 0 warms the page cache and the JITs
        samples[name].push(ms);
        if (cpu0 !== undefined && cpu1 !== undefined) serverCpu[name].push(cpu1 - cpu0);
        if (readerCpuMs !== undefined) (readerCpu[name] ??= []).push(readerCpuMs);
        if (reg0 !== undefined && reg1 !== undefined) (registryCpu[name] ??= []).push(reg1 - reg0);
      }
    }
    const reference = median(samples["registry, direct (fetch)"]);
    for (const [name, ms] of Object.entries(samples)) {
      const cpu = serverCpu[name]?.length ? { serverCpuMs: serverCpu[name], serverCpuMedianMs: median(serverCpu[name]) } : {};
      const others = {
        ...(readerCpu[name]?.length ? { readerCpuMedianMs: median(readerCpu[name]) } : {}),
        ...(registryCpu[name]?.length ? { registryCpuMedianMs: median(registryCpu[name]) } : {}),
      };
      rows.push({
        kind: "blob",
        contender: name,
        bytes: size,
        medianMs: median(ms),
        passesMs: ms,
        ratio: median(ms) / reference,
        ...cpu,
        ...others,
      });
    }

    // The answer cache: a second /api/inspect of the same image makes no registry request.
    const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }));
    const configDigest = await pushBlob(`http://${reg.host}`, "bench/small", config);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
      layers: [],
    });
    const put = await fetch(`http://${reg.host}/v2/bench/small/manifests/latest`, {
      method: "PUT",
      body: manifest,
      headers: { "Content-Type": "application/vnd.oci.image.manifest.v1+json" },
    });
    await put.arrayBuffer();
    const inspect = new URL(
      `api/inspect?ref=${reg.host}/bench/small@sha256:${createHash("sha256").update(manifest).digest("hex")}`,
      serve.url,
    );
    const timedInspect = async () => {
      const t0 = performance.now();
      const res = await fetch(inspect);
      await res.arrayBuffer();
      return { ms: performance.now() - t0, cache: res.headers.get("X-Layerlens-Cache") };
    };
    const first = await timedInspect();
    const second = await timedInspect();
    rows.push({ kind: "inspect", first, second, loads });

    const cpuCell = (v) => (v === undefined ? "–" : `${v.toFixed(0)}`);
    const body = table(
      ["contender", "median of whole passes", "MB/s", "vs direct fetch", "CPU ms: reader / pass-through / registry", "passes (ms)"],
      rows
        .filter((r) => r.kind === "blob")
        .map((r) => [
          r.contender,
          `${r.medianMs.toFixed(0)} ms`,
          (size / 1e6 / (r.medianMs / 1000)).toFixed(0),
          ratio(r.ratio),
          `${cpuCell(r.readerCpuMedianMs)} / ${cpuCell(r.serverCpuMedianMs)} / ${cpuCell(r.registryCpuMedianMs)}`,
          r.passesMs.map((x) => x.toFixed(0)).join(", "),
        ]),
    );
    const cpuNotes = Object.entries(serverCpu)
      .filter(([, cpu]) => cpu.length)
      .map(
        ([name, cpu]) =>
          `${name.replace(/^through /, "").replace(/ \(fetch\)$/, "")}: median ${median(cpu).toFixed(0)} ms (${cpu.map((x) => x.toFixed(0)).join(", ")})`,
      );
    const cpuNote = cpuNotes.length
      ? `CPU time (user + system) of the pass-through process per pass through it: ${cpuNotes.join("; ")}.`
      : "";
    const markdown = [
      `A ${size >> 20} MiB blob of random bytes, read whole by a fresh process per pass (${rounds} interleaved rounds after one warm-up round; median of whole passes). Both fetch rows use the same reader (Node's fetch, counting the chunks of the body), so they differ only in the path the bytes take: straight from the registry, or through \`layerlens serve\`'s /v2/, which reads the registry through its address-checked fetch, under the idle deadline, hashing every byte (sha256, node:crypto) and holding back the chunk that completes the blob until the digest matches, then writes it to its client with backpressure. The bare proxy row (bench/serve/bare-proxy.mjs) is the floor of any verifying pass-through in Node: node:http in, sha256 per chunk, piped out, nothing else; the gap between it and the direct read is Node's and the machine's, the gap between it and the service is layerlens's. The Bun and Deno rows run the same handler under those runtimes' own servers and fetch, where they are installed. Those rows and the first serve row run with no blob store (\`--no-cache\`), so every pass goes to the registry; the "from its blob store" row is a second service with its store in this run's temp dir: the warm-up round passes the blob through once and the store keeps it once verified, so the timed passes are answered from that verified local copy (hashed again when the service first opens it, then remembered by size and mtime), as a second pull through a pull-through cache is. The registry, the service and the reader share the machine's ${os.cpus().length} cores with whatever else runs: the ratio is only a measure of the service at a low load; under load every extra CPU-second of the path shows up in the wall time. Load average (1 min) at each round: ${loads.map((l) => l.toFixed(2)).join(", ")}.`,
      "",
      body,
      "",
      ...(cpuNote ? [cpuNote, ""] : []),
      `\`/api/inspect\` of one image by digest: first ${first.ms.toFixed(0)} ms (${first.cache}), second ${second.ms.toFixed(0)} ms (${second.cache}, no registry request).`,
    ].join("\n");
    const failures = second.cache === "hit" ? [] : [`the second /api/inspect was a ${second.cache}, not a hit`];
    return { rows, markdown, failures };
  } finally {
    await serve.stop();
    await kept.stop();
    await bare.stop();
    for (const host of Object.values(hosts)) await host.stop();
    await reg.stop();
  }
}
