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
  } finally {
    await proxy.stop();
    await reg.stop();
  }
  return { rows, markdown: render(rows, roundFacts, img), failures };
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
    "Target: warm <= 0.3x cold with zero blob requests. What the warm pass still pays: the cache's own check (every entry is",
    "hashed on open), then the same gunzip, diff_id and tar work as the cold pass, since inspect and layers verify every layer",
    "whatever it came from. On loopback the registry is cheap, so the cache saves the transfer and little else; the requests",
    "left are the tag's manifest (tags are not content-addressed) and the /v2/ ping.",
  ].join("\n");
}
