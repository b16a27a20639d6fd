// The layers, bottom first: descriptor (digest, media type, compressed size), what reading it
// found (compression, uncompressed size, diff_id) and what it did to the view below it
// (added / modified / deleted counts and bytes, from the LayerFS changeset). Drawn first from
// the manifest alone (each row "reading…", data-state "pending"), then again as each layer is
// read and verified ("staged") and as it goes into the view ("read", bottom first); a layer that
// failed shows its error code and message, and the ones above it are marked as not read.
// A click on a read layer (or Enter on it) opens the list of the paths it changed, built on
// first opening only, so an image of 100k paths costs nothing until asked.

import { LayerlensError } from "../../src/browser.js";
import type { LayerInfo, RecordInfo as LayerRecord } from "./protocol.js";
import { digestCode, el, fill, formatBytes } from "./dom.js";

const HEADINGS = ["#", "digest", "media type", "size", "uncompressed", "added", "modified", "deleted"];

function changeCell(count: number, bytes: number, kind: string): HTMLElement {
  return el(
    "td",
    { class: `num ${count ? kind : "muted"}`, "data-count": String(count), "data-bytes": String(bytes) },
    String(count),
    count && bytes ? el("span", { class: "sub" }, formatBytes(bytes)) : "",
  );
}

const KINDS = ["added", "modified", "deleted", "opaque"] as const;

/** The paths one layer changed, by kind (opaque: directories whose lower contents it hid). */
function changeList(rec: LayerRecord): HTMLTableRowElement {
  const cell = el("td", { colspan: String(HEADINGS.length), "data-testid": "layer-changes" });
  for (const kind of KINDS) {
    const list = rec.changes[kind];
    if (list.length === 0) continue;
    cell.append(
      el("h4", {}, `${kind} (${list.length})`),
      el(
        "ul",
        { class: `plain changes ${kind}` },
        ...list.map((c) =>
          el(
            "li",
            { "data-testid": "change", "data-kind": kind, "data-path": c.path },
            el("code", {}, "/" + c.path),
            c.bytes ? el("span", { class: "size" }, formatBytes(c.bytes)) : "",
          ),
        ),
      ),
    );
  }
  if (!cell.childElementCount) cell.append(el("p", { class: "muted" }, "this layer changed nothing"));
  return el("tr", { class: "changes" }, cell);
}

/** Make a read layer's row open and close its change list. */
function expandable(row: HTMLTableRowElement, rec: LayerRecord): void {
  let details: HTMLTableRowElement | undefined;
  row.tabIndex = 0;
  row.setAttribute("aria-expanded", "false");
  const toggle = () => {
    if (details) details.hidden = !details.hidden;
    else row.after((details = changeList(rec)));
    row.setAttribute("aria-expanded", String(!details.hidden));
  };
  row.addEventListener("click", toggle);
  row.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      toggle();
    }
  });
}

function errorCode(e: unknown): string {
  const code = e instanceof LayerlensError ? e.code : (e as { code?: unknown })?.code;
  return typeof code === "string" ? code : "ERROR";
}

/** The cells after the size for a layer with no record: why there is none. */
/** A layer that could not be read or applied: the view stops below it. */
export interface LayerFailure {
  index: number;
  error: unknown;
}

function missingCells(i: number, records: LayerRecord[] | undefined, failure: LayerFailure | undefined, staged: boolean): HTMLElement {
  const span = String(HEADINGS.length - 4);
  if (staged) return el("td", { colspan: span, class: "muted" }, "read and verified; goes in once the layers below it are in…");
  if (failure && i === failure.index) {
    const message = failure.error instanceof Error ? failure.error.message : String(failure.error);
    return el(
      "td",
      { colspan: span, class: "failed", "data-testid": "layer-error" },
      el("strong", { "data-testid": "layer-error-code" }, errorCode(failure.error)),
      " ",
      message,
    );
  }
  return el("td", { colspan: span, class: "muted" }, records ? "not read (a layer below it failed)" : "reading…");
}

/**
 * Draw the layers table: `records` are the layers in the view so far (bottom first); with
 * `complete` false more are still coming, so the rows above them are "reading…" (pending).
 */
export function renderLayers(
  section: HTMLElement,
  r: { layers: LayerInfo[] },
  records?: LayerRecord[],
  failure?: LayerFailure,
  complete = true,
  staged: ReadonlySet<number> = new Set(),
): void {
  const body = el("tbody", {});
  const final = complete ? records : undefined;
  for (const [i, d] of r.layers.entries()) {
    const rec = records?.[i];
    const state = rec ? "read" : failure && i === failure.index ? "failed" : final ? "skipped" : staged.has(i) ? "staged" : "pending";
    const row = el(
      "tr",
      { "data-testid": "layer", "data-index": String(i), "data-state": state, class: state },
      el("td", { class: "num" }, String(i)),
      el("td", {}, digestCode(d.digest), rec ? el("div", { class: "sub" }, "diff_id ", digestCode(rec.diffId)) : ""),
      el("td", { class: "media" }, d.mediaType, rec ? el("div", { class: "sub" }, rec.compression) : ""),
      el("td", { class: "num", "data-size": String(d.size) }, formatBytes(d.size)),
    );
    if (rec) {
      expandable(row, rec);
      const ch = rec.changes;
      row.append(
        el("td", { class: "num", "data-uncompressed": String(rec.uncompressedBytes) }, formatBytes(rec.uncompressedBytes)),
        changeCell(ch.added.length, ch.addedBytes, "added"),
        changeCell(ch.modified.length, ch.modifiedBytes, "modified"),
        changeCell(ch.deleted.length, ch.deletedBytes, "deleted"),
      );
    } else {
      row.append(missingCells(i, final, failure, !final && staged.has(i)));
    }
    body.append(row);
  }
  const total = r.layers.reduce((n, d) => n + d.size, 0);
  const done = records ?? [];
  const totalU = done.reduce((n, rec) => n + rec.uncompressedBytes, 0);
  const readSoFar = `${formatBytes(total)} compressed; ${done.length} of ${r.layers.length} layers read and verified, reading the rest…`;
  // The same warning on many layers (a tool that mislabels every layer) is said once.
  const byText = new Map<string, number[]>();
  for (const rec of done) for (const w of rec.warnings) byText.set(w, [...(byText.get(w) ?? []), rec.index]);
  const warnings = [...byText].map(([w, layers]) => `${layers.length > 1 ? "layers" : "layer"} ${layers.join(", ")}: ${w}`);
  const summary = !records
    ? `${formatBytes(total)} compressed; reading the layers…`
    : !complete
      ? readSoFar
      : failure
        ? `${formatBytes(total)} compressed; layer ${failure.index} failed, the view below is as of layer ${failure.index - 1}.`
        : `${formatBytes(total)} compressed, ${formatBytes(totalU)} uncompressed; every blob digest and diff_id verified.`;
  fill(
    section,
    `Layers (${r.layers.length})`,
    el(
      "p",
      {
        class: failure ? "failed" : "muted",
        "data-testid": "layers-summary",
        "data-read": String(done.length),
        "data-complete": String(complete && !!records),
      },
      summary,
    ),
    el("table", { class: "grid", "data-testid": "layers" }, el("thead", {}, el("tr", {}, ...HEADINGS.map((h) => el("th", {}, h)))), body),
    warnings.length ? el("ul", { class: "warnings" }, ...warnings.map((w) => el("li", {}, w))) : "",
  );
}
