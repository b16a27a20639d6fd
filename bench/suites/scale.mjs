// Scale suite: `layers` of a big, many-file image with layers staged by worker threads, and
// peak memory against image size.
//
// Rows:
//   workers  `layerlens layers` of a 2 GiB (uncompressed), 220k-file, 4-layer gzip image
//            (bench/scale/build-image.py, "mixed" content: gzip -1 keeps ~0.7 of it) with
//            --workers 1 (the sequential path) and --workers 2, against `umoci unpack` of the
//            same OCI layout (which also writes the files: the reference tool's full unpack).
//   memory   peak RSS of `layerlens layers` (--workers 1 and 2) for the same structure (220k
//            files, 4 layers) at 1, 2 and 4 GiB: the extra bytes are in big "low" entropy
//            files (zeros with a line of text per MiB) so that the images build in seconds;
//            memory, not speed, is read from these rows.
// Method (bench/lib/rounds.mjs): every pass is a fresh process, timed whole by /usr/bin/time
// (wall, CPU, max RSS); 3 rounds, interleaved, load average recorded per round; a row's figure
// is the median of its rounds. Outputs of --workers 1 and --workers 2 must be byte-identical
// (stdout hashed each pass) or the suite fails.
// Targets: 2 workers <= 0.6x the wall time of 1; RSS flat in image size apart from the path table.
// BENCH_SCALE_ROWS=workers (a comma list of workers, umoci, memory; default all three) runs only
// those rows: the workers row alone gives the same 2-vs-1 figure (the same passes, interleaved the
// same way) in a few minutes, where umoci's passes (~3 min each) and the memory rows take most of
// the suite's time. BENCH_ROUNDS overrides the 3 rounds.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { median, table } from "../lib/format.mjs";
import { interleavedRounds, roundsTable } from "../lib/rounds.mjs";
import { scaleImage } from "../scale/image.mjs";

export const title = "Scale: layers staged by worker threads, memory against image size";

const GiB = 2 ** 30;

/** Run `cmd args` under /usr/bin/time: wall and CPU ms, max RSS MiB, and the sha256 of its stdout. */
function timed(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/time", ["-f", "@@time %e %U %S %M", cmd, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const hash = createHash("sha256");
    let err = "";
    child.stdout.on("data", (b) => hash.update(b));
    child.stderr.on("data", (b) => (err += b));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = err.split("\n").find((l) => l.startsWith("@@time "));
      if (code !== 0 || !line) return reject(new Error(`${cmd} ${args.join(" ")} failed (exit ${code}): ${err.slice(-1500)}`));
      const [wall, user, sys, kb] = line.slice(7).split(" ").map(Number);
      resolve({ passMs: [wall * 1000], cpuMs: (user + sys) * 1000, rssMB: Math.round(kb / 1024), out: hash.digest("hex") });
    });
  });
}

