// The worker's side of the staging pool, for any host (worker_threads, Web Workers): receive a
// job, pull the layer's bytes from the pool, stage it with the same code and options as the
// sequential path (stageLayer + stageOptionsOf), and answer with its entry table or its error.

import { stageLayer } from "../fs/stage.js";
import { stageOptionsOf } from "../fs/stage-job.js";
import type { LayerLike } from "../oci/layer.js";
import { encodeStaged } from "./entry-table.js";
import { fromWire, toWire } from "./error-wire.js";
import { PIECES_AHEAD, type PoolPort, type ToWorker } from "./protocol.js";

/** Serve staging jobs on `port` until the host terminates the worker. */
export function serveStaging(port: PoolPort): void {
  // The bytes of the running job: the stream's controller, the pieces asked for and not yet
  // arrived, and the pull waiting for one.
  let feed: { id: number; controller: ReadableStreamDefaultController<Uint8Array>; asked: number; arrived?: () => void } | null = null;

  const run = async (msg: Extract<ToWorker, { t: "job" }>) => {
    const { id } = msg;
    const bytes = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          feed = { id, controller, asked: 0 };
        },
        // Asks for enough pieces to fill the queue, counting those on their way: the pool sends
        // them without waiting for a round trip each (a loaded machine is slow to wake a thread).
        pull(controller) {
          return new Promise<void>((arrived) => {
            if (feed?.id !== id) return arrived();
            feed.arrived = arrived;
            const more = (controller.desiredSize ?? 0) - feed.asked;
            if (more > 0) {
              feed.asked += more;
              port.post({ t: "pull", id, pieces: more });
            }
          });
        },
      },
      new CountQueuingStrategy({ highWaterMark: PIECES_AHEAD }),
    );
    const layer: LayerLike = { ...msg.layer, open: () => bytes };
    try {
      const staged = await stageLayer(layer, stageOptionsOf(msg.job));
      const { table, transfer } = encodeStaged(staged);
      port.post({ t: "done", id, table }, transfer);
    } catch (err) {
      port.post({ t: "error", id, error: toWire(err) });
    } finally {
      if (feed?.id === id) feed = null;
    }
  };

  port.onMessage((msg) => {
    if (msg.t === "job") {
      void run(msg);
      return;
    }
    const f = feed;
    if (!f || f.id !== msg.id) return; // a piece of a job that already ended (it failed early)
    const arrived = f.arrived;
    f.arrived = undefined;
    try {
      if (msg.t === "piece") {
        f.asked--;
        f.controller.enqueue(msg.bytes);
      } else if (msg.t === "end") f.controller.close();
      else f.controller.error(fromWire(msg.error));
    } catch {
      // The stager cancelled the stream (it failed on what it had): the job answers on its own.
    }
    arrived?.();
  });
}
