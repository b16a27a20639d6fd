// A worker_threads worker of the staging pool (src/parallel/staging-pool.ts): its own core,
// loaded the way the Node entry loads it, serving staging jobs from its parent.

import { parentPort } from "node:worker_threads";
import { init } from "../node.js";
import { serveStaging } from "../parallel/stage-worker.js";
import type { ToWorker } from "../parallel/protocol.js";

const parent = parentPort;
if (!parent) throw new Error("stage-worker.js runs as a worker_threads worker, not as a script");
await init();
serveStaging({
  post: (message, transfer) => parent.postMessage(message, transfer),
  onMessage: (handler) => parent.on("message", (m: ToWorker) => handler(m)),
});
