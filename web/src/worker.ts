// The inspector's worker: its own instance of the core, the image sources, and every merged
// view of the image on screen. It opens what the page picked (reading the user's files
// through the page, see protocol.ts), resolves the documents, mounts the layers (hashing,
// decompressing and merging all happen here, off the page's thread), and answers the views'
// questions: the tree as of a layer, a directory's entries, a file's first bytes or all of it.
// One worker serves one picked input; the page starts another for the next pick, and
// terminates this one to cancel.

import {
  NotFoundError,
  analyzeWaste,
  documentCache,
  init,
  isImageConfig,
  isIndex,
  LayerFS,
  readDocument,
  type Descriptor,
  type ImageSource,
  type MergedImage,
} from "../../src/browser.js";
import { treeRows } from "./dive-rows.js";
import { head } from "./head.js";
import { mountLayers, resolveSource, type Inspection, type Resolution } from "./inspect.js";
import { choicesOf, defaultChoice, openPicked, reopen, type Picked } from "./open.js";
import {
  errorInfo,
  errorOf,
  type Answers,
  type Documents,
  type Entry,
  type FromWorker,
  type Mounted,
  type PickedRef,
  type RawDocument,
  type Request,
  type ToWorker,
} from "./protocol.js";

const post = (message: FromWorker, transfer: Transferable[] = []) => postMessage(message, { transfer });

// ---- the page's files, read through the page ----

let nextRead = 1;
const reads = new Map<number, { resolve: (b: ArrayBuffer) => void; reject: (e: unknown) => void }>();

function askPage(blob: number, offset: number, length: number): Promise<ArrayBuffer> {
  const id = nextRead++;
  return new Promise((resolve, reject) => {
    reads.set(id, { resolve, reject });
    post({ kind: "read", id, blob, offset, length });
  });
}

/** Reads at least this long are taken for a stream's (a layer's 1 MiB pieces), not a header's. */
const READ_AHEAD_FROM = 256 * 1024;
/** Pieces asked for ahead, by blob and offset (one per stream; a few streams at once). */
const ahead = new Map<string, { length: number; bytes: Promise<ArrayBuffer> }>();
const AHEAD_STREAMS = 4;

/**
 * Bytes [offset, offset + length) of the page's blob. A long read asks for the piece after it
 * at once, so the page reads it while this one is hashed and inflated here: without that the
 * worker would wait out a round trip to the page for every piece of every layer.
 */
function readFromPage(blob: number, offset: number, length: number, size: number): Promise<ArrayBuffer> {
  const key = `${blob}@${offset}`;
  const early = ahead.get(key);
  ahead.delete(key);
  const bytes = early && early.length === length ? early.bytes : askPage(blob, offset, length);
  const next = offset + length;
  if (length >= READ_AHEAD_FROM && next < size) {
    const piece = { length: Math.min(length, size - next), bytes: askPage(blob, next, Math.min(length, size - next)) };
    piece.bytes.catch(() => {}); // a piece nobody comes for must not be an unhandled rejection
    ahead.set(`${blob}@${next}`, piece);
    if (ahead.size > AHEAD_STREAMS) ahead.delete(ahead.keys().next().value!);
  }
  return bytes;
}

/** A stand-in for one of the page's Blobs: what the sources call on a Blob (size, slice, arrayBuffer). */
function pageBlob(blob: number, size: number, name: string, start = 0, end = size): Blob {
  const part = {
    name,
    size: end - start,
    slice(from = 0, to = end - start) {
      const a = Math.min(end, start + Math.max(0, from));
      const b = Math.min(end, start + Math.max(0, to));
      return pageBlob(blob, size, name, a, Math.max(a, b));
    },
    arrayBuffer: () => readFromPage(blob, start, end - start, size),
  };
  return part as unknown as Blob;
}

function pickedOf(ref: PickedRef): Picked {
  if (ref.kind === "registry") return ref;
  if (ref.kind === "archive") return { kind: "archive", name: ref.name, file: pageBlob(ref.blob, ref.size, ref.name) as File };
  return { kind: "folder", name: ref.name, files: ref.files.map((f) => ({ path: f.path, file: pageBlob(f.blob, f.size, f.path) })) };
}

// ---- the image ----

