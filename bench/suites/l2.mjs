// L2 suite: a second `inspect` (full: every layer read and verified) and `layers` of a registry
// image with a warm persistent blob cache, against the first look with an empty one.
//
// The image is the LayerFS suite's (bench/layerfs/image.mjs, built from this machine's files),
// pushed with skopeo to a loopback docker-registry. Each pass is one fresh `layerlens` process,
// as a user runs it. A round is: for each verb, a pass with a new empty LAYERLENS_CACHE (cold:
// every blob from the registry, teed into the cache), then a pass with that cache (warm); rounds
// are interleaved so a burst of other work lands on one round of every row, and the load
// average is recorded per round. Figures: the median over rounds of whole passes.
// Requests: after the timed passes, one more warm pass of each verb goes through a counting
// proxy (kept out of the timed passes so its own copying costs none of them); the target is
// zero blob GETs. The warm passes' --stats=json gives the L2 figures (hits, bytes served).
// Outputs of the cold and warm passes must be identical or the suite fails.
// Target: warm <= 0.3x cold, zero blob requests.
// Cat rows: the file of at most 1 MiB stored last in the image's largest gzip layer, read after a mount that
// recorded the layer's checkpoint index, with the index and without it (bench/l2/cat-worker.mjs,
// one fresh process per round and source: the oci: layout, read with positional reads, and the
// registry, read with Range requests); and `cat --layer N` as a user runs it, cold (empty cache)
// then warm. Target: with the index >= 10x faster than without.

import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer, request } from "node:http";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { benchImage } from "../layerfs/image.mjs";
import { median, table } from "../lib/format.mjs";
import { roundsTable } from "../lib/rounds.mjs";
import { skopeoCopy, startRegistry } from "../registry/registry.mjs";
import { runChild } from "../lib/child.mjs";
import { fileURLToPath } from "node:url";

const catWorker = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "l2", "cat-worker.mjs");

export const title = "Persistent blob cache (L2): a second look at a registry image";

const exec = promisify(execFile);
const VERBS = {
  inspect: (ref) => ["inspect", "--json", "--stats=json", ref],
  layers: (ref) => ["layers", "--stats=json", ref],
};

