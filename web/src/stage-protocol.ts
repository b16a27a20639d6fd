// What the inspector's worker and its stage workers say to each other, over one MessageChannel
// per stage worker (the page makes the channels and hands out the ends). A stage worker opens
// the picked input itself (its files read through the page, as the inspector's worker reads
// them: page-blob.ts) and stages layers, as the inspector's worker asks (stage-pool.ts).
//
// page → stage worker      StageSetup {picked, port}; BlobBytes answering its BlobReads
// worker → stage worker    StageJob {id, selector, descriptor, diffId, what}; StageIdle (no
//                          more layers for it: it lets go of the buffers it kept for the next)
// stage worker → worker    StageBytes (blob bytes read so far, for the progress bar), StageFree
//                          (the job is done and its reply follows: the worker may be given the
//                          next layer while the reply, a whole layer's entries, is decoded), StageDone

import type { Descriptor } from "../../src/browser.js";
import type { StagedLayer } from "../../src/fs/stage.js";
import type { ErrorInfo, PickedRef } from "./protocol.js";
import type { PhaseTime } from "./stage-whole.js";

export interface StageSetup {
  picked: PickedRef;
  port: MessagePort;
}

export interface StageJob {
  id: number;
  /** The image of the input the layer belongs to (a tag, "@1"), as the worker opened it. */
  selector?: string;
  descriptor: Descriptor;
  diffId?: string;
  what: string;
}

/** No more layers for this stage worker for now. */
export interface StageIdle {
  idle: true;
}

export type StageReply =
  | { kind: "bytes"; id: number; bytes: number }
  | { kind: "free"; id: number }
  | { kind: "done"; id: number; ok: true; staged: StagedLayer; phases: PhaseTime[] }
  | { kind: "done"; id: number; ok: false; error: ErrorInfo };
