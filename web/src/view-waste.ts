// Wasted space (defined in src/fs/waste.ts): dive's efficiency score and wasted bytes (without
// dive's double counting), our reclaimable bytes, a bar chart of each layer's file bytes with
// its reclaimable part, and the paths that waste the most. Names and the efficiency's rounding
// come from src/report/efficiency.ts, as in `layerlens layers` and `check`.

import { formatEfficiency, WASTE_TERMS } from "../../src/report/efficiency.js";
import type { WasteReport } from "../../src/browser.js";
import { barChart } from "./chart.js";
import { el, facts, fill, formatBytes, shortDigest } from "./dom.js";

export function renderWaste(section: HTMLElement, x: { waste: WasteReport }): void {
  const w = x.waste;
  const bars = w.layers.map((l) => ({
    label: `${l.index} ${shortDigest(l.digest).slice(0, 7)}`,
    value: l.fileBytes,
    part: l.reclaimableBytes,
    title: `layer ${l.index} ${l.digest ?? ""}: ${formatBytes(l.fileBytes)} of files, ${formatBytes(l.reclaimableBytes)} reclaimable (not visible in the merged view)`,
  }));
  const top = w.topWasted.filter((p) => p.wastedBytes > 0);
  fill(
    section,
    "Wasted space",
    el(
      "div",
      { class: "columns waste-columns" },
      el(
        "div",
        {},
        el(
          "p",
          { class: "score" },
          el(
            "span",
            {
              "data-testid": "efficiency",
              "data-value": String(w.efficiency),
              "data-percent": String(w.efficiencyPercent),
              title: WASTE_TERMS.efficiency,
            },
            formatEfficiency(w),
          ),
          " efficiency",
        ),
        facts([
          [
            "wasted",
            el(
              "span",
              { "data-testid": "wasted", "data-value": String(w.wastedBytes), title: WASTE_TERMS.wasted },
              formatBytes(w.wastedBytes),
            ),
          ],
          [
            "reclaimable",
            el(
              "span",
              { "data-testid": "reclaimable", "data-value": String(w.reclaimableBytes), title: WASTE_TERMS.reclaimable },
              formatBytes(w.reclaimableBytes),
            ),
          ],
          ["file bytes", `${formatBytes(w.fileBytes)} stored, ${formatBytes(w.visibleBytes)} visible`],
        ]),
      ),
      el(
        "div",
        {},
        barChart(
          bars,
          formatBytes,
          ["file bytes in layer", "reclaimable (not visible)"],
          "layer-chart",
          "File bytes per layer, reclaimable part overlaid",
          "reclaimable",
        ),
        // The same reclaimable bytes on their own scale: next to whole layers they are often a sliver.
        barChart(
          bars.map((b) => ({ ...b, value: b.part })),
          formatBytes,
          ["", "reclaimable bytes (own scale)"],
          "waste-chart",
          "Reclaimable bytes per layer",
          "reclaimable",
        ),
      ),
    ),
    el("h3", {}, "Paths stored in more than one layer"),
    top.length
      ? el(
          "table",
          { class: "grid", "data-testid": "top-wasted" },
          el("thead", {}, el("tr", {}, el("th", {}, "path"), el("th", {}, "layers"), el("th", {}, "wasted"))),
          el(
            "tbody",
            {},
            ...top.map((p) =>
              el(
                "tr",
                {},
                el("td", {}, el("code", {}, p.path)),
                el("td", {}, p.layers.join(", ")),
                el("td", { class: "num" }, formatBytes(p.wastedBytes)),
              ),
            ),
          ),
        )
      : el("p", { class: "muted" }, "No path is stored in more than one layer."),
  );
}
