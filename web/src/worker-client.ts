// The page's side of the inspector's worker (protocol.ts): starts it, sends requests and
// resolves them with the replies, answers the worker's reads of the picked files from the
// page's own Blobs, and passes progress on. terminate() is Cancel: the worker and all its
// work stop at once, and every request still waiting rejects.

import type { Picked } from "./open.js";
import { errorInfo, errorOf, type Answers, type FromWorker, type PickedRef, type Request, type ToWorker } from "./protocol.js";

type Args<K extends Request["op"]> = Omit<Extract<Request, { op: K }>, "id" | "op">;

export class InspectorWorker {
  private readonly worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private readonly blobs: Blob[] = [];
  private next = 1;
  terminated = false;
  onProgress?: (done: number, total: number) => void;

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

  call<K extends Request["op"]>(op: K, args: Args<K>): Promise<Answers[K]> {
    if (this.terminated) return Promise.reject(new Error("the inspector's worker was stopped"));
    const id = this.next++;
    return new Promise<Answers[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, op, ...args });
    });
  }

  terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    this.worker.terminate();
    this.failAll(new DOMException("the inspector's work was cancelled", "AbortError"));
  }

  private failAll(e: unknown): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private receive(msg: FromWorker): void {
    if (msg.kind === "progress") return this.onProgress?.(msg.done, msg.total);
    if (msg.kind === "read") return void this.read(msg.id, msg.blob, msg.offset, msg.length);
    const p = this.pending.get(msg.id);
    this.pending.delete(msg.id);
    if (msg.ok) p?.resolve(msg.value);
    else p?.reject(errorOf(msg.error));
  }

  private async read(id: number, blob: number, offset: number, length: number): Promise<void> {
    let reply: ToWorker;
    try {
      const bytes = await this.blobs[blob].slice(offset, offset + length).arrayBuffer();
      reply = { kind: "bytes", id, bytes };
      if (!this.terminated) this.worker.postMessage(reply, [bytes]);
    } catch (e) {
      reply = { kind: "bytes", id, error: errorInfo(e) };
      if (!this.terminated) this.worker.postMessage(reply);
    }
  }
}
