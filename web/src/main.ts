// The inspector page: pick or drop an image (or open the bundled sample), choose the
// image/platform when there are several, then show its manifest, config and history at once,
// and the layers, wasted space and merged files once the layers are read. Everything runs in
// this tab on the user's files; errors are shown with their stable code. The work runs in a
// worker (worker.ts: the core, the sources, hashing, decompressing, merging, the merged
// views), one per picked input; this thread draws, and reads the picked files for it.
//
// <body data-state> tells tests and users' automation where the page is: "loading" while the
// core or an image is being read, "ready" once the view is complete (the empty start page
// too), "error" when what was asked for failed (the documents stay on screen when only a
// layer failed). The file inputs keep their ids (#folder-input, #archive-input).

import { buildSampleImage, init, LayerlensError } from "../../src/browser.js";
import { el } from "./dom.js";
import { keepIfCurrent, Latest, type Ticket } from "./latest.js";
import { pickedDrop, pickedFolder, type Picked } from "./open.js";
import { errorOf, type RawDocument, type RecordInfo } from "./protocol.js";
import { InspectorWorker } from "./worker-client.js";
import { refFromHash } from "./open-registry.js";
import { decodeRows } from "./row-wire.js";
import { renderDive } from "./view-dive.js";
import { renderDocuments, showDocument } from "./view-documents.js";
import { renderReferrers, renderReferrersFailed } from "./view-referrers.js";
import { renderFiles } from "./view-files.js";
import { renderLayers } from "./view-layers.js";
import { renderMetrics, type NamedStats } from "./view-metrics.js";
import { renderSummary } from "./view-summary.js";
import { renderWaste } from "./view-waste.js";
import { formatBytes } from "./dom.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  folder: $<HTMLInputElement>("folder-input"),
  archive: $<HTMLInputElement>("archive-input"),
  sample: $<HTMLButtonElement>("sample-button"),
  refForm: $<HTMLFormElement>("ref-form"),
  refInput: $<HTMLInputElement>("ref-input"),
  cancel: $<HTMLButtonElement>("cancel-button"),
  drop: $("open"),
  pickers: $("pickers"),
  tagPicker: $("tag-picker"),
  tagSelect: $<HTMLSelectElement>("tag-select"),
  platformPicker: $("platform-picker"),
  platformSelect: $<HTMLSelectElement>("platform-select"),
  progress: $("progress"),
  progressFill: $("progress-fill"),
  progressText: $("progress-text"),
  error: $("error"),
  report: $("report"),
};

/** The input being shown and the image chosen in it (undefined: the first, or the only one). */
let current: { picked: Picked; selector?: string } | undefined;
/** The worker serving `current`; terminated by Cancel, and replaced for the next pick. */
let worker: InspectorWorker | undefined;
/** Stops dive mode of the image on screen. */
let closeDive: (() => void) | undefined;
/** Every pick, tag or platform choice takes a ticket: only the newest one's results are shown. */
const actions = new Latest();
/** Counts layer reads started, so only the newest one's end hides the Cancel button. */
let mounting = 0;

function showError(e: unknown): void {
  const code = e instanceof LayerlensError ? e.code : (e as { code?: unknown })?.code;
  const message = e instanceof Error ? e.message : String(e);
  ui.error.replaceChildren(
    el("strong", { "data-testid": "error-code" }, typeof code === "string" ? code : "ERROR"),
    " ",
    el("span", { "data-testid": "error-message" }, message),
  );
  ui.error.hidden = false;
  document.body.dataset.state = "error";
}

/**
 * The progress bar is drawn at most this often, and at once when it is full: the layers' bytes
 * come in steadily (a message per few MiB from each stage worker), and drawing each one, with
 * its style, layout, paint and the bar's transition, kept the compositor busy on the cores the
 * layers are read with.
 */
const PROGRESS_EVERY_MS = 250;
const progressDrawing: { last: number; timer?: ReturnType<typeof setTimeout>; next: [number, number] } = { last: 0, next: [0, 0] };

