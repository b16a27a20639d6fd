// Dive mode: pick a layer (the layer's created_by beside it) and see the merged tree as of that
// layer, what the layer added / modified / removed in colour, directory sizes, filters
// ("changed in this layer only", "wasted only"), a path search (substring or glob) and sort by
// name or size. The tree is virtualised: only the rows in sight are in the DOM, so a tree of
// 100k+ paths scrolls as one of ten. Keys as in dive: ↑/↓ move in the layer list and the tree,
// Enter picks a layer, `/` jumps to the search.
//
// The tree as of a layer comes from the worker (it mounts the view as of a lower layer on
// first use, one at a time), already flattened into rows with the paths the layer wasted.

import type { HistoryReport, InspectReport } from "../../src/browser.js";
import { queryRows, type Row, type RowQuery } from "./dive-rows.js";
import { el, fill, formatBytes } from "./dom.js";
import type { RecordInfo } from "./protocol.js";

/** The tree as of layer `index`: its rows, and the paths wasted as of it. */
export type TreeAsOf = (index: number) => Promise<{ rows: Row[]; wasted: string[] }>;

const ROW = 20;
const OVERSCAN = 12;

/** What made each layer, from the history entries that are not empty layers. */
function createdBy(history: HistoryReport[], index: number): string {
  const h = history.find((e) => e.layer === index);
  return h?.createdBy ?? h?.comment ?? "";
}

/** Render dive mode for `x`: `shown` settles once the top layer's tree is on screen, `close`
 *  stops it (a pick still being answered is dropped). */
