// The staging pool on worker_threads: `layers`, `ls`, `check`, ... read layers side by side
// with `--workers N` (default: the cores Node may use). One worker means no pool at all: the
// sequential path, in this thread.

import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { FromWorker, WorkerPort } from "../parallel/protocol.js";
import { StagingPool } from "../parallel/staging-pool.js";

/** Workers a pool gets unless told otherwise: one per core this process may use. */
export function defaultWorkers(): number {
  return availableParallelism();
}

/** The worker script: beside this module once built; run from the TypeScript sources (tests), the built one. */
function workerScript(): URL {
  const beside = new URL("./stage-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL("../../dist/node/stage-worker.js", import.meta.url);
}

/** A pool of `workers` worker_threads, or undefined for one worker (stage in this thread); close() it when done. */
export function nodeStagingPool(workers = defaultWorkers()): StagingPool | undefined {
  if (workers <= 1) return undefined;
  const script = workerScript();
  return new StagingPool(() => workerPort(new Worker(script)), workers);
}

function workerPort(w: Worker): WorkerPort {
  // Only a working worker holds the process open (its ports may still, until close() ends it).
  w.unref();
  return {
    post: (message, transfer) => w.postMessage(message, transfer),
    onMessage: (handler) => w.on("message", (m: FromWorker) => handler(m)),
    onExit: (handler) => {
      let gone = false;
      const once = (err: Error) => {
        if (!gone) handler(err);
        gone = true;
      };
      w.on("error", once);
      w.on("exit", (code) => once(new Error(`worker exited with code ${code}`)));
    },
    terminate: () => w.terminate(),
    busy: (working) => (working ? w.ref() : w.unref()),
  };
}