export async function run(ctx) {
  const img = await benchImage({ quick: ctx.quick, log: ctx.log });
  const compressed = img.layers.reduce((n, l) => n + l.size, 0);
  const rounds = ctx.quick ? 1 : 3;
  const cli = path.join(path.dirname(ctx.distEntry), "cli", "main.js");
  const reg = await startRegistry(path.join(ctx.tmpDir, "registry"));
  const proxy = await countingProxy(reg.host);
  const rows = [];
  const failures = [];
  const roundFacts = [];
  const catRows = [];
  try {
    ctx.log(`l2: pushing ${(compressed / 2 ** 20).toFixed(0)} MiB to ${reg.host}`);
    skopeoCopy(`oci:${img.layout}:${img.tag}`, `${reg.host}/bench/l2:latest`);
    const pass = async (verb, host, cache) => {
      const started = process.hrtime.bigint();
      const { stdout, stderr } = await exec(process.execPath, [cli, ...VERBS[verb](`docker://${host}/bench/l2:latest`)], {
        env: { ...process.env, LAYERLENS_CACHE: cache, LAYERLENS_CACHE_MAX_BYTES: String(4 * compressed) },
        maxBuffer: 256 << 20,
      });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // inspect --json puts its stats beside the report; layers prints them on stderr.
      const parsed = verb === "inspect" ? JSON.parse(stdout) : { stats: statsLine(stderr) };
      const { stats, ...output } = parsed;
      return { ms, l2: stats.l2, output: verb === "inspect" ? JSON.stringify(output) : stdout };
    };
    const samples = { inspect: { cold: [], warm: [] }, layers: { cold: [], warm: [] } };
    const caches = {};
    for (let r = 0; r < rounds; r++) {
      const fact = { round: r + 1, start: new Date().toISOString(), loadStart: load() };
      ctx.log(`l2: round ${r + 1} of ${rounds} (load ${fact.loadStart.join(" / ")})`);
      for (const verb of Object.keys(VERBS)) {
        const cache = path.join(ctx.tmpDir, `cache-${verb}-${r}`);
        mkdirSync(cache, { recursive: true });
        const cold = await pass(verb, reg.host, cache);
        const warm = await pass(verb, reg.host, cache);
        if (cold.output !== warm.output) failures.push(`${verb} round ${r + 1}: the warm output differs from the cold one`);
        samples[verb].cold.push(cold);
        samples[verb].warm.push(warm);
        ctx.log(`l2: ${verb} cold ${cold.ms.toFixed(0)} ms, warm ${warm.ms.toFixed(0)} ms`);
        caches[verb] = cache;
      }
      fact.loadEnd = load();
      fact.seconds = Math.round((Date.now() - Date.parse(fact.start)) / 1000);
      roundFacts.push(fact);
    }
    for (const verb of Object.keys(VERBS)) {
      proxy.seen.length = 0;
      await pass(verb, proxy.host, caches[verb]);
      const blobGets = proxy.seen.filter((s) => s.method === "GET" && s.path.includes("/blobs/")).length;
      const requests = proxy.seen.length;
      const cold = median(samples[verb].cold.map((s) => s.ms));
      const warm = median(samples[verb].warm.map((s) => s.ms));
      const l2 = samples[verb].warm[samples[verb].warm.length - 1].l2;
      const row = {
        verb,
        rounds,
        compressedBytes: compressed,
        coldMedianMs: cold,
        warmMedianMs: warm,
        ratio: warm / cold,
        coldMs: samples[verb].cold.map((s) => +s.ms.toFixed(0)),
        warmMs: samples[verb].warm.map((s) => +s.ms.toFixed(0)),
        warmBlobGets: blobGets,
        warmRequests: requests,
        warmL2: l2,
      };
      rows.push(row);
      if (blobGets !== 0) failures.push(`${verb}: the warm pass made ${blobGets} blob requests`);
      ctx.log(`l2: ${verb} warm/cold ${row.ratio.toFixed(2)}x, ${blobGets} blob GETs, ${requests} requests in all`);
    }
    const cat = await catBench(ctx, img, reg.host, cli, compressed, rounds, failures);
    catRows.push(...cat);
    catRows.roundFacts = cat.roundFacts;
  } finally {
    await proxy.stop();
    await reg.stop();
  }
  return { rows: [...rows, ...catRows], markdown: render(rows, roundFacts, img) + "\n\n" + renderCat(catRows), failures };
}

/** The --stats=json line among what a command wrote on stderr. */
function statsLine(stderr) {
  for (const line of stderr.split("\n").reverse()) {
    try {
      const x = JSON.parse(line);
      // Without --json the line is {"stats": {...}}.
      if (x && typeof x === "object" && x.stats?.wallMs !== undefined) return x.stats;
    } catch {
      // not the stats line
    }
  }
  throw new Error(`no --stats=json line on stderr: ${stderr.slice(-500)}`);
}

const load = () => os.loadavg().map((x) => +x.toFixed(2));

