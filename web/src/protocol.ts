// What the page and the inspector's worker say to each other. The worker owns everything
// heavy (the core, the sources, hashing, decompressing, merging, the merged views); the page
// owns the DOM and the user's files. Every message is structured-cloneable: no functions, no
// class instances the other side would need methods of.
//
// page → worker   Request {id, op, ...}: answered by one Reply with the same id.
// worker → page   Reply, Progress (bytes of layer blobs read so far), LayerStaged (a layer was
//                 read and verified), LayerDone (one more layer is in the view) and BlobRead (the worker asks for bytes of one of the picked
//                 files; the page answers with BlobBytes).
// Reads of the user's files are done by the page on its File objects, and only the bytes
// cross (transferred, not copied): the files never leave the page, and whatever the page's
// Blob reads do (or are made to do) is what the worker sees.

import type { InspectReport, LayerRecord, ReferrerReport, Stat, WasteReport } from "../../src/browser.js";
import type { Stats } from "../../src/report/stats.js";
import type { RowColumns } from "./row-wire.js";

/** A picked input as the worker sees it: the page's blobs by number, with their sizes. */
export type PickedRef =
  | { kind: "folder"; name: string; files: { path: string; blob: number; size: number }[] }
  | { kind: "archive"; name: string; blob: number; size: number }
  /** A registry image, which the worker reads itself through the service the page came from. */
  | { kind: "registry"; name: string; ref: string };

export interface Choice {
  label: string;
  selector: string;
}

export interface PlatformChoice {
  label: string;
  digest: string;
}

/** A layer's descriptor, as the layers table shows it before it is read. */
export interface LayerInfo {
  digest: string;
  mediaType: string;
  size: number;
}

/**
 * A mounted layer's record as the page shows it: without what only the worker can use (its
 * stream, spans, checkpoints, pool handle) and without its per-file tables (versions, dive's
 * leaves), which the worker's waste analysis and dive rows use and which would make each
 * layer's message several times larger for the page to decode.
 */
export type RecordInfo = Omit<LayerRecord, "layer" | "spans" | "handle" | "checkpoints" | "versions" | "diveLeaves">;

/** An error as it crossed: its class name, stable code and message. */
export interface ErrorInfo {
  name: string;
  code?: string;
  message: string;
}

/** The documents of an image: what the page shows before any layer is read. */
export interface Documents {
  report: InspectReport;
  platforms: PlatformChoice[];
  platform?: string;
  layers: LayerInfo[];
  documentStats?: Stats;
  /** The indexes down to the manifest, the manifest, and the config. */
  raw: RawDocument[];
}

/** A document of the image as pretty JSON (what the raw documents view shows). */
export interface RawDocument {
  kind: "index" | "manifest" | "config" | "document";
  digest: string;
  mediaType: string;
  json: string;
}

export interface Mounted {
  /** Left out when each was posted as it came in (LayerDone). */
  records?: RecordInfo[];
  failure?: { index: number; error: ErrorInfo };
  waste: WasteReport;
  layerStats?: Stats;
}

/** A directory entry of the files view, with where a symlink leads (null: dangling). */
export interface Entry {
  stat: Stat;
  target?: Stat | null;
}

export type Request =
  | { id: number; op: "open"; picked: PickedRef }
  | { id: number; op: "choose"; selector: string }
  | { id: number; op: "resolve"; platform?: string }
  /** The ends of the channels to the stage workers the page started for this input. */
  | { id: number; op: "pool"; ports: MessagePort[] }
  | { id: number; op: "mount" }
  /** The image's referrers (signatures, attestations, SBOMs), after "resolve". */
  | { id: number; op: "referrers" }
  | { id: number; op: "tree"; index: number }
  | { id: number; op: "list"; dir: string }
  | { id: number; op: "head"; path: string; limit: number }
  | { id: number; op: "file"; path: string }
  | { id: number; op: "document"; digest: string };

/** What each op answers with. */
export interface Answers {
  open: { choices: Choice[]; first?: string };
  choose: null;
  pool: null;
  resolve: Documents;
  mount: Mounted;
  referrers: ReferrerReport[];
  /** Dive mode's rows as columns (row-wire.ts), and the paths wasted as of that layer. */
  tree: { rows: RowColumns; wasted: string[] };
  list: Entry[];
  head: Uint8Array;
  file: Blob;
  /** The document a digest names, or the layer index when it names a layer of the image. */
  document: RawDocument | { layer: number };
}

export type Reply = { kind: "reply"; id: number; ok: true; value: unknown } | { kind: "reply"; id: number; ok: false; error: ErrorInfo };

export interface Progress {
  kind: "progress";
  done: number;
  total: number;
}

export interface BlobRead {
  kind: "read";
  id: number;
  blob: number;
  offset: number;
  length: number;
  /**
   * A buffer of the worker's to read into (transferred), so a stream of windows reuses the same
   * few buffers instead of fresh memory for each; the answer hands it back with `length` filled.
   */
  into?: ArrayBuffer;
}

/** One more layer is in the view (layers go in bottom first). */
export interface LayerDone {
  kind: "layer";
  record: RecordInfo;
}

/** A layer was read and verified (staged); it goes into the view once the ones below it are in. */
export interface LayerStaged {
  kind: "staged";
  index: number;
}

export type FromWorker = Reply | Progress | BlobRead | LayerDone | LayerStaged;

/** The bytes read: the whole of `bytes`, or its first `length` bytes when the read was into a buffer of the worker's. */
export type BlobBytes =
  { kind: "bytes"; id: number; bytes: ArrayBuffer; length?: number } | { kind: "bytes"; id: number; error: ErrorInfo };

export type ToWorker = Request | BlobBytes;

export function errorInfo(e: unknown): ErrorInfo {
  const code = (e as { code?: unknown })?.code;
  return {
    name: e instanceof Error ? e.name : "Error",
    code: typeof code === "string" ? code : undefined,
    message: e instanceof Error ? e.message : String(e),
  };
}

/** An ErrorInfo as an Error again, its code kept (the page shows code and message). */
export function errorOf(info: ErrorInfo): Error & { code?: string } {
  const e = new Error(info.message) as Error & { code?: string };
  e.name = info.name;
  if (info.code) e.code = info.code;
  return e;
}