function setProgress(done: number, total: number): void {
  const p = progressDrawing;
  p.next = [done, total];
  if (done >= total) {
    clearTimeout(p.timer);
    p.timer = undefined;
    return drawProgress(done, total);
  }
  p.timer ??= setTimeout(
    () => {
      p.timer = undefined;
      drawProgress(...p.next);
    },
    Math.max(0, p.last + PROGRESS_EVERY_MS - performance.now()),
  );
}

function hideProgress(): void {
  clearTimeout(progressDrawing.timer);
  progressDrawing.timer = undefined;
  ui.progress.hidden = true;
}

function drawProgress(done: number, total: number): void {
  progressDrawing.last = performance.now();
  ui.progress.hidden = false;
  const pct = total ? Math.min(100, (done / total) * 100) : 100;
  ui.progressFill.style.width = `${pct}%`;
  ui.progressText.textContent = `reading layers: ${formatBytes(done)} / ${formatBytes(total)}`;
  ui.progress.dataset.done = String(done);
  ui.progress.dataset.total = String(total);
}

function fillSelect(select: HTMLSelectElement, options: { label: string; value: string }[], selected?: string): void {
  select.replaceChildren(
    ...options.map((o) => {
      const opt = el("option", { value: o.value }, o.label);
      opt.selected = o.value === selected;
      return opt;
    }),
  );
}

/** Resolve and render the image `w` holds (for `platform` when it is an index), unless
 *  `ticket` goes stale: the documents as soon as they are read, the layers once every one is in. */
async function show(ticket: Ticket, w: InspectorWorker, platform?: string): Promise<void> {
  ui.error.hidden = true;
  ui.report.hidden = true;
  document.body.dataset.state = "loading";
  const r = await keepIfCurrent(ticket, w.call("resolve", { platform }));
  if (!r) return;
  ui.platformPicker.hidden = r.platforms.length === 0;
  fillSelect(
    ui.platformSelect,
    r.platforms.map((p) => ({ label: p.label, value: p.label })),
    r.platform,
  );
  ui.pickers.hidden = ui.tagPicker.hidden && ui.platformPicker.hidden;
  renderSummary($("summary"), r.report);
  const openDigest = (digest: string) => w.call("document", { digest });
  renderDocuments($("documents"), r.raw, openDigest, showLayer, showError);
  renderReferrers($("referrers"), undefined, () => {});
  // Asked beside the layers (the worker answers it between two layer steps): a registry's
  // referrers API may be slow, and nothing else waits for it.
  const referrers = keepIfCurrent(ticket, w.call("referrers", {})).then(
    (list) => {
      if (list) renderReferrers($("referrers"), list, (d) => void followReferrer(openDigest, d));
    },
    (e: unknown) => {
      if (ticket.current) renderReferrersFailed($("referrers"), e);
    },
  );
  renderLayers($("layers"), r);
  for (const id of ["dive", "waste", "files"]) $(id).replaceChildren();
  renderMetrics($("metrics"), measured(r));
  closeDive?.();
  closeDive = undefined;
  ui.report.hidden = false;

  w.onProgress = (done, total) => {
    if (ticket.current) setProgress(done, total);
  };
  // Each layer's row fills in as the layer is in the view (bottom first).
  const arrived: RecordInfo[] = [];
  const staged = new Set<number>();
  // Set once the mount answered: stage workers still finishing layers above a failed one may
  // report after that, and must not draw over the final table.
  let settledLayers = false;
  w.onStaged = (index) => {
    if (!ticket.current || settledLayers) return;
    staged.add(index);
    renderLayers($("layers"), r, arrived, undefined, false, staged);
  };
  w.onLayer = (record) => {
    if (!ticket.current || settledLayers) return;
    arrived.push(record);
    renderLayers($("layers"), r, arrived, undefined, false, staged);
  };
  const mine = ++mounting;
  ui.cancel.hidden = false;
  const x = await keepIfCurrent(ticket, w.call("mount", {})).finally(() => {
    if (mounting === mine) ui.cancel.hidden = true;
  });
  if (!x) return;
  settledLayers = true;
  const top = await keepIfCurrent(ticket, w.call("list", { dir: "" }));
  if (!top) return;
  const failure = x.failure && { index: x.failure.index, error: errorOf(x.failure.error) };
  const records = x.records ?? arrived;
  renderLayers($("layers"), r, records, failure);
  const dive = renderDive(
    $("dive"),
    { records, report: r.report },
    (index) => w.call("tree", { index }).then((t) => ({ rows: decodeRows(t.rows), wasted: t.wasted })),
    showError,
  );
  closeDive = dive.close;
  renderWaste($("waste"), x);
  renderFiles(
    $("files"),
    {
      list: (dir) => w.call("list", { dir }),
      head: (path, limit) => w.call("head", { path, limit }),
      file: (path) => w.call("file", { path }),
    },
    top,
    showError,
  );
  renderMetrics($("metrics"), measured({ ...r, ...x }));
  await dive.shown;
  await referrers;
  if (!ticket.current) return;
  if (failure) showError(failure.error);
  else document.body.dataset.state = "ready";
}

