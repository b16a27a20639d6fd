// The messages between a staging pool and its workers, and the one thing a host (worker_threads,
// Web Workers) must provide: a port that posts and receives them. One job per worker at a time;
// the worker pulls the layer's bytes piece by piece, so the pool never holds more than a few
// pieces of a layer (flat memory, whatever the layer's size).
//
//   pool -> worker: job (what to stage), piece (bytes), end, fail (the source failed)
//   worker -> pool: pull (this many more pieces), done (the entry table), error

import type { StageJob } from "../fs/stage-job.js";
import type { EntryTable } from "./entry-table.js";
import type { WireError } from "./error-wire.js";

/** The descriptor fields of a layer, checked by the worker while the bytes stream. */
export interface LayerFacts {
  digest?: string;
  diffId?: string;
  mediaType?: string;
  size?: number;
}

export type ToWorker =
  | { t: "job"; id: number; job: StageJob; layer: LayerFacts }
  | { t: "piece"; id: number; bytes: Uint8Array }
  | { t: "end"; id: number }
  | { t: "fail"; id: number; error: WireError };

export type FromWorker =
  { t: "pull"; id: number; pieces: number } | { t: "done"; id: number; table: EntryTable } | { t: "error"; id: number; error: WireError };

/** A worker as the pool sees it (the Node adapter: src/node/staging-workers.ts). */
export interface WorkerPort {
  post(message: ToWorker, transfer?: ArrayBuffer[]): void;
  onMessage(handler: (message: FromWorker) => void): void;
  /** The worker is gone (crashed, exited, failed to load): `err` says why. */
  onExit(handler: (err: Error) => void): void;
  terminate(): Promise<unknown>;
  /** Keep the host alive while the worker works (Node: worker.ref()); optional. */
  busy?(working: boolean): void;
}

/** The worker's end: posts to the pool and receives from it. */
export interface PoolPort {
  post(message: FromWorker, transfer?: ArrayBuffer[]): void;
  onMessage(handler: (message: ToWorker) => void): void;
}

/** Bytes per piece: enough to amortise a message, small enough that a few in flight cost nothing. */
export const PIECE_BYTES = 1 << 20;
/** Pieces a worker queues (or has on their way) ahead of its inflater. */
export const PIECES_AHEAD = 8;
