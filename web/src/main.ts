// The inspector page: pick or drop an image, choose the image/platform when there are several,
// then show its manifest, config, history, layers, wasted space and merged files. Everything
// runs in this tab on the user's files; errors are shown with their stable code.

import { init, LayerlensError, type ImageSource } from "../../src/browser.js";
import { el } from "./dom.js";
import { inspectSource } from "./inspect.js";
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

/** The input being shown and its source; a newer pick cancels the rendering of an older one. */
let current: { picked: Picked; source: ImageSource } | undefined;
let generation = 0;

function showError(e: unknown): void {
  const code = e instanceof LayerlensError ? e.code : (e as { code?: unknown })?.code;
  const message = e instanceof Error ? e.message : String(e);
  ui.error.replaceChildren(
    el("strong", { "data-testid": "error-code" }, typeof code === "string" ? code : "ERROR"),
    " ",
    el("span", { "data-testid": "error-message" }, message));
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
  select.replaceChildren(...options.map((o) => {
    const opt = el("option", { value: o.value }, o.label);
    opt.selected = o.value === selected;
    return opt;
  }));
}

/** Resolve, mount and render `source` (for `platform` when it is an index). */
async function show(source: ImageSource, platform?: string): Promise<void> {
  const mine = ++generation;
  ui.error.hidden = true;
  ui.report.hidden = true;
  document.body.dataset.state = "loading";
  try {
    const x = await inspectSource(source, platform, (done, total) => { if (mine === generation) setProgress(done, total); });
    if (mine !== generation) return;
    ui.platformPicker.hidden = x.platforms.length === 0;
    fillSelect(ui.platformSelect, x.platforms.map((p) => ({ label: p.label, value: p.label })), x.platform);
    ui.pickers.hidden = ui.tagPicker.hidden && ui.platformPicker.hidden;
    renderSummary($("summary"), x.resolved);
    renderLayers($("layers"), x);
    renderWaste($("waste"), x);
    renderFiles($("files"), x.image, showError);
    ui.report.hidden = false;
    document.body.dataset.state = "ready";
  } catch (e) {
    if (mine === generation) showError(e);
  }
}

async function openInput(picked: Picked): Promise<void> {
  ui.error.hidden = true;
  ui.report.hidden = true;
  ui.progress.hidden = true;
  ui.pickers.hidden = true;
  ui.tagPicker.hidden = true;
  ui.platformPicker.hidden = true;
  document.body.dataset.state = "loading";
  try {
    await init();
    let source = await openPicked(picked);
    const choices = choicesOf(source);
    const first = defaultChoice(choices);
    if (first !== undefined) {
      source = await reopen(picked, source, first);
      fillSelect(ui.tagSelect, choices.map((c) => ({ label: c.label, value: c.selector })), first);
      ui.tagPicker.hidden = false;
      ui.pickers.hidden = false;
    }
    current = { picked, source };
    await show(source);
  } catch (e) {
    showError(e);
  }
}

ui.folder.addEventListener("change", () => {
  if (ui.folder.files?.length) void openInput(pickedFolder(ui.folder.files));
  ui.folder.value = "";
});
ui.archive.addEventListener("change", () => {
  const file = ui.archive.files?.[0];
  if (file) void openInput({ kind: "archive", name: file.name, file });
  ui.archive.value = "";
});
ui.tagSelect.addEventListener("change", async () => {
  if (!current) return;
  try {
    current.source = await reopen(current.picked, current.source, ui.tagSelect.value);
    await show(current.source);
  } catch (e) {
    showError(e);
  }
});
ui.platformSelect.addEventListener("change", () => {
  if (current) void show(current.source, ui.platformSelect.value);
});

// Drag and drop anywhere on the page; the drop zone only highlights.
document.addEventListener("dragover", (e) => { e.preventDefault(); ui.drop.classList.add("over"); });
document.addEventListener("dragleave", () => ui.drop.classList.remove("over"));
document.addEventListener("drop", async (e) => {
  e.preventDefault();
  ui.drop.classList.remove("over");
  if (!e.dataTransfer) return;
  try {
    const picked = await pickedDrop(e.dataTransfer);
    if (picked) await openInput(picked);
  } catch (err) {
    showError(err);
  }
});
document.body.dataset.state = "idle";
