// The page's side of the inspector's worker (protocol.ts): starts it, sends requests and
// resolves them with the replies, answers the worker's reads of the picked files from the
// page's own Blobs, and passes progress on. It also starts the stage workers (stage-worker.ts),
// one more than the cores the browser reports, hands each the picked files and a channel to the worker,
// which gives them the layers to read. terminate() is Cancel: every worker and all their work
// stop at once, and every request still waiting rejects.

import type { Picked } from "./open.js";
import {
  errorInfo,
  errorOf,
  type Answers,
  type BlobRead,
  type FromWorker,
  type PickedRef,
  type RecordInfo,
  type Request,
  type ToWorker,
} from "./protocol.js";
import type { StageSetup } from "./stage-protocol.js";
import { fillFrom } from "./blob-fill.js";

/** Stage workers per input: one more than the cores the browser reports, at most this many. */
const MAX_STAGE_WORKERS = 4;

/**
 * One more worker than cores: a worker's layer is a chain of steps on one thread (inflating,
 * then WebCrypto's digests, which run on the calling worker's thread), and layers differ in
 * size, so with one worker per core a core sat idle while the last big layer's chain ran on
 * the other; with one more, the system shares the cores among the chains until near the end.
 */
export function stageWorkerCount(): number {
  return Math.max(1, Math.min(MAX_STAGE_WORKERS, (navigator.hardwareConcurrency || 1) + 1));
}

type Args<K extends Request["op"]> = Omit<Extract<Request, { op: K }>, "id" | "op">;

export class InspectorWorker {
  private readonly worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private readonly blobs: Blob[] = [];
  private readonly stageWorkers: Worker[] = [];
  private next = 1;
  terminated = false;
  onProgress?: (done: number, total: number) => void;
  onLayer?: (record: RecordInfo) => void;
  onStaged?: (index: number) => void;

  constructor() {
    this.worker.addEventListener("message", (e: MessageEvent<FromWorker>) => this.receive(e.data));
    this.worker.addEventListener("error", (e) => this.failAll(new Error(`the inspector's worker failed: ${e.message}`)));
  }

  /** `picked` as the worker names it: each of its Blobs by number. */
  refOf(picked: Picked): PickedRef {
    const add = (b: Blob) => this.blobs.push(b) - 1;
    if (picked.kind === "registry") return picked;
    if (picked.kind === "archive") return { kind: "archive", name: picked.name, blob: add(picked.file), size: picked.file.size };
    return { kind: "folder", name: picked.name, files: picked.files.map((f) => ({ path: f.path, blob: add(f.file), size: f.file.size })) };
  }

  /** Open `picked` in the worker, with stage workers of its own to read the layers. */
  async open(picked: Picked): Promise<Answers["open"]> {
    const ref = this.refOf(picked);
    const opened = await this.call("open", { picked: ref });
    const ports: MessagePort[] = [];
    for (let i = 0; i < stageWorkerCount(); i++) {
      const w = new Worker(new URL("./stage-worker.ts", import.meta.url), { type: "module", name: `stage ${i}` });
      w.addEventListener("message", (e: MessageEvent<FromWorker>) => {
        if (e.data.kind === "read") void this.read(w, e.data);
      });
      const channel = new MessageChannel();
      w.postMessage({ picked: ref, port: channel.port1 } satisfies StageSetup, [channel.port1]);
      this.stageWorkers.push(w);
      ports.push(channel.port2);
    }
    await this.call("pool", { ports }, ports);
    return opened;
  }

  call<K extends Request["op"]>(op: K, args: Args<K>, transfer: Transferable[] = []): Promise<Answers[K]> {
    if (this.terminated) return Promise.reject(new Error("the inspector's worker was stopped"));
    const id = this.next++;
    return new Promise<Answers[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, op, ...args }, transfer);
    });
  }

  terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    this.worker.terminate();
    for (const w of this.stageWorkers) w.terminate();
    this.failAll(new DOMException("the inspector's work was cancelled", "AbortError"));
  }

  private failAll(e: unknown): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private receive(msg: FromWorker): void {
    if (msg.kind === "progress") return this.onProgress?.(msg.done, msg.total);
    if (msg.kind === "layer") return this.onLayer?.(msg.record);
    if (msg.kind === "staged") return this.onStaged?.(msg.index);
    if (msg.kind === "read") return void this.read(this.worker, msg);
    const p = this.pending.get(msg.id);
    this.pending.delete(msg.id);
    if (msg.ok) p?.resolve(msg.value);
    else p?.reject(errorOf(msg.error));
  }

  private async read(to: Worker, { id, blob, offset, length, into }: BlobRead): Promise<void> {
    let reply: ToWorker;
    try {
      const part = this.blobs[blob].slice(offset, offset + length);
      if (into) {
        const filled = await fillFrom(part, into);
        reply = { kind: "bytes", id, bytes: filled.buffer, length: filled.length };
      } else reply = { kind: "bytes", id, bytes: await part.arrayBuffer() };
      if (!this.terminated) to.postMessage(reply, [reply.bytes]);
    } catch (e) {
      reply = { kind: "bytes", id, error: errorInfo(e) };
      if (!this.terminated) to.postMessage(reply);
    }
  }
}