/** Show a referrer's manifest in the documents view. */
async function followReferrer(open: (digest: string) => Promise<RawDocument | { layer: number }>, digest: string): Promise<void> {
  try {
    const doc = await open(digest);
    if (!("layer" in doc)) showDocument(doc);
  } catch (e) {
    showError(e);
  }
}

/** Bring layer `index`'s row of the layers table into sight, its changes open. */
function showLayer(index: number): void {
  const row = document.querySelector<HTMLElement>(`#layers tr[data-testid=layer][data-index="${index}"]`);
  if (!row) return;
  if (row.getAttribute("aria-expanded") === "false") row.click();
  row.scrollIntoView({ block: "center" });
  row.focus();
}

/** The stats the page took for the image on screen, in the order the work was done. */
function measured(x: { documentStats?: NamedStats["stats"]; layerStats?: NamedStats["stats"] }): NamedStats[] {
  const out: NamedStats[] = [];
  if (x.documentStats) out.push({ name: "documents", stats: x.documentStats });
  if (x.layerStats) out.push({ name: "layers", stats: x.layerStats });
  return out;
}

/** Run one user action under a fresh ticket; its error is shown only while it is the newest. */
function act(work: (ticket: Ticket) => Promise<void>): void {
  const ticket = actions.begin();
  // Said at once, in the event itself, so nobody waiting for "ready" sees the previous view's.
  document.body.dataset.state = "loading";
  work(ticket).catch((e) => {
    if (ticket.current) showError(e);
  });
}

/** A worker holding `current` open: the one serving it, or (after Cancel) a new one. */
async function workerFor(ticket: Ticket, was: NonNullable<typeof current>): Promise<InspectorWorker | undefined> {
  if (worker && !worker.terminated) return worker;
  const w = (worker = new InspectorWorker());
  const opened = await keepIfCurrent(ticket, w.open(was.picked));
  if (!opened) return undefined;
  if (was.selector !== undefined && was.selector !== opened.first) {
    if ((await keepIfCurrent(ticket, w.call("choose", { selector: was.selector }))) === undefined) return undefined;
  }
  return w;
}

async function openInput(ticket: Ticket, picked: Picked): Promise<void> {
  ui.error.hidden = true;
  ui.report.hidden = true;
  hideProgress();
  ui.pickers.hidden = true;
  ui.tagPicker.hidden = true;
  ui.platformPicker.hidden = true;
  document.body.dataset.state = "loading";
  // One worker per picked input: the previous one (and whatever it was still reading) goes.
  worker?.terminate();
  const w = (worker = new InspectorWorker());
  const opened = await keepIfCurrent(ticket, w.open(picked));
  if (!opened) return;
  if (opened.first !== undefined) {
    fillSelect(
      ui.tagSelect,
      opened.choices.map((c) => ({ label: c.label, value: c.selector })),
      opened.first,
    );
    ui.tagPicker.hidden = false;
    ui.pickers.hidden = false;
  }
  current = { picked, selector: opened.first };
  await show(ticket, w);
}

