// The inspector page: pick or drop an image, choose the image/platform when there are several,
// then show its manifest, config, history, layers, wasted space and merged files. Everything
// runs in this tab on the user's files; errors are shown with their stable code.

import { init, LayerlensError, type ImageSource, type MergedImage } from "../../src/browser.js";
import { el } from "./dom.js";
import { inspectSource } from "./inspect.js";
import { keepIfCurrent, Latest, type Ticket } from "./latest.js";
import { choicesOf, defaultChoice, openPicked, pickedDrop, pickedFolder, reopen, type Picked } from "./open.js";
import { renderFiles } from "./view-files.js";
import { renderLayers } from "./view-layers.js";
import { renderSummary } from "./view-summary.js";
import { renderWaste } from "./view-waste.js";
import { formatBytes } from "./dom.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  folder: $<HTMLInputElement>("folder-input"),
  archive: $<HTMLInputElement>("archive-input"),
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
/** Every pick, tag or platform choice takes a ticket: only the newest one's results are shown. */
const actions = new Latest();

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

/** Resolve, mount and render `source` (for `platform` when it is an index), unless `ticket` goes stale. */
async function show(ticket: Ticket, source: ImageSource, platform?: string): Promise<void> {
  ui.error.hidden = true;
  ui.report.hidden = true;
  document.body.dataset.state = "loading";
  const progress = (done: number, total: number) => {
    if (ticket.current) setProgress(done, total);
  };
  const x = await keepIfCurrent(ticket, inspectSource(source, platform, progress), (stale) => stale.image.fs.free());
  if (!x) return;
  ui.platformPicker.hidden = x.platforms.length === 0;
  fillSelect(
    ui.platformSelect,
    x.platforms.map((p) => ({ label: p.label, value: p.label })),
    x.platform,
  );
  ui.pickers.hidden = ui.tagPicker.hidden && ui.platformPicker.hidden;
  renderSummary($("summary"), x.report);
  renderLayers($("layers"), x);
  renderWaste($("waste"), x);
  renderFiles($("files"), x.image, showError);
  shown?.fs.free();
  shown = x.image;
  ui.report.hidden = false;
  document.body.dataset.state = "ready";
}

/** Run one user action under a fresh ticket; its error is shown only while it is the newest. */
function act(work: (ticket: Ticket) => Promise<void>): void {
  const ticket = actions.begin();
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
document.body.dataset.state = "idle";