/** A loopback proxy to `upstream` that records each request's method and path. */
async function countingProxy(upstream) {
  const [host, port] = upstream.split(":");
  const seen = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method, path: req.url });
    const up = request({ host, port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    seen,
    host: `127.0.0.1:${server.address().port}`,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

function render(rows, roundFacts, img) {
  const mib = (n) => (n / 2 ** 20).toFixed(0);
  const s = (ms) => (ms / 1000).toFixed(2);
  return [
    `The LayerFS suite's image (${img.layers.length} gzip layers, ${mib(rows[0]?.compressedBytes ?? 0)} MiB compressed) on a loopback docker-registry.`,
    "Each pass is a fresh `layerlens` process; per round and verb a cold pass (empty LAYERLENS_CACHE) then a warm one (the cache",
    `the cold pass filled). Median of ${rows[0]?.rounds ?? 0} interleaved rounds; requests counted by a proxy on one more warm pass.`,
    "",
    table(
      [
        "verb",
        "cold s (median)",
        "warm s (median)",
        "warm / cold",
        "cold passes ms",
        "warm passes ms",
        "warm blob GETs",
        "warm requests",
        "L2 hits",
        "L2 served MiB",
      ],
      rows.map((r) => [
        r.verb,
        s(r.coldMedianMs),
        s(r.warmMedianMs),
        `${r.ratio.toFixed(2)}x`,
        r.coldMs.join(" "),
        r.warmMs.join(" "),
        String(r.warmBlobGets),
        String(r.warmRequests),
        String(r.warmL2?.hits ?? "-"),
        r.warmL2 ? mib(r.warmL2.bytesServed) : "-",
      ]),
    ),
    "",
    roundsTable(roundFacts, table),
    "",
    "Target: warm <= 0.3x cold with zero blob requests. A warm pass reads each layer's recorded facts (diff_id, sizes, entry",
    "table, checkpoint index: verified when they were recorded, authenticated on read) instead of the layer, so what it still",
    "pays is the process start, the documents from the cache (each hashed on open), the facts records and the merge itself;",
    "the requests left are the tag's manifest (tags are not content-addressed) and the /v2/ ping. The cold pass records the",
    "facts as it verifies, decoding gzip with the core's checkpointing inflater instead of node:zlib.",
  ].join("\n");
}

/** The cat rows (see the module comment): in-process reads with and without the index, then the CLI cold and warm. */
async function catBench(ctx, img, host, cli, compressed, rounds, failures) {
  const largest = img.layers.reduce((best, l, i) => (l.size > img.layers[best].size ? i : best), 0);
  const specs = {
    "oci: layout (positional reads)": `oci:${img.layout}:${img.tag}`,
    "registry (Range requests)": `docker://${host}/bench/l2:latest`,
  };
  const samples = {};
  const facts = [];
  let file;
  for (let r = 0; r < rounds; r++) {
    const fact = { round: r + 1, start: new Date().toISOString(), loadStart: load() };
    for (const [where, spec] of Object.entries(specs)) {
      const got = await runChild(
        catWorker,
        { distDir: path.dirname(ctx.distEntry), spec, layer: largest, passes: 2, maxFileBytes: 1 << 20 },
        { label: `cat ${where}` },
      );
      file = got;
      (samples[where] ??= []).push(got);
      ctx.log(
        `l2: cat ${where}: with index ${got.withIndexMs.map((x) => x.toFixed(0)).join("/")} ms, without ${got.withoutIndexMs.map((x) => x.toFixed(0)).join("/")} ms`,
      );
    }
    const cache = path.join(ctx.tmpDir, `cache-cat-${r}`);
    mkdirSync(cache, { recursive: true });
    const catPass = async () => {
      const started = process.hrtime.bigint();
      const { stdout, stderr } = await exec(
        process.execPath,
        [cli, "cat", "--stats=json", "--layer", String(largest), `docker://${host}/bench/l2:latest`, file.path],
        {
          env: { ...process.env, LAYERLENS_CACHE: cache, LAYERLENS_CACHE_MAX_BYTES: String(4 * compressed) },
          maxBuffer: 256 << 20,
          encoding: "buffer",
        },
      );
      return { ms: Number(process.hrtime.bigint() - started) / 1e6, out: stdout, l2: statsLine(stderr.toString()).l2 };
    };
    const cold = await catPass();
    const warm = await catPass();
    if (!cold.out.equals(warm.out)) failures.push(`cat round ${r + 1}: the warm output differs from the cold one`);
    if (cold.out.length !== file.fileBytes)
      failures.push(`cat round ${r + 1}: ${cold.out.length} bytes printed, the file has ${file.fileBytes}`);
    (samples.cliCold ??= []).push(cold.ms);
    (samples.cliWarm ??= []).push(warm.ms);
    ctx.log(`l2: cat CLI cold ${cold.ms.toFixed(0)} ms, warm ${warm.ms.toFixed(0)} ms`);
    fact.loadEnd = load();
    fact.seconds = Math.round((Date.now() - Date.parse(fact.start)) / 1000);
    facts.push(fact);
  }
  const rows = Object.keys(specs).map((where) => {
    const runs = samples[where];
    const withMs = median(runs.map((x) => median(x.withIndexMs)));
    const withoutMs = median(runs.map((x) => median(x.withoutIndexMs)));
    if (withoutMs / withMs < 10)
      failures.push(`cat ${where}: the index made the read only ${(withoutMs / withMs).toFixed(1)}x faster (target 10x)`);
    return {
      verb: "cat",
      where,
      ...pickFile(runs[0]),
      withIndexMedianMs: withMs,
      withoutIndexMedianMs: withoutMs,
      speedup: withoutMs / withMs,
      runs,
    };
  });
  rows.push({
    verb: "cat (CLI)",
    where: `registry, --layer ${largest}`,
    ...pickFile(file),
    coldMedianMs: median(samples.cliCold),
    warmMedianMs: median(samples.cliWarm),
    ratio: median(samples.cliWarm) / median(samples.cliCold),
    coldMs: samples.cliCold.map((x) => +x.toFixed(0)),
    warmMs: samples.cliWarm.map((x) => +x.toFixed(0)),
  });
  rows.roundFacts = facts;
  return rows;
}

function pickFile(x) {
  return {
    path: x.path,
    offset: x.offset,
    fileBytes: x.fileBytes,
    tarBytes: x.tarBytes,
    compressedBytes: x.compressedBytes,
    checkpoints: x.checkpoints,
  };
}

function renderCat(rows) {
  const mib = (n) => (n / 2 ** 20).toFixed(0);
  const reads = rows.filter((r) => r.verb === "cat");
  const cli = rows.find((r) => r.verb === "cat (CLI)");
  const f = reads[0];
  return [
    `### cat of a file near the end of the largest gzip layer (the last one stored of at most 1 MiB)`,
    "",
    `\`/${f.path}\` (${(f.fileBytes / 1024).toFixed(0)} KiB at tar offset ${mib(f.offset)} MiB of a ${mib(f.tarBytes)} MiB tar, ${mib(f.compressedBytes)} MiB gzip,`,
    `${f.checkpoints} checkpoints). In-process: one mount records the index and the span digests, then the file is read with the index`,
    "(from the nearest checkpoint, every compressed segment checked) and without it (decompressed from the layer's start, checked",
    "against the span digests), two passes each per process, a fresh process per round; figures are medians.",
    "",
    table(
      ["source", "with index ms", "without index ms", "speedup", "per round (with / without)"],
      reads.map((r) => [
        r.where,
        r.withIndexMedianMs.toFixed(1),
        r.withoutIndexMedianMs.toFixed(0),
        `${r.speedup.toFixed(0)}x`,
        r.runs.map((x) => `${median(x.withIndexMs).toFixed(0)} / ${median(x.withoutIndexMs).toFixed(0)}`).join(", "),
      ]),
    ),
    "",
    `The CLI, \`layerlens cat --layer N\` through the registry, one process per pass: cold (empty cache: the layer read, verified,`,
    "stored and recorded) then warm (mounted from its recorded facts, the file read from the cached blob at its checkpoint).",
    "",
    table(
      ["", "cold s (median)", "warm s (median)", "warm / cold", "cold passes ms", "warm passes ms"],
      [
        [
          cli.where,
          (cli.coldMedianMs / 1000).toFixed(2),
          (cli.warmMedianMs / 1000).toFixed(2),
          `${cli.ratio.toFixed(3)}x`,
          cli.coldMs.join(" "),
          cli.warmMs.join(" "),
        ],
      ],
    ),
    "",
    roundsTable(rows.roundFacts ?? [], table),
    "",
    "Target: with the index >= 10x faster than without.",
  ].join("\n");
}