ui.folder.addEventListener("change", () => {
  if (ui.folder.files?.length) {
    const picked = pickedFolder(ui.folder.files);
    act((t) => openInput(t, picked));
  }
  ui.folder.value = "";
});
ui.archive.addEventListener("change", () => {
  const file = ui.archive.files?.[0];
  if (file) act((t) => openInput(t, { kind: "archive", name: file.name, file }));
  ui.archive.value = "";
});
ui.cancel.addEventListener("click", () => {
  // A new ticket makes the read stale (its view is released when it stops); the abort stops it.
  const ticket = actions.begin();
  worker?.terminate();
  ui.cancel.hidden = true;
  $("layers").replaceChildren(
    el("h2", {}, "Layers"),
    el(
      "p",
      { class: "muted", "data-testid": "cancelled" },
      "Reading the layers was cancelled; the documents above were read and verified.",
    ),
  );
  if (ticket.current) document.body.dataset.state = "ready";
});
ui.sample.addEventListener("click", () => {
  // The sample layout is built here, by the library's own tar and gzip writers: no download.
  const sample = buildSampleImage();
  const files = [...sample.files].map(([path, bytes]) => ({ path, file: new Blob([bytes as Uint8Array<ArrayBuffer>]) }));
  act((t) => openInput(t, { kind: "folder", name: "sample", files }));
});
/** A registry image, read through the service this page was served from; #ref= makes it a link. */
function openRef(ref: string): void {
  ui.refInput.value = ref;
  act((t) => openInput(t, { kind: "registry", name: ref, ref }));
}
ui.refForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const ref = ui.refInput.value.trim();
  if (!ref) return;
  // Setting the fragment opens it (hashchange), and the address bar is then a link to this view.
  const hash = `#${new URLSearchParams({ ref })}`;
  if (location.hash === hash) openRef(ref);
  else location.hash = hash;
});
window.addEventListener("hashchange", () => {
  const ref = refFromHash(location.hash);
  if (ref) openRef(ref);
});

ui.tagSelect.addEventListener("change", () => {
  const was = current;
  if (!was) return;
  const selector = ui.tagSelect.value;
  act(async (t) => {
    const w = await workerFor(t, was);
    if (!w || (await keepIfCurrent(t, w.call("choose", { selector }))) === undefined) return;
    was.selector = selector;
    await show(t, w);
  });
});
ui.platformSelect.addEventListener("change", () => {
  const was = current;
  const platform = ui.platformSelect.value;
  if (was)
    act(async (t) => {
      const w = await workerFor(t, was);
      if (w) await show(t, w, platform);
    });
});

// Drag and drop anywhere on the page; the drop zone only highlights.
document.addEventListener("dragover", (e) => {
  e.preventDefault();
  ui.drop.classList.add("over");
});
document.addEventListener("dragleave", () => ui.drop.classList.remove("over"));
document.addEventListener("drop", (e) => {
  e.preventDefault();
  ui.drop.classList.remove("over");
  if (!e.dataTransfer) return;
  const data = e.dataTransfer;
  act(async (t) => {
    const picked = await keepIfCurrent(t, pickedDrop(data));
    if (picked) await openInput(t, picked);
  });
});
// The start page is complete once the core is loaded (a pick made before that waits for it too);
// an address with #ref= opens that registry image instead.
const linked = refFromHash(location.hash);
if (linked) openRef(linked);
else
  act(async (t) => {
    await init();
    if (t.current) document.body.dataset.state = "ready";
  });
