// One in-process registry row, in a fresh Node process: pull manifest (+ index) + config of
// `ref` through RegistrySource + resolveImage from the BUILT code, `iterations` times, with
// either a fresh source per pull (cold: ping/challenge and auth round trips included) or one
// source reused (warm: the client knows the auth scheme; documents are fetched again).
// Reports per-pull wall times, HTTP requests per pull, and the peak RSS of the process.

import path from "node:path";
import { pathToFileURL } from "node:url";
import { childArgs, reportResult } from "../lib/child.mjs";

const { distEntry, ref, creds, mode, iterations } = childArgs();
const dist = path.dirname(distEntry);
const { init } = await import(pathToFileURL(distEntry).href);
await init(); // registers node:crypto as the sha256 and loads the core, as a user would
const { RegistrySource } = await import(pathToFileURL(path.join(dist, "sources", "registry.js")).href);
const { resolveImage } = await import(pathToFileURL(path.join(dist, "sources", "image.js")).href);

// cache: false so every pull really goes to the registry (the shared answer cache would
// otherwise serve the tag and manifest from memory and hide the round trips measured here).
const options = { cache: false, ...(creds ? { credentials: { username: creds.split(":")[0], password: creds.split(":")[1] } } : {}) };
const times = [];
let requests = 0;
let shared = mode === "warm" ? new RegistrySource(ref, options) : undefined;
let digest;
for (let i = 0; i < iterations + 1; i++) {
  const source = shared ?? new RegistrySource(ref, options);
  const before = source.client.transport.requests;
  const t0 = process.hrtime.bigint();
  const image = await resolveImage(source);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!image.config || !image.manifestDescriptor.digest) throw new Error("no config");
  digest = image.root.digest; // what the tag names, as skopeo reports it
  if (i > 0) {
    times.push(ms);
    requests += source.client.transport.requests - before;
  } // the first pull warms the JIT
}
reportResult({ times, requestsPerPull: requests / iterations, digest, peakRssMiB: process.resourceUsage().maxRSS / 1024 });
