// The inspector's worker's side of its stage workers (stage-worker.ts): layers are handed out
// largest first, one per free stage worker (the longest job starts first, so the workers end
// close together: on the bench image this took the last worker's idle tail from ~22 s to a
// few), and the view is built in layer order as the staged layers come in. A layer staged
// once is kept for the image on screen, so the views as of a lower layer (dive mode) apply the
// same staged layers again instead of reading them again.

import type { Layer, LayerLike } from "../../src/browser.js";
import type { StagedLayer } from "../../src/fs/stage.js";
import { errorOf } from "./protocol.js";
import type { StageIdle, StageJob, StageReply } from "./stage-protocol.js";
import type { PhaseTime } from "./stage-whole.js";

interface Job {
  job: StageJob;
  /** Its worker said it is done (StageFree) and was given back to the pool. */
  freed?: boolean;
  onBytes: (n: number) => void;
  resolve: (r: { staged: StagedLayer; phases: PhaseTime[] }) => void;
  reject: (e: unknown) => void;
}

/**
 * Jobs given to a stage worker at once: one, since a worker inflates a layer while it reads
 * it (stage-whole.ts), so there is no read to hide behind another layer's work.
 */
const JOBS_PER_WORKER = 1;

export class StagePool {
  /** A port once per job it can take more. */
  private readonly idle: MessagePort[];
  private readonly queue: Job[] = [];
  private readonly running = new Map<number, Job>();
  private next = 1;

  constructor(readonly ports: MessagePort[]) {
    if (ports.length === 0) throw new RangeError("a stage pool needs at least one stage worker");
    this.idle = Array.from({ length: JOBS_PER_WORKER }, () => ports).flat();
    for (const port of ports) port.onmessage = (e: MessageEvent<StageReply>) => this.receive(port, e.data);
  }

  get size(): number {
    return this.ports.length;
  }

  /**
   * Stage `layer` on the next free stage worker; `onBytes` hears its blob bytes as they are
   * read. Once `signal` aborts (the view it was for was replaced), a job still queued is
   * dropped and rejects with the signal's reason; one a worker has begun runs to its end.
   */
  stage(
    layer: Layer,
    selector: string | undefined,
    what: string,
    onBytes: (n: number) => void,
    signal?: AbortSignal,
  ): Promise<{ staged: StagedLayer; phases: PhaseTime[] }> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const j: Job = {
        job: { id: this.next++, selector, descriptor: layer.descriptor, diffId: layer.diffId, what },
        onBytes,
        resolve,
        reject,
      };
      this.queue.push(j);
      signal?.addEventListener(
        "abort",
        () => {
          const at = this.queue.indexOf(j);
          if (at < 0) return;
          this.queue.splice(at, 1);
          reject(abortReason(signal));
        },
        { once: true },
      );
      this.pump();
    });
  }

  /** Jobs waiting for a free stage worker. */
  get queued(): number {
    return this.queue.length;
  }

  private pump(): void {
    while (this.idle.length && this.queue.length) {
      const port = this.idle.shift()!;
      const j = this.queue.shift()!;
      this.running.set(j.job.id, j);
      port.postMessage(j.job);
    }
  }

  private receive(port: MessagePort, reply: StageReply): void {
    const j = this.running.get(reply.id);
    if (!j) return;
    if (reply.kind === "bytes") return j.onBytes(reply.bytes);
    // The worker takes its next layer at once, not after this one's entries were decoded here.
    if (!j.freed) this.free(port);
    j.freed = true;
    if (reply.kind === "free") return;
    this.running.delete(reply.id);
    if (reply.ok) j.resolve({ staged: reply.staged, phases: reply.phases });
    else j.reject(errorOf(reply.error));
  }

  /** `port`'s worker can take a layer: the next one queued, or it hears there is none (StageIdle). */
  private free(port: MessagePort): void {
    this.idle.push(port);
    this.pump();
    if (this.idle.includes(port)) port.postMessage({ idle: true } satisfies StageIdle);
  }
}

/** Why `signal` aborted, as an Error (its reason when it is one). */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException("the view was replaced", "AbortError");
}

/** The staged layers of one image, by layer: what LayerFSOptions.stager answers from. */
export class StagedLayers {
  private readonly byLayer = new Map<LayerLike, Promise<StagedLayer>>();
  readonly phases: PhaseTime[] = [];

  constructor(
    pool: StagePool,
    layers: readonly Layer[],
    selector: string | undefined,
    name: string,
    onBytes: (n: number) => void,
    onStaged: (index: number) => void,
    signal?: AbortSignal,
  ) {
    const largestFirst = [...layers.keys()].sort((a, b) => layers[b].size - layers[a].size || a - b);
    for (const i of largestFirst) {
      const layer = layers[i];
      const what = `layer ${i} ${layer.digest.slice(0, 19)}… of ${name}`;
      const p = pool.stage(layer, selector, what, onBytes, signal).then((r) => {
        this.phases.push(...r.phases);
        onStaged(i);
        return r.staged;
      });
      p.catch(() => {}); // seen by the mount that applies this layer, or by nobody when one below failed
      this.byLayer.set(layer, p);
    }
  }

  /** For LayerFSOptions.stager. */
  stager = (layer: LayerLike): Promise<StagedLayer> | undefined => this.byLayer.get(layer);
}