export function renderDive(
  section: HTMLElement,
  x: { records: RecordInfo[]; report: InspectReport },
  treeAsOf: TreeAsOf,
  onError: (e: unknown) => void,
): { shown: Promise<void>; close: () => void } {
  const records = x.records;
  let generation = 0;
  let all: Row[] = [];
  let wasted = new Set<string>();
  let shown: Row[] = [];
  let selected = 0;
  const query: RowQuery = { changedOnly: false, wastedOnly: false, search: "", sort: "name" };

  const layerItems = records.map((rec) =>
    el(
      "li",
      { "data-testid": "dive-layer", "data-index": String(rec.index), tabindex: "0", role: "option" },
      el("span", { class: "num" }, `#${rec.index}`),
      el("span", { class: "size" }, formatBytes(rec.uncompressedBytes)),
      el("code", { class: "created-by" }, createdBy(x.report.history, rec.index)),
    ),
  );
  const layerList = el("ul", { class: "plain dive-layers", role: "listbox", "aria-label": "layers" }, ...layerItems);
  const search = el("input", { id: "dive-search", type: "search", placeholder: "search paths: substring or glob (/ to focus)" });
  const changed = el("input", { id: "dive-changed", type: "checkbox" });
  const wastedBox = el("input", { id: "dive-wasted", type: "checkbox" });
  const sort = el("select", { id: "dive-sort" }, el("option", { value: "name" }, "name"), el("option", { value: "size" }, "size"));
  const count = el("span", { class: "muted", "data-testid": "dive-count" });
  const spacer = el("div", { class: "dive-spacer" });
  const pane = el("div", { class: "dive-tree", tabindex: "0", "data-testid": "dive-tree" }, spacer);
  const heading = el("p", { class: "muted", "data-testid": "dive-heading" });

  function draw(): void {
    spacer.style.height = `${shown.length * ROW}px`;
    const first = Math.max(0, Math.floor(pane.scrollTop / ROW) - OVERSCAN);
    const last = Math.min(shown.length, Math.ceil((pane.scrollTop + pane.clientHeight) / ROW) + OVERSCAN);
    const rows: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const r = shown[i];
      const row = el(
        "div",
        {
          class: `dive-row ${r.mark} ${r.type}${i === selected ? " selected" : ""}`,
          "data-testid": "dive-row",
          "data-path": r.path,
          "data-mark": r.mark,
          "data-type": r.type,
          "data-size": String(r.size),
          style: `top:${i * ROW}px;padding-left:${6 + r.depth * 14}px`,
        },
        el("span", { class: "name" }, r.name + (r.type === "directory" ? "/" : "")),
        r.linkname !== undefined ? el("span", { class: "link" }, `→ ${r.linkname}`) : "",
        el("span", { class: "size" }, r.size || r.type === "directory" ? formatBytes(r.size) : ""),
      );
      row.addEventListener("click", () => {
        selected = i;
        draw();
      });
      rows.push(row);
    }
    spacer.replaceChildren(...rows);
    count.textContent = `${shown.length} of ${all.length} paths`;
    count.dataset.count = String(shown.length);
  }

  function refilter(): void {
    shown = queryRows(all, query, wasted);
    selected = Math.min(selected, Math.max(0, shown.length - 1));
    draw();
  }

  /** Show the tree as of layer `index`; a user's pick also drives <body data-state>. */
  async function pick(index: number, user = true): Promise<void> {
    const mine = ++generation;
    for (const li of layerItems) li.classList.toggle("selected", li.dataset.index === String(index));
    if (user) document.body.dataset.state = "loading";
    try {
      const tree = await treeAsOf(index);
      if (mine !== generation) return;
      all = tree.rows;
      wasted = new Set(tree.wasted);
      heading.textContent = `Layer ${index}: ${createdBy(x.report.history, index) || "(no history entry)"}`;
      section.dataset.layer = String(index);
      selected = 0;
      pane.scrollTop = 0;
      refilter();
      if (user) document.body.dataset.state = "ready";
    } catch (e) {
      if (mine === generation) onError(e);
    }
  }

  layerItems.forEach((li, i) => {
    li.addEventListener("click", () => void pick(i));
    li.addEventListener("keydown", (e) => {
      const to = e.key === "ArrowDown" ? i + 1 : e.key === "ArrowUp" ? i - 1 : -1;
      if (to >= 0 && to < layerItems.length) {
        e.preventDefault();
        layerItems[to].focus();
        void pick(to);
      } else if (e.key === "Enter") {
        e.preventDefault();
        void pick(i);
      }
    });
  });
  pane.addEventListener("scroll", () => requestAnimationFrame(draw));
  pane.addEventListener("keydown", (e) => {
    const step = e.key === "ArrowDown" ? 1 : e.key === "ArrowUp" ? -1 : e.key === "PageDown" ? 20 : e.key === "PageUp" ? -20 : 0;
    if (!step || shown.length === 0) return;
    e.preventDefault();
    selected = Math.max(0, Math.min(shown.length - 1, selected + step));
    const top = selected * ROW;
    if (top < pane.scrollTop) pane.scrollTop = top;
    else if (top + ROW > pane.scrollTop + pane.clientHeight) pane.scrollTop = top + ROW - pane.clientHeight;
    draw();
  });
  section.addEventListener("keydown", (e) => {
    if (e.key === "/" && e.target !== search) {
      e.preventDefault();
      search.focus();
    }
  });
  search.addEventListener("input", () => {
    query.search = search.value;
    refilter();
  });
  changed.addEventListener("change", () => {
    query.changedOnly = changed.checked;
    refilter();
  });
  wastedBox.addEventListener("change", () => {
    query.wastedOnly = wastedBox.checked;
    refilter();
  });
  sort.addEventListener("change", () => {
    query.sort = sort.value === "size" ? "size" : "name";
    refilter();
  });

  fill(
    section,
    "Dive",
    el(
      "div",
      { class: "dive" },
      el("div", { class: "dive-side" }, el("h3", {}, "Layers"), layerList),
      el(
        "div",
        { class: "dive-main" },
        heading,
        el(
          "div",
          { class: "dive-controls" },
          search,
          el("label", {}, changed, " changed in this layer only"),
          el("label", {}, wastedBox, " wasted only"),
          el("label", {}, "sort ", sort),
          count,
        ),
        pane,
        el(
          "p",
          { class: "legend" },
          el("span", { class: "added" }, "added"),
          el("span", { class: "modified" }, "modified"),
          el("span", { class: "removed" }, "removed"),
        ),
      ),
    ),
  );
  return {
    shown: records.length ? pick(records.length - 1, false) : Promise.resolve(),
    close: () => {
      generation++;
    },
  };
}
