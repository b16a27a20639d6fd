// The inspector's worker: its own instance of the core, the image sources, and every merged
// view of the image on screen. It opens what the page picked (reading the user's files
// through the page, see protocol.ts), resolves the documents, mounts the layers (hashing,
// decompressing and merging all happen here, off the page's thread), and answers the views'
// questions: the tree as of a layer, a directory's entries, a file's first bytes or all of it.
// One worker serves one picked input; the page starts another for the next pick, and
// terminates this one to cancel.

import {
  NotFoundError,
  documentCache,
  init,
  isImageConfig,
  isIndex,
  LayerFS,
  readDocument,
  resolveReferrers,
  toReferrerReport,
  type Descriptor,
  type ImageSource,
  type MergedImage,
} from "../../src/browser.js";
import { treeRows } from "./dive-rows.js";
import { encodeRows } from "./row-wire.js";
import { head } from "./head.js";
import { mountInOrder, mountLayers, resolveSource, wasteOf, type Inspection, type Resolution } from "./inspect.js";
import { withPoolPhases } from "./pool-stats.js";
import { StagedLayers, StagePool } from "./stage-pool.js";
import { choicesOf, defaultChoice, openPicked, reopen, type Picked } from "./open.js";
import { PageFiles } from "./page-blob.js";
import {
  errorInfo,
  type Answers,
  type Documents,
  type Entry,
  type FromWorker,
  type Mounted,
  type PickedRef,
  type RecordInfo,
  type RawDocument,
  type Request,
  type ToWorker,
} from "./protocol.js";

const post = (message: FromWorker, transfer: Transferable[] = []) => postMessage(message, { transfer });

// ---- the page's files, read through the page (page-blob.ts) ----

const files = new PageFiles(post);
const pickedOf = (ref: PickedRef): Picked => files.pickedOf(ref);

// ---- the image ----

let picked: Picked | undefined;
let source: ImageSource | undefined;
let resolution: Resolution | undefined;
let shown: Inspection | undefined;
/** The view as of a lower layer that dive mode asked for last (one at a time). */
let lower: { index: number; image: MergedImage } | undefined;
let mounts = 0;
/** Aborted when another image or platform is asked for: the layers still queued for the old one are not staged. */
let mountStop = new AbortController();
/** A new view was asked for: the mount of the old one stops staging layers. */
function supersede(): AbortSignal {
  mountStop.abort(new DOMException("superseded by a later mount", "AbortError"));
  mountStop = new AbortController();
  return mountStop.signal;
}
/** The referrers found for the image on screen (their manifests open in the documents view). */
let referrerDescriptors: Descriptor[] = [];
/** The stage workers the page started for this input (none: every layer is read here). */
let pool: StagePool | undefined;
/** The image of the input on screen, as the stage workers are to open it. */
let selector: string | undefined;
/** The staged layers of the image on screen (dive mode's lower views apply them again). */
let staged: StagedLayers | undefined;

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
  const all: Descriptor[] = [resolved.root, resolved.manifestDescriptor, resolved.manifest.config, ...referrerDescriptors];
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

const recordInfo = ({
  layer: _layer,
  spans: _spans,
  handle: _handle,
  checkpoints: _checkpoints,
  versions: _versions,
  diveLeaves: _diveLeaves,
  ...rest
}: Inspection["records"][number]): RecordInfo => rest;

function mounted(x: Inspection, posted: boolean): Mounted {
  return {
    records: posted ? undefined : x.records.map(recordInfo),
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
  const fs = new LayerFS({ stager: staged?.stager });
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

/** Every layer read here, one worker doing it all (no stage workers). */
function mountHere(): Promise<Inspection> {
  staged = undefined;
  return mountLayers(need(resolution, "documents"), need(source, "image").name, (done, total) => post({ kind: "progress", done, total }));
}

/** The layers read by the stage workers, applied here in layer order, each posted as it is in. */
async function mountStaged(pool: StagePool, r: Resolution, name: string, mine: number, signal: AbortSignal): Promise<Inspection> {
  const total = r.resolved.layers.reduce((n, l) => n + l.size, 0);
  let done = 0;
  post({ kind: "progress", done, total });
  const current = () => mine === mounts;
  const layers = new StagedLayers(
    pool,
    r.resolved.layers,
    selector,
    name,
    (n) => post({ kind: "progress", done: (done += n), total }),
    (index) => current() && post({ kind: "staged", index }),
    signal,
  );
  staged = layers;
  const x = await mountInOrder(r, name, layers.stager, (rec) => {
    if (current()) post({ kind: "layer", record: recordInfo(rec) });
  });
  const { mainStats, ...rest } = x;
  return { ...rest, layerStats: mainStats && withPoolPhases(mainStats, layers.phases) };
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
      selector = first;
      return { value: { choices, first } };
    }
    case "choose":
      supersede();
      source = await reopen(need(picked, "input"), need(source, "image"), req.selector);
      selector = req.selector;
      return { value: null };
    case "pool":
      pool = new StagePool(req.ports);
      return { value: null };
    case "resolve":
      supersede();
      resolution = await resolveSource(need(source, "image"), req.platform);
      referrerDescriptors = [];
      return { value: documents(resolution) };
    case "referrers": {
      const r = need(resolution, "documents");
      const nodes = await resolveReferrers(need(source, "image"), r.resolved.manifestDescriptor);
      const flat: Descriptor[] = [];
      const walk = (ns: typeof nodes) => ns.forEach((n) => (flat.push(n.descriptor), walk(n.referrers)));
      walk(nodes);
      if (resolution === r) referrerDescriptors = flat;
      return { value: toReferrerReport(nodes) };
    }
    case "mount": {
      const mine = ++mounts;
      const signal = supersede();
      const x = pool ? await mountStaged(pool, need(resolution, "documents"), need(source, "image").name, mine, signal) : await mountHere();
      // A mount started later (another platform) is the one on screen: this one goes.
      if (mine !== mounts) {
        x.image.fs.free();
        throw new Error("superseded by a later mount");
      }
      lower?.image.fs.free();
      lower = undefined;
      shown?.image.fs.free();
      shown = x;
      // With stage workers the page has every record already (one "layer" message each).
      return { value: mounted(x, !!pool) };
    }
    case "tree": {
      const x = need(shown, "mounted image");
      const view = await viewAsOf(req.index);
      const rows = treeRows(view.walk(), x.records[req.index]);
      // The top layer's view is the mounted image, whose waste the mount analysed already.
      const wasted = view === x.image ? x.wastedPaths : wasteOf(view).wastedPaths;
      const { columns, transfer } = encodeRows(rows);
      return { value: { rows: columns, wasted }, transfer };
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
  if ("kind" in msg) return files.receive(msg);
  answer(msg).then(
    ({ value, transfer }) => post({ kind: "reply", id: msg.id, ok: true, value }, transfer),
    (e: unknown) => post({ kind: "reply", id: msg.id, ok: false, error: errorInfo(e) }),
  );
});
