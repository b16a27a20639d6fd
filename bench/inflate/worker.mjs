// One inflate contender in a fresh process.
//   task "throughput": decode the whole file `passes` times with `lib` (layerlens, layerlens-gather,
//     layerlens-views, fflate, fflate-sync, zlib), 64 KiB pushes where the decoder streams, after one untimed pass whose output is
//     checked against the expected size and sha256.
//   task "index": one pass with checkpoints every `span` bytes; writes the index to `indexFile`
//     (JSON, windows in base64) and reports the pass time.
//   task "tail": read the last `tailBytes` of the stream `passes` times, by `how`: "scan-layerlens"
//     and "scan-zlib" decode from the start; "index" reads the index file (timed too), resumes at
//     the nearest checkpoint and reads the file from there with positional reads.
import { readFileSync, writeFileSync, openSync, readSync, closeSync, fstatSync } from "node:fs";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import zlib from "node:zlib";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { childArgs, reportResult } from "../lib/child.mjs";
import { gatherInto } from "./gather.mjs";

const args = childArgs();
const CHUNK = 64 * 1024;
const { init } = await import(pathToFileURL(path.join(args.distDir, "node.js")).href);
const inflate = await import(pathToFileURL(path.join(args.distDir, "fs", "inflate.js")).href);
const core = await init();

function* fileChunks(file, from = 0, size = 1 << 20) {
  const fd = openSync(file, "r");
  try {
    const end = fstatSync(fd).size;
    for (let at = from; at < end; at += size) {
      const buf = Buffer.allocUnsafe(Math.min(size, end - at));
      readSync(fd, buf, 0, buf.length, at);
      yield buf;
    }
  } finally {
    closeSync(fd);
  }
}

function throughputDecoder(lib, input) {
  if (lib === "layerlens") {
    return (sink) => {
      const dec = new inflate.GzipInflater(core);
      try {
        for (let i = 0; i < input.length; i += CHUNK) for (const p of dec.push(input.subarray(i, i + CHUNK))) sink(p);
        dec.end();
      } finally {
        dec.free();
      }
    };
  }
  if (lib === "layerlens-views" || lib === "layerlens-gather") {
    // The output gathered into one buffer of the whole size, as the web inspector does (gather.mjs).
    const views = lib === "layerlens-views";
    return (sink) => gatherInto(inflate.GzipInflater, core, input, CHUNK, args.expectedSize, views, sink);
  }
  if (lib === "fflate") {
    const { Gunzip } = createRequire(import.meta.url)("fflate");
    return (sink) => {
      const d = new Gunzip((c) => sink(c));
      for (let i = 0; i < input.length; i += CHUNK) d.push(input.subarray(i, i + CHUNK), i + CHUNK >= input.length);
    };
  }
  if (lib === "fflate-sync") {
    // fflate's one-shot call (its fastest path; the whole output in memory, no budget per step).
    const { gunzipSync } = createRequire(import.meta.url)("fflate");
    return (sink) => sink(gunzipSync(input));
  }
  if (lib === "zlib") {
    // Streaming, as the mount path uses it: gunzip through a zlib handle in 64 KiB writes.
    return (sink) => {
      const g = zlib.createGunzip({ chunkSize: CHUNK });
      return new Promise((resolve, reject) => {
        g.on("data", sink);
        g.on("end", resolve);
        g.on("error", reject);
        for (let i = 0; i < input.length; i += CHUNK) g.write(input.subarray(i, i + CHUNK));
        g.end();
      });
    };
  }
  throw new Error(`unknown contender ${lib}`);
}

// Wall time and the process's CPU time (all threads: zlib's streaming work runs on the
// libuv pool) per pass; on a shared machine the CPU time is the steadier of the two.
async function timedPasses(passes, once) {
  const times = [];
  const cpus = [];
  for (let p = 0; p < passes; p++) {
    const t = performance.now();
    const c = process.cpuUsage();
    await once();
    const u = process.cpuUsage(c);
    times.push(performance.now() - t);
    cpus.push((u.user + u.system) / 1000);
  }
  const mid = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  return { medianMs: mid(times), bestMs: Math.min(...times), medianCpuMs: mid(cpus), times, cpus };
}

if (args.task === "throughput") {
  const input = readFileSync(args.file);
  const decode = throughputDecoder(args.lib, input);
  const hash = createHash("sha256");
  let size = 0;
  await decode((c) => {
    size += c.length;
    hash.update(c);
  });
  const sha = hash.digest("hex");
  if (size !== args.expectedSize || sha !== args.expectedSha256) throw new Error(`${args.lib}: decoded ${size} bytes sha256 ${sha}`);
  const r = await timedPasses(args.passes, async () => {
    let n = 0;
    await decode((c) => {
      n += c.length;
    });
    if (n !== size) throw new Error(`${args.lib}: a pass decoded ${n} bytes`);
  });
  reportResult({ lib: args.lib, size, ...r });
} else if (args.task === "index") {
  const index = new inflate.CheckpointIndex();
  const t = performance.now();
  let size = 0;
  for await (const p of inflate.inflateStream(fileChunks(args.file), { core, index, checkpointSpan: args.span })) size += p.length;
  const ms = performance.now() - t;
  const json = index.checkpoints.map((c) => ({ ...c, window: Buffer.from(c.window).toString("base64") }));
  writeFileSync(args.indexFile, JSON.stringify(json));
  reportResult({ size, ms, checkpoints: index.checkpoints.length, indexBytes: Buffer.byteLength(JSON.stringify(json)) });
} else if (args.task === "tail") {
  const from = args.size - args.tailBytes;
  let tail = null;
  const keepTail = (at, p) => {
    const lo = Math.max(from, at);
    if (at + p.length > lo) tail.push(p.subarray(lo - at));
  };
  const once = async () => {
    tail = [];
    let at = 0;
    if (args.how === "scan-zlib") {
      const g = zlib.createGunzip({ chunkSize: CHUNK });
      await new Promise((resolve, reject) => {
        g.on("data", (p) => {
          keepTail(at, p);
          at += p.length;
        });
        g.on("end", resolve);
        g.on("error", reject);
        (async () => {
          for (const c of fileChunks(args.file)) if (!g.write(c)) await new Promise((r) => g.once("drain", r));
          g.end();
        })().catch(reject);
      });
    } else {
      let gen;
      if (args.how === "index") {
        const index = new inflate.CheckpointIndex();
        for (const c of JSON.parse(readFileSync(args.indexFile, "utf8"))) index.add({ ...c, window: Buffer.from(c.window, "base64") });
        const cp = index.nearest(from);
        at = cp ? cp.outOffset : 0;
        gen = cp
          ? inflate.resumeAt(cp, fileChunks(args.file, inflate.checkpointInByte(cp)), { core })
          : inflate.inflateStream(fileChunks(args.file), { core });
      } else {
        gen = inflate.inflateStream(fileChunks(args.file), { core });
      }
      for await (const p of gen) {
        keepTail(at, p);
        at += p.length;
      }
    }
    if (at !== args.size) throw new Error(`${args.how}: stream ended at ${at}, expected ${args.size}`);
  };
  await once();
  const sha = createHash("sha256").update(Buffer.concat(tail)).digest("hex");
  if (sha !== args.tailSha256) throw new Error(`${args.how}: wrong tail bytes`);
  const r = await timedPasses(args.passes, once);
  reportResult({ how: args.how, ...r });
} else {
  throw new Error(`unknown task ${args.task}`);
}
