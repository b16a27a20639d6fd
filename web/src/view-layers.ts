// The layers, bottom first: descriptor (digest, media type, compressed size), what reading it
// found (compression, uncompressed size, diff_id) and what it did to the view below it
// (added / modified / deleted counts and bytes, from the LayerFS changeset).

import type { Inspection } from "./inspect.js";
import { digestCode, el, fill, formatBytes } from "./dom.js";

function changeCell(count: number, bytes: number, kind: string): HTMLElement {
  return el(
    "td",
    { class: `num ${count ? kind : "muted"}`, "data-count": String(count), "data-bytes": String(bytes) },
    String(count),
    count && bytes ? el("span", { class: "sub" }, formatBytes(bytes)) : "",
  );
}

export function renderLayers(section: HTMLElement, x: Inspection): void {
  const records = x.image.layers;
  const body = el("tbody", {});
  for (const [i, d] of x.resolved.layers.entries()) {
    const rec = records[i];
    const ch = rec.changes;
    body.append(
      el(
        "tr",
        { "data-testid": "layer", "data-index": String(i) },
        el("td", { class: "num" }, String(i)),
        el("td", {}, digestCode(d.digest), el("div", { class: "sub" }, "diff_id ", digestCode(rec.diffId))),
        el("td", { class: "media" }, d.mediaType, el("div", { class: "sub" }, rec.compression)),
        el("td", { class: "num", "data-size": String(d.size) }, formatBytes(d.size)),
        el("td", { class: "num", "data-uncompressed": String(rec.uncompressedBytes) }, formatBytes(rec.uncompressedBytes)),
        changeCell(ch.added.length, ch.addedBytes, "added"),
        changeCell(ch.modified.length, ch.modifiedBytes, "modified"),
        changeCell(ch.deleted.length, ch.deletedBytes, "deleted"),
      ),
    );
  }
  const total = x.resolved.layers.reduce((n, d) => n + d.size, 0);
  const totalU = records.reduce((n, r) => n + r.uncompressedBytes, 0);
  // The same warning on many layers (a tool that mislabels every layer) is said once.
  const byText = new Map<string, number[]>();
  for (const r of records) for (const w of r.warnings) byText.set(w, [...(byText.get(w) ?? []), r.index]);
  const warnings = [...byText].map(([w, layers]) => `${layers.length > 1 ? "layers" : "layer"} ${layers.join(", ")}: ${w}`);
  fill(
    section,
    `Layers (${records.length})`,
    el(
      "p",
      { class: "muted" },
      `${formatBytes(total)} compressed, ${formatBytes(totalU)} uncompressed; every blob digest and diff_id verified.`,
    ),
    el(
      "table",
      { class: "grid", "data-testid": "layers" },
      el(
        "thead",
        {},
        el("tr", {}, ...["#", "digest", "media type", "size", "uncompressed", "added", "modified", "deleted"].map((h) => el("th", {}, h))),
      ),
      body,
    ),
    warnings.length ? el("ul", { class: "warnings" }, ...warnings.map((w) => el("li", {}, w))) : "",
  );
}