let picked: Picked | undefined;
let source: ImageSource | undefined;
let resolution: Resolution | undefined;
let shown: Inspection | undefined;
/** The view as of a lower layer that dive mode asked for last (one at a time). */
let lower: { index: number; image: MergedImage } | undefined;
let mounts = 0;

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the worker has no ${what} yet`);
  return value;
}

const pretty = (bytes: Uint8Array) => JSON.stringify(JSON.parse(new TextDecoder().decode(bytes)), null, 2);

function rawDocuments(r: Resolution): RawDocument[] {
  const { resolved } = r;
  const raw: RawDocument[] = resolved.indexes.map((step) => ({
    kind: "index",
    digest: step.descriptor.digest,
    mediaType: step.descriptor.mediaType,
    json: JSON.stringify(step.index, null, 2),
  }));
  const m = resolved.manifestDescriptor;
  raw.push({ kind: "manifest", digest: m.digest, mediaType: m.mediaType, json: pretty(resolved.manifestBytes) });
  const c = resolved.manifest.config;
  if (resolved.configBytes.length)
    raw.push({ kind: "config", digest: c.digest, mediaType: c.mediaType, json: pretty(resolved.configBytes) });
  return raw;
}

/** The descriptor of `digest` among what the image's documents name (indexes, manifest, config). */
function describedBy(r: Resolution, digest: string): Descriptor | undefined {
  const { resolved } = r;
  const all: Descriptor[] = [resolved.root, resolved.manifestDescriptor, resolved.manifest.config];
  for (const step of resolved.indexes) all.push(step.descriptor, ...step.index.manifests);
  return all.find((d) => d.digest === digest);
}

/** A JSON document the image's documents name (another platform's manifest, too), verified. */
async function documentOf(digest: string): Promise<RawDocument | { layer: number }> {
  const r = need(resolution, "documents");
  const layer = r.resolved.layers.findIndex((l) => l.digest === digest);
  if (layer >= 0) return { layer };
  const known = rawDocuments(r).find((d) => d.digest === digest);
  if (known) return known;
  const desc = describedBy(r, digest);
  if (!desc) throw new NotFoundError(`${digest}: not named by the documents of ${r.resolved.name}`, digest);
  const kind = isIndex(desc.mediaType) ? "index" : isImageConfig(desc.mediaType) ? "config" : "document";
  const bytes = await readDocument(need(source, "image"), desc, kind, documentCache());
  return { kind, digest, mediaType: desc.mediaType, json: pretty(bytes) };
}

function documents(r: Resolution): Documents {
  return {
    raw: rawDocuments(r),
    report: r.report,
    platforms: r.platforms,
    platform: r.platform,
    layers: r.resolved.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size })),
    documentStats: r.documentStats,
  };
}

function mounted(x: Inspection): Mounted {
  return {
    records: x.records.map(({ layer: _layer, spans: _spans, handle: _handle, ...rest }) => rest),
    failure: x.failure && { index: x.failure.index, error: errorInfo(x.failure.error) },
    waste: x.waste,
    layerStats: x.layerStats,
  };
}

async function viewAsOf(index: number): Promise<MergedImage> {
  const x = need(shown, "mounted image");
  if (index === x.image.layers.length - 1) return x.image;
  if (lower?.index === index) return lower.image;
  lower?.image.fs.free();
  lower = undefined;
  const fs = new LayerFS();
  const image = fs.image(`${x.image.name} as of layer ${index}`);
  try {
    await image.mountBatch(x.resolved.layers, { upTo: index });
  } catch (e) {
    fs.free();
    throw e;
  }
  lower = { index, image };
  return image;
}

const joinPath = (dir: string, name: string) => (dir ? `${dir}/${name}` : name);

function entries(image: MergedImage, dir: string): Entry[] {
  return image.readdir(dir).map((name) => {
    const stat = image.lstat(joinPath(dir, name));
    if (stat.type !== "symlink") return { stat };
    try {
      return { stat, target: image.stat(stat.path) };
    } catch (e) {
      if (e instanceof NotFoundError) return { stat, target: null };
      throw e;
    }
  });
}

async function answer(req: Request): Promise<{ value: Answers[Request["op"]]; transfer?: Transferable[] }> {
  await init();
  switch (req.op) {
    case "open": {
      picked = pickedOf(req.picked);
      let opened = await openPicked(picked);
      const choices = choicesOf(opened);
      const first = defaultChoice(choices);
      if (first !== undefined) opened = await reopen(picked, opened, first);
      source = opened;
      return { value: { choices, first } };
    }
    case "choose":
      source = await reopen(need(picked, "input"), need(source, "image"), req.selector);
      return { value: null };
    case "resolve":
      resolution = await resolveSource(need(source, "image"), req.platform);
      return { value: documents(resolution) };
    case "mount": {
      const mine = ++mounts;
      const x = await mountLayers(need(resolution, "documents"), need(source, "image").name, (done, total) =>
        post({ kind: "progress", done, total }),
      );
      // A mount started later (another platform) is the one on screen: this one goes.
      if (mine !== mounts) {
        x.image.fs.free();
        throw new Error("superseded by a later mount");
      }
      lower?.image.fs.free();
      lower = undefined;
      shown?.image.fs.free();
      shown = x;
      return { value: mounted(x) };
    }
    case "tree": {
      const x = need(shown, "mounted image");
      const view = await viewAsOf(req.index);
      const rows = treeRows(view.walk(), x.records[req.index]);
      const wasted = analyzeWaste(view, Number.MAX_SAFE_INTEGER)
        .topWasted.filter((w) => w.wastedBytes > 0)
        .map((w) => w.path);
      return { value: { rows, wasted } };
    }
    case "list":
      return { value: entries(need(shown, "mounted image").image, req.dir) };
    case "head": {
      const bytes = await head(need(shown, "mounted image").image.readFile(req.path), req.limit);
      return { value: bytes, transfer: [bytes.buffer] };
    }
    case "document":
      return { value: await documentOf(req.digest) };
    case "file":
      // Into a Blob (Chromium keeps big ones in its blob store, spilled to disk), posted by reference.
      return { value: await new Response(need(shown, "mounted image").image.readFile(req.path)).blob() };
  }
}

addEventListener("message", (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  if ("kind" in msg) {
    const read = reads.get(msg.id);
    reads.delete(msg.id);
    if ("error" in msg) read?.reject(errorOf(msg.error));
    else read?.resolve(msg.bytes);
    return;
  }
  answer(msg).then(
    ({ value, transfer }) => post({ kind: "reply", id: msg.id, ok: true, value }, transfer),
    (e: unknown) => post({ kind: "reply", id: msg.id, ok: false, error: errorInfo(e) }),
  );
});
