// The inspector page: pick or drop an image (or open the bundled sample), choose the
// image/platform when there are several, then show its manifest, config and history at once,
// and the layers, wasted space and merged files once the layers are read. Everything runs in
// this tab on the user's files; errors are shown with their stable code.
//
// <body data-state> tells tests and users' automation where the page is: "loading" while the
// core or an image is being read, "ready" once the view is complete (the empty start page
// too), "error" when what was asked for failed (the documents stay on screen when only a
// layer failed). The file inputs keep their ids (#folder-input, #archive-input).

import { buildSampleImage, init, LayerlensError, type ImageSource, type MergedImage } from "../../src/browser.js";
import { el } from "./dom.js";
import { mountLayers, resolveSource } from "./inspect.js";
import { keepIfCurrent, Latest, type Ticket } from "./latest.js";
import { choicesOf, defaultChoice, openPicked, pickedDrop, pickedFolder, reopen, type Picked } from "./open.js";
import { renderDive } from "./view-dive.js";
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

/** The input being shown and its source. */
let current: { picked: Picked; source: ImageSource } | undefined;
/** The merged view on screen; freed when another one replaces it. */
let shown: MergedImage | undefined;
/** Frees the lower-layer views dive mode mounted for the image on screen. */
let closeDive: (() => void) | undefined;
/** Every pick, tag or platform choice takes a ticket: only the newest one's results are shown. */
const actions = new Latest();
/** Aborts the layer reads of the image being read now (the Cancel button). */
let reading: AbortController | undefined;

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

function setProgress(done: number, total: number): void {
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

/** Resolve and render `source` (for `platform` when it is an index), unless `ticket` goes stale:
 *  the documents as soon as they are read, the layers once every one is in. */
async function show(ticket: Ticket, source: ImageSource, platform?: string): Promise<void> {
  ui.error.hidden = true;
  ui.report.hidden = true;
  document.body.dataset.state = "loading";
  const r = await keepIfCurrent(ticket, resolveSource(source, platform));
  if (!r) return;
  ui.platformPicker.hidden = r.platforms.length === 0;
  fillSelect(
    ui.platformSelect,
    r.platforms.map((p) => ({ label: p.label, value: p.label })),
    r.platform,
  );
  ui.pickers.hidden = ui.tagPicker.hidden && ui.platformPicker.hidden;
  renderSummary($("summary"), r.report);
  renderLayers($("layers"), r);
  for (const id of ["dive", "waste", "files"]) $(id).replaceChildren();
  renderMetrics($("metrics"), measured(r));
  closeDive?.();
  closeDive = undefined;
  shown?.fs.free();
  shown = undefined;
  ui.report.hidden = false;

  const progress = (done: number, total: number) => {
    if (ticket.current) setProgress(done, total);
  };
  reading?.abort();
  const controller = (reading = new AbortController());
  ui.cancel.hidden = false;
  const x = await keepIfCurrent(ticket, mountLayers(r, source.name, progress, controller.signal), (stale) => stale.image.fs.free()).finally(
    () => {
      if (reading === controller) ui.cancel.hidden = true;
    },
  );
  if (!x) return;
  renderLayers($("layers"), x, x.records, x.failure);
  closeDive = renderDive($("dive"), x, showError);
  renderWaste($("waste"), x);
  renderFiles($("files"), x.image, showError);
  renderMetrics($("metrics"), measured(x));
  shown = x.image;
  if (x.failure) showError(x.failure.error);
  else document.body.dataset.state = "ready";
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

async function openInput(ticket: Ticket, picked: Picked): Promise<void> {
  ui.error.hidden = true;
  ui.report.hidden = true;
  ui.progress.hidden = true;
  ui.pickers.hidden = true;
  ui.tagPicker.hidden = true;
  ui.platformPicker.hidden = true;
  document.body.dataset.state = "loading";
  await init();
  const opened = await keepIfCurrent(ticket, openPicked(picked), (stale) => stale.close?.());
  if (!opened) return;
  let source = opened;
  const choices = choicesOf(source);
  const first = defaultChoice(choices);
  if (first !== undefined) {
    const chosen = await keepIfCurrent(ticket, reopen(picked, source, first), (stale) => stale.close?.());
    if (!chosen) return;
    source = chosen;
    fillSelect(
      ui.tagSelect,
      choices.map((c) => ({ label: c.label, value: c.selector })),
      first,
    );
    ui.tagPicker.hidden = false;
    ui.pickers.hidden = false;
  }
  current = { picked, source };
  await show(ticket, source);
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
  reading?.abort();
  reading = undefined;
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
ui.tagSelect.addEventListener("change", () => {
  const was = current;
  if (!was) return;
  const selector = ui.tagSelect.value;
  act(async (t) => {
    const source = await keepIfCurrent(t, reopen(was.picked, was.source, selector));
    if (!source) return;
    was.source = source;
    await show(t, source);
  });
});
ui.platformSelect.addEventListener("change", () => {
  const was = current;
  if (was) act((t) => show(t, was.source, ui.platformSelect.value));
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
// The start page is complete once the core is loaded (a pick made before that waits for it too).
act(async (t) => {
  await init();
  if (t.current) document.body.dataset.state = "ready";
});
