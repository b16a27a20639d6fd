// One of the inspector's stage workers: its own instance of the core, its own source over the
// picked input (its files read through the page, page-blob.ts, in large windows,
// windowed-blob.ts), and one layer at a time read, inflated while it is read, verified and
// parsed (stage-whole.ts) for the inspector's worker, which applies the staged layers in layer
// order (stage-pool.ts). Several of these run side by side (worker-client.ts says how many), so
// big layers are read in parallel while the merged view stays exactly what reading them one
// after another gives.

import { init, LayerFS, layerOf, type ImageSource } from "../../src/browser.js";
import { openPicked, type Picked } from "./open.js";
import { PageFiles } from "./page-blob.js";
import { errorInfo, type BlobBytes } from "./protocol.js";
import type { StageIdle, StageJob, StageReply, StageSetup } from "./stage-protocol.js";
import { dropBuffers, keepBuffers } from "./layer-buffers.js";
import { stageWhole } from "./stage-whole.js";
import { windowedBlob } from "./windowed-blob.js";

let picked: Picked | undefined;
const sources = new Map<string, Promise<ImageSource>>();

/** The picked files read in large windows (windowed-blob.ts). */
function windowed(p: Picked): Picked {
  const wrap = (path: string, f: Blob) => windowedBlob(f, path || (f as File).name);
  if (p.kind === "archive") return { ...p, file: wrap("", p.file) as unknown as File };
  if (p.kind === "folder") return { ...p, files: p.files.map((f) => ({ path: f.path, file: wrap(f.path, f.file) })) };
  return p;
}

function sourceFor(selector: string | undefined): Promise<ImageSource> {
  const key = selector ?? "";
  let s = sources.get(key);
  if (!s) {
    if (!picked) throw new Error("the stage worker was given no input");
    s = openPicked(picked, selector);
    s.catch(() => sources.delete(key));
    sources.set(key, s);
  }
  return s;
}

async function stage(job: StageJob, port: MessagePort): Promise<StageReply> {
  await init();
  const source = await sourceFor(job.selector);
  const layer = layerOf(job.descriptor, job.diffId, (d, r) => source.openBlob(d, r));
  let pending = 0;
  const onBytes = (n: number) => {
    // Said about every 4 MiB: the bar moves smoothly without a message per piece.
    pending += n;
    if (pending >= 4 << 20) {
      port.postMessage({ kind: "bytes", id: job.id, bytes: pending } satisfies StageReply);
      pending = 0;
    }
  };
  const fs = new LayerFS();
  let result;
  try {
    result = await stageWhole(fs, layer, job.what, onBytes);
  } finally {
    fs.free();
  }
  const { staged, phases } = result;
  keepBuffers(...(result.buffers ?? []));
  if (pending) port.postMessage({ kind: "bytes", id: job.id, bytes: pending } satisfies StageReply);
  return { kind: "done", id: job.id, ok: true, staged, phases };
}

// Reads of the picked files go to the page (page-blob.ts), as the inspector's worker's do.
const pageFiles = new PageFiles((msg, transfer) => postMessage(msg, { transfer }), false);

addEventListener("message", (event: MessageEvent<StageSetup | BlobBytes>) => {
  if ("kind" in event.data) return pageFiles.receive(event.data);
  picked = windowed(pageFiles.pickedOf(event.data.picked));
  // The core is compiled while the page still resolves the image, not when the first layer comes.
  init().catch(() => {}); // a core that fails to load fails each job's own init() below
  const port = event.data.port;
  port.onmessage = (e: MessageEvent<StageJob | StageIdle>) => {
    if ("idle" in e.data) return dropBuffers();
    const job = e.data;
    const reply = (r: StageReply) => {
      port.postMessage({ kind: "free", id: job.id } satisfies StageReply);
      port.postMessage(r);
    };
    stage(job, port).then(reply, (err: unknown) => reply({ kind: "done", id: job.id, ok: false, error: errorInfo(err) }));
  };
});