export async function run(ctx) {
  const cli = path.join(path.dirname(ctx.distEntry), "cli", "main.js");
  const quick = ctx.quick;
  const files = quick ? 8000 : 220000;
  const big = scaleImage({ bytes: quick ? 128 * 2 ** 20 : 2 * GiB, files }, ctx.log);
  const wanted = new Set((process.env.BENCH_SCALE_ROWS ?? "workers,umoci,memory").split(","));
  const sizes = !wanted.has("memory") ? [] : quick ? [0.125, 0.25] : [1, 2, 4];
  const low = Object.fromEntries(sizes.map((g) => [g, scaleImage({ bytes: g * GiB, files, entropy: "low" }, ctx.log)]));

  const layersOf = (img, workers) => ({ kind: "layers", img, workers });
  const specs = [
    ...(wanted.has("workers") ? [layersOf(big, 1), layersOf(big, 2)] : []),
    ...(wanted.has("umoci") ? [{ kind: "umoci", img: big }] : []),
    ...sizes.flatMap((g) => [layersOf(low[g], 1), layersOf(low[g], 2)]),
  ];
  const runOne = async (spec) => {
    const r = await runPass(spec);
    ctx.log(
      `  ${spec.kind === "umoci" ? "umoci unpack" : `layers --workers ${spec.workers}`} ${spec.img.key}: ${(r.passMs[0] / 1000).toFixed(1)} s, ${r.rssMB} MiB`,
    );
    return r;
  };
  const runPass = async (spec) => {
    if (spec.kind === "layers")
      return timed(process.execPath, [cli, "layers", spec.img.spec, "--json", "--progress=none", "--workers", String(spec.workers)]);
    const dir = mkdtempSync(path.join(ctx.tmpDir, "umoci-"));
    try {
      return await timed("umoci", ["unpack", "--image", `${spec.img.layout}:${spec.img.tag}`, path.join(dir, "bundle")]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const rounds = quick ? 1 : Number(process.env.BENCH_ROUNDS ?? 3);
  const { results, rounds: roundFacts, failures } = await interleavedRounds(specs, rounds, runOne, ctx.log);

  const figure = (spec) => {
    const list = spec && results.get(spec);
    if (!list?.length) return null;
    const roundMs = list.map((r) => r.passMs[0]);
    return {
      medianMs: median(roundMs),
      roundMs,
      cpuMs: median(list.map((r) => r.cpuMs)),
      rssMB: median(list.map((r) => r.rssMB)),
      rssRounds: list.map((r) => r.rssMB),
      loads: list.map((r) => +r.loadAtStart.toFixed(2)),
      outs: new Set(list.map((r) => r.out)),
    };
  };
  // Identical output is the point of the merge staying in layer order: check every pass.
  for (const img of [big, ...Object.values(low)]) {
    const [one, two] = [specs.find((s) => s.img === img && s.workers === 1), specs.find((s) => s.img === img && s.workers === 2)];
    if (!one || !two) continue;
    const outs = new Set([...results.get(one), ...results.get(two)].map((r) => r.out));
    if (outs.size > 1) failures.push(`${img.key}: --workers 1 and --workers 2 printed different reports (${outs.size} distinct outputs)`);
  }

  const rows = [];
  const label = (s) => (s.kind === "umoci" ? "umoci unpack" : `layerlens layers --workers ${s.workers}`);
  for (const s of specs) {
    const f = figure(s);
    if (!f) continue;
    const { outs: _outs, ...rest } = f;
    rows.push({ row: s.img === big ? "workers" : "memory", who: label(s), image: s.img.key, ...rest });
  }

  const sec = (ms) => (ms / 1000).toFixed(2) + " s";
  const compressed = big.layers.reduce((n, l) => n + l.size, 0);
  const w1 = figure(specs.find((s) => s.img === big && s.workers === 1));
  const w2 = figure(specs.find((s) => s.img === big && s.workers === 2));
  const um = figure(specs.find((s) => s.kind === "umoci"));
  let md = `Image: ${big.layers.length} gzip layers, ${(big.bytes / GiB).toFixed(1)} GiB of tar, ${(compressed / GiB).toFixed(2)} GiB compressed, ${files} small files plus 64 MiB files, overwrites, whiteouts, an opaque directory, a file turned directory and hard links in every upper layer (bench/scale/build-image.py: Python tarfile, gzip -1; cached under the temp dir${big.seconds ? `, built in ${big.seconds} s this run` : ""}).\n\n`;
  md += `The machine has 2 cores shared by several engineers working at the same time: read the load column (1-minute load average at the start of each pass; 2.0 would be both cores busy).\n\n`;
  md += table(
    [
      `layers of the ${(big.bytes / GiB).toFixed(1)} GiB image`,
      "wall (median of rounds)",
      "rounds",
      "CPU (user+sys)",
      "peak RSS",
      "load at start",
    ],
    [
      ["layerlens --workers 1 (sequential)", w1],
      ["layerlens --workers 2", w2],
      ["umoci unpack", um],
    ]
      .filter(([, f]) => f)
      .map(([who, f]) => [who, sec(f.medianMs), f.roundMs.map(sec).join(", "), sec(f.cpuMs), `${f.rssMB} MiB`, f.loads.join(", ")]),
  );
  if (w1 && w2)
    md += `\n\n2 workers vs 1: **${(w2.medianMs / w1.medianMs).toFixed(2)}x** the wall time (target <= 0.6x), ${(w2.cpuMs / w1.cpuMs).toFixed(2)}x the CPU time${um ? `; vs umoci unpack: ${(um.medianMs / w2.medianMs).toFixed(2)}x faster` : ""}.\n`;
  if (sizes.length)
    md +=
      `\n` +
      table(
        ["peak RSS, same structure (files, layers), bigger files", ...sizes.map((g) => `${g} GiB`)],
        [1, 2].map((w) => [
          `layerlens layers --workers ${w}`,
          ...sizes.map((g) => {
            const f = figure(specs.find((s) => s.img === low[g] && s.workers === w));
            return f ? `${f.rssMB} MiB (${sec(f.medianMs)})` : "-";
          }),
        ]),
      );
  md += `\n\nRounds:\n\n${roundsTable(roundFacts, table)}\n`;
  return { rows, markdown: md, failures };
}
