// A pool of workers that stage layers side by side (decompress, verify the blob digest and the
// diff_id, walk the tar), each worker with its own instance of the core. The pool is a
// LayerStager: LayerFS hands it the layers of a batch and still applies the staged layers in
// layer order itself, so the merged view is the one the sequential path builds.
//
// The source is read here, in the caller's thread (sources are not transferable: file handles,
// registry sessions, caches), and the bytes go to the worker in pieces as it pulls them; the
// CPU work (inflate, two sha256 passes, tar parsing) is the worker's. A worker's error comes
// back as the same typed error (class, code, fields) the sequential path raises.
// Hosts: src/node/staging-workers.ts (worker_threads); a Web Worker host needs only a WorkerPort.

import { FreedError, InvariantError } from "../errors.js";
import { chunksOf, discard } from "../fs/chunks.js";
import type { StagedLayer } from "../fs/stage.js";
import type { LayerStager, StageJob } from "../fs/stage-job.js";
import type { LayerLike } from "../oci/layer.js";
import { decodeStaged } from "./entry-table.js";
import { fromWire, toWire } from "./error-wire.js";
import { type FromWorker, PIECE_BYTES, type WorkerPort } from "./protocol.js";

interface Pending {
  layer: LayerLike;
  job: StageJob;
  resolve(staged: StagedLayer): void;
  reject(err: unknown): void;
}

/** One worker and the job it runs (its handler dispatches by the job's id). */
interface Slot {
  port: WorkerPort;
  running?: { id: number; onMessage(m: FromWorker): void; onExit(err: Error): void };
}

export class StagingPool implements LayerStager {
  private readonly slots: Slot[] = [];
  private readonly idle: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  /** `spawn` starts one worker; at most `size` run, started when the first jobs arrive. */
  constructor(
    private readonly spawn: () => WorkerPort,
    readonly size: number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a staging pool needs at least one worker, not ${String(size)}`);
  }

  stage(layer: LayerLike, job: StageJob): Promise<StagedLayer> {
    if (this.closed) return Promise.reject(new FreedError("staging pool", "used"));
    return new Promise<StagedLayer>((resolve, reject) => {
      this.queue.push({ layer, job, resolve, reject });
      this.dispatch();
    });
  }

  /** Start every worker now (their start-up then overlaps whatever comes before the first layer). */
  warm(): void {
    while (!this.closed && this.slots.length < this.size) this.idle.push(this.start());
  }

  /** Stop every worker (their memory, the cores' included, goes with them); queued jobs are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new FreedError("staging pool", "closed before it staged a layer; it was"));
    const slots = this.slots.splice(0);
    this.idle.length = 0;
    for (const s of slots) s.running?.onExit(new FreedError("staging pool", "closed while it staged a layer; it was"));
    await Promise.all(slots.map((s) => s.port.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length && !this.closed) {
      const slot = this.idle.pop() ?? (this.slots.length < this.size ? this.start() : undefined);
      if (!slot) return;
      this.run(slot, this.queue.shift()!);
    }
  }

  private start(): Slot {
    const slot: Slot = { port: this.spawn() };
    slot.port.onMessage((m) => slot.running?.id === m.id && slot.running.onMessage(m));
    slot.port.onExit((err) => {
      // A dead worker takes its job with it; the next job starts a new one.
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      const j = this.idle.indexOf(slot);
      if (j >= 0) this.idle.splice(j, 1);
      slot.running?.onExit(err);
      this.dispatch();
    });
    this.slots.push(slot);
    return slot;
  }

  private run(slot: Slot, p: Pending): void {
    const id = this.nextId++;
    const { layer, job } = p;
    let source: AsyncGenerator<Uint8Array, void> | null = null;
    let over = false;
    const finish = (settle: () => void) => {
      if (over) return;
      over = true;
      slot.running = undefined;
      slot.port.busy?.(false);
      void source?.return(undefined).catch(() => {});
      settle();
      if (this.slots.includes(slot) && !this.closed) {
        this.idle.push(slot);
        this.dispatch();
      }
    };
    // Pieces the worker asked for and has not been sent; one pump sends them, in order.
    let credit = 0;
    let pumping = false;
    let ended = false;
    const pump = async () => {
      if (pumping) return;
      pumping = true;
      try {
        while (credit > 0 && !over && !ended) {
          if (!source) {
            const opened = await layer.open();
            // The job may have ended while the layer was opening (the pool closed, the worker died).
            if (over) return void discard(opened).catch(() => {});
            source = chunksOf(opened);
          }
          const piece = await nextPiece(source);
          if (over) return;
          credit--;
          if (piece) slot.port.post({ t: "piece", id, bytes: piece }, [piece.buffer as ArrayBuffer]);
          else {
            ended = true;
            slot.port.post({ t: "end", id });
          }
        }
      } catch (err) {
        // The worker raises it from its stream, so it surfaces where the sequential path's would.
        ended = true;
        if (!over) slot.port.post({ t: "fail", id, error: toWire(err) });
      } finally {
        pumping = false;
      }
    };
    slot.running = {
      id,
      onMessage: (m) => {
        if (m.t === "pull") {
          credit += m.pieces;
          void pump();
        } else if (m.t === "done") finish(() => p.resolve(decodeStaged(m.table)));
        else finish(() => p.reject(fromWire(m.error)));
      },
      onExit: (err) =>
        finish(() =>
          p.reject(err instanceof FreedError ? err : new InvariantError(`${job.what}: the worker staging it stopped: ${err.message}`)),
        ),
    };
    slot.port.busy?.(true);
    slot.port.post({
      t: "job",
      id,
      job,
      layer: { digest: layer.digest, diffId: layer.diffId, mediaType: layer.mediaType, size: layer.size },
    });
  }
}

/** The next PIECE_BYTES (or what is left) of a source, copied into a buffer of its own; null at the end. */
async function nextPiece(source: AsyncGenerator<Uint8Array, void>): Promise<Uint8Array | null> {
  // Copied, never transferred: a source may still hold its chunks (a cache writing them to disk).
  const parts: Uint8Array[] = [];
  let bytes = 0;
  while (bytes < PIECE_BYTES) {
    const { done, value } = await source.next();
    if (done) break;
    if (value.length === 0) continue;
    parts.push(value);
    bytes += value.length;
  }
  if (bytes === 0) return null;
  const piece = new Uint8Array(bytes);
  let at = 0;
  for (const part of parts) {
    piece.set(part, at);
    at += part.length;
  }
  return piece;
}
