// Open + verify a large image: an OCI layout and a docker-archive built here
// from the machine's own files (one uncompressed layer, ~1 GB; --quick: ~64 MB), inspected by
// layerlens (every blob verified, layers decompressed/counted; and --quick: manifest and config
// only) against `skopeo inspect` (reads no layer) and `skopeo copy` to a dir (reads and
// verifies every blob). Wall time and peak RSS from /usr/bin/time, start-up included.
import { spawnSync, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { table } from "../lib/format.mjs";

export const title = "Open and verify a large image: layout and docker-archive vs skopeo";

function timed(cmd, args, env) {
  const res = spawnSync("/usr/bin/time", ["-f", "@@time %e %M", cmd, ...args], { env, encoding: "utf8", maxBuffer: 64 << 20 });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${res.stderr.slice(-2000)}`);
  const m = /@@time ([\d.]+) (\d+)/.exec(res.stderr);
  return { s: Number(m[1]), mib: Number(m[2]) / 1024 };
}

async function sha256File(file) {
  const h = createHash("sha256");
  for await (const c of createReadStream(file)) h.update(c);
  return h.digest("hex");
}

/** An OCI layout with one uncompressed layer of about `mib` MiB of this machine's files. */
async function buildLayout(dir, mib, log) {
  const blobs = path.join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const layer = path.join(dir, "layer.tar");
  // Regular files of /usr in find's order until the size is reached, then one GNU tar.
  const listing = execFileSync("find", ["/usr", "-xdev", "-type", "f", "-readable", "-printf", "%s %P\n"], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  const names = [];
  let total = 0;
  for (const line of listing.split("\n")) {
    const sp = line.indexOf(" ");
    if (sp < 0) continue;
    names.push("usr/" + line.slice(sp + 1));
    total += Number(line.slice(0, sp)) + 512;
    if (total >= mib << 20) break;
  }
  const list = path.join(dir, "files.txt");
  writeFileSync(list, names.join("\n") + "\n");
  execFileSync("tar", ["cf", layer, "-C", "/", "--ignore-failed-read", "--verbatim-files-from", "-T", list], { stdio: "ignore" });
  log(`layer: ${(statSync(layer).size / 2 ** 20).toFixed(0)} MiB, ${names.length} files of /usr`);
  const put = (name, bytes) => {
    const d = createHash("sha256").update(bytes).digest("hex");
    writeFileSync(path.join(blobs, d), bytes);
    return { digest: `sha256:${d}`, size: bytes.length };
  };
  const layerDigest = await sha256File(layer);
  const layerSize = statSync(layer).size;
  renameSync(layer, path.join(blobs, layerDigest));
  const config = put(
    "config",
    Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        rootfs: { type: "layers", diff_ids: [`sha256:${layerDigest}`] },
        config: { Env: ["BENCH=1"] },
      }),
    ),
  );
  const manifest = put(
    "manifest",
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: `sha256:${layerDigest}`, size: layerSize }],
      }),
    ),
  );
  writeFileSync(
    path.join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifest,
          annotations: { "org.opencontainers.image.ref.name": "big" },
        },
      ],
    }),
  );
  writeFileSync(path.join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  return layerSize;
}

export async function run(ctx) {
  const mib = ctx.quick ? 64 : 1024;
  const layout = path.join(ctx.tmpDir, "layout");
  const size = await buildLayout(layout, mib, ctx.log);
  const archive = path.join(ctx.tmpDir, "big.docker.tar");
  execFileSync("skopeo", ["copy", "-q", `oci:${layout}:big`, `docker-archive:${archive}:bench/big:latest`]);
  const cli = path.join(path.dirname(ctx.distEntry), "cli", "main.js");
  const env = { ...process.env, LAYERLENS_CACHE: path.join(ctx.tmpDir, "cache") };
  const rows = [];
  for (const [form, spec] of [
    ["OCI layout", `oci:${layout}:big`],
    ["docker-archive", `docker-archive:${archive}`],
  ]) {
    const cases = [
      ["layerlens inspect (all blobs verified)", process.execPath, [cli, "inspect", spec, "--json"]],
      ["layerlens inspect --quick (manifest + config)", process.execPath, [cli, "inspect", spec, "--json", "--quick"]],
      ["skopeo inspect (manifest + config)", "skopeo", ["inspect", spec]],
      ["skopeo copy to dir: (all blobs)", "skopeo", ["copy", "-q", spec, `dir:${path.join(ctx.tmpDir, "dir-out")}`]],
    ];
    for (const [tool, cmd, args] of cases) {
      rmSync(path.join(ctx.tmpDir, "dir-out"), { recursive: true, force: true });
      const t = timed(cmd, args, env);
      ctx.log(`${form} ${tool}: ${t.s} s, ${t.mib.toFixed(0)} MiB`);
      rows.push({ form, tool, seconds: t.s, peakRssMiB: t.mib, imageMiB: size / 2 ** 20 });
    }
  }
  const markdown = [
    `One uncompressed layer of ${(size / 2 ** 20).toFixed(0)} MiB (files of this machine's /usr), one run each, /usr/bin/time (start-up included).`,
    "",
    table(
      ["image", "tool", "wall s", "peak RSS MiB"],
      rows.map((r) => [r.form, r.tool, r.seconds.toFixed(2), r.peakRssMiB.toFixed(0)]),
    ),
  ].join("\n");
  return { rows, markdown };
}
