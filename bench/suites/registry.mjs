// Registry suite: pull manifest + config from a real docker-registry on
// loopback, layerlens against `skopeo inspect docker://`.
//
// Rows:
//   process   one command per pull, as a user runs it: `layerlens inspect --quick --json
//             docker://…` (reads manifest, index, config; verifies them) vs `skopeo inspect
//             docker://…` (manifest + config, --no-tags) and `skopeo inspect --config`.
//             Wall time and peak RSS from /usr/bin/time; process start-up included in both.
//   library   RegistrySource + resolveImage in one process (fresh child per row): cold = a new
//             source per pull (auth learnt again), warm = one source reused.
// Images: the single-manifest fixture (layout:latest) and the two-platform index
// (layout-multi), on an anonymous registry and one with htpasswd Basic auth.
// Both tools verify what they read; the digests they report must agree or the suite fails.

import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runChild } from "../lib/child.mjs";
import { median, table } from "../lib/format.mjs";
import { skopeoCopy, startRegistry } from "../registry/registry.mjs";

export const title = "Registry pull of manifest + config vs skopeo inspect";

const here = path.dirname(fileURLToPath(import.meta.url));
const worker = path.join(here, "..", "registry", "worker.mjs");

export async function run(ctx) {
  const fixtures = path.resolve(process.env.LAYERLENS_FIXTURES ?? path.join(ctx.repoRoot, "../shared/fixtures"));
  const runs = ctx.quick ? 3 : 15;
  const iterations = ctx.quick ? 5 : 100;
  const cli = path.join(ctx.repoRoot, "dist", "cli", "main.js");
  const rows = [];
  const registries = [
    { auth: "anonymous", creds: undefined },
    { auth: "basic", creds: "bench:bench-pass" },
  ];
  for (const r of registries) {
    const [user, password] = r.creds?.split(":") ?? [];
    const reg = await startRegistry(path.join(ctx.tmpDir, `registry-${r.auth}`), r.creds ? { user, password } : undefined);
    try {
      skopeoCopy(`oci:${path.join(fixtures, "layout")}:latest`, `${reg.host}/bench/single:latest`, r.creds);
      skopeoCopy(`oci:${path.join(fixtures, "layout-multi")}`, `${reg.host}/bench/multi:latest`, r.creds, true);
      for (const image of ["single", "multi"]) {
        const ref = `${reg.host}/bench/${image}:latest`;
        const env = { ...process.env };
        const credArgs = r.creds ? ["--creds", r.creds] : [];
        // layerlens reads credentials from Docker's config.json in the CLI; give it one.
        if (r.creds) env.DOCKER_CONFIG = writeDockerConfig(ctx.tmpDir, reg.host, r.creds);
        const commands = {
          "layerlens inspect --quick": [
            process.execPath,
            [cli, "inspect", "--quick", "--json", `docker://${ref}`],
            (out) => JSON.parse(out).digest,
          ],
          "skopeo inspect --no-tags": [
            "skopeo",
            ["inspect", "--tls-verify=false", "--no-tags", ...credArgs, `docker://${ref}`],
            (out) => JSON.parse(out).Digest,
          ],
          "skopeo inspect --config": [
            "skopeo",
            ["inspect", "--tls-verify=false", "--config", ...credArgs, `docker://${ref}`],
            () => undefined,
          ],
        };
        const digests = new Set();
        for (const [name, [cmd, args, digestOf]] of Object.entries(commands)) {
          const samples = [];
          for (let i = 0; i < runs + 1; i++) {
            const { ms, kib, out } = timed(cmd, args, env);
            const d = digestOf(out);
            if (d) digests.add(d);
            if (i > 0) samples.push({ ms, kib }); // the first run warms the page cache
          }
          const row = {
            kind: "process",
            auth: r.auth,
            image,
            tool: name,
            runs,
            medianMs: median(samples.map((s) => s.ms)),
            peakRssMiB: Math.max(...samples.map((s) => s.kib)) / 1024,
          };
          ctx.log(`${r.auth} ${image} ${name}: ${row.medianMs.toFixed(0)} ms, ${row.peakRssMiB.toFixed(0)} MiB`);
          rows.push(row);
        }
        for (const mode of ["cold", "warm"]) {
          const res = await runChild(
            worker,
            { distEntry: ctx.distEntry, ref, creds: r.creds, mode, iterations },
            { label: `registry ${r.auth} ${image} ${mode}` },
          );
          digests.add(res.digest);
          const row = {
            kind: "library",
            auth: r.auth,
            image,
            tool: `RegistrySource + resolveImage (${mode})`,
            runs: iterations,
            medianMs: median(res.times),
            requestsPerPull: res.requestsPerPull,
            peakRssMiB: res.peakRssMiB,
          };
          ctx.log(`${r.auth} ${image} library ${mode}: ${row.medianMs.toFixed(2)} ms, ${row.requestsPerPull} requests`);
          rows.push(row);
        }
        if (digests.size !== 1) throw new Error(`${ref}: the tools disagree on the manifest digest: ${[...digests].join(", ")}`);
      }
    } finally {
      await reg.stop();
    }
  }
  return { rows, markdown: render(rows, runs, iterations) };
}

/** Run a command under /usr/bin/time: wall ms, peak RSS KiB, stdout. */
function timed(cmd, args, env) {
  const res = spawnSync("/usr/bin/time", ["-f", "@@time %e %M", cmd, ...args], { env, encoding: "utf8", maxBuffer: 64 << 20 });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${res.status}):\n${res.stderr.slice(-2000)}`);
  const m = /@@time ([\d.]+) (\d+)/.exec(res.stderr);
  if (!m) throw new Error(`no /usr/bin/time figures for ${cmd}`);
  return { ms: Number(m[1]) * 1000, kib: Number(m[2]), out: res.stdout };
}

/** A DOCKER_CONFIG dir whose config.json holds `creds` for `host` (what `docker login` writes). */
function writeDockerConfig(tmpDir, host, creds) {
  const dir = path.join(tmpDir, `docker-config-${host.replace(/[^\w]/g, "_")}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "config.json"), JSON.stringify({ auths: { [host]: { auth: Buffer.from(creds).toString("base64") } } }));
  return dir;
}

function render(rows, runs, iterations) {
  const fmt = (x, d = 0) => (x == null ? "–" : x.toFixed(d));
  const proc = rows.filter((r) => r.kind === "process");
  const lib = rows.filter((r) => r.kind === "library");
  return [
    `Loopback docker-registry 2.8 (Debian), images from ../shared/fixtures pushed with skopeo. Process rows: median of ${runs} runs`,
    "after one warm-up, wall time and peak RSS by /usr/bin/time (Node or Go start-up included). Library rows: median of",
    `${iterations} pulls in one process after one warm-up pull.`,
    "",
    table(
      ["auth", "image", "command", "median ms", "peak RSS MiB"],
      proc.map((r) => [r.auth, r.image, r.tool, fmt(r.medianMs), fmt(r.peakRssMiB)]),
    ),
    "",
    table(
      ["auth", "image", "library call", "median ms / pull", "HTTP requests / pull", "peak RSS MiB"],
      lib.map((r) => [r.auth, r.image, r.tool, fmt(r.medianMs, 2), fmt(r.requestsPerPull, 1), fmt(r.peakRssMiB)]),
    ),
  ].join("\n");
}
