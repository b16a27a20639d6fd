// A worker_threads worker of the staging pool (src/parallel/staging-pool.ts), serving staging
// jobs from its parent. It imports only what staging needs (the whole package costs ~0.4 s of
// CPU per worker to load) and registers the Node entry's core loader: its own instance of the
// core is compiled on first use (a zstd layer), not at start.

import { parentPort } from "node:worker_threads";
import { serveStaging } from "../parallel/stage-worker.js";
import { createInit } from "../wasm/init.js";
import { nodeCoreFiles } from "./core-files.js";
import type { ToWorker } from "../parallel/protocol.js";

const parent = parentPort;
if (!parent) throw new Error("stage-worker.js runs as a worker_threads worker, not as a script");
createInit(nodeCoreFiles);
serveStaging({
  post: (message, transfer) => parent.postMessage(message, transfer),
  onMessage: (handler) => parent.on("message", (m: ToWorker) => handler(m)),
});
