// Where the time went: the same Stats object `--stats` prints (src/report/stats.ts), one table
// per piece of work the page did (the documents, the layers), each with its phases' time,
// share, bytes and throughput, the document cache's hits, the LayerPool's use, the core's
// memory and the bottleneck line. The figures are the library's; this view only lays them out.

import type { Stats } from "../../src/report/stats.js";
import { el, fill, formatBytes } from "./dom.js";

export interface NamedStats {
  /** What was measured: "documents", "layers". */
  name: string;
  stats: Stats;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const percent = (x: number) => `${(x * 100).toFixed(1)} %`;
const rate = (bytesPerSecond: number | null) => (bytesPerSecond === null ? "-" : `${formatBytes(Math.round(bytesPerSecond))}/s`);

function phaseTable(s: Stats): HTMLTableElement {
  const head = el("tr", {}, ...["phase", "time", "share", "bytes", "throughput"].map((h) => el("th", {}, h)));
  const rows = s.phases.map((p) =>
    el(
      "tr",
      { "data-phase": p.phase, "data-ms": String(p.ms), "data-bytes": String(p.bytes) },
      el("td", {}, p.phase),
      el("td", { class: "num" }, seconds(p.ms)),
      el("td", { class: "num" }, percent(p.share)),
      el("td", { class: "num" }, formatBytes(p.bytes)),
      el("td", { class: "num" }, rate(p.bytesPerSecond)),
    ),
  );
  const other = el(
    "tr",
    { "data-phase": "other", "data-ms": String(s.otherMs) },
    el("td", {}, "other"),
    el("td", { class: "num" }, seconds(s.otherMs)),
    el("td", { class: "num" }, percent(s.wallMs > 0 ? s.otherMs / s.wallMs : 0)),
    el("td", {}),
    el("td", {}),
  );
  return el("table", { class: "metrics", "data-testid": "phases" }, el("thead", {}, head), el("tbody", {}, ...rows, other));
}

function resourceLines(s: Stats): HTMLElement {
  const c = s.cache;
  const p = s.pool;
  return el(
    "ul",
    { class: "plain" },
    el(
      "li",
      { "data-testid": "cache" },
      c
        ? `document cache: ${c.lookups} lookups, ${c.hits} hits, ${c.misses} misses, ${c.evictions} evictions (${c.entries} entries, ${formatBytes(c.bytes)})`
        : "document cache: not used (no core loaded)",
    ),
    el(
      "li",
      { "data-testid": "pool" },
      p
        ? `layer pool: ${p.inUse} of ${p.capacity} records in use, high water ${p.highWater} (${percent(p.utilisation)}), ${p.acquires} acquires, ${p.releases} releases`
        : "layer pool: not used (no LayerFS kept a LayerPool)",
    ),
    el(
      "li",
      { "data-testid": "l2" },
      s.l2
        ? `blob cache (L2): ${s.l2.lookups} lookups, ${s.l2.hits} hits, ${s.l2.misses} misses, ${formatBytes(s.l2.bytesServed)} served, ${formatBytes(s.l2.bytesWritten)} written, ${s.l2.evictions} evictions, ${s.l2.corrupt} corrupt`
        : "blob cache (L2): not used (files picked here are read where they are)",
    ),
    el("li", { "data-testid": "wasm-memory" }, `wasm memory: ${s.wasm ? formatBytes(s.wasm.memoryBytes) : "no core loaded"}`),
  );
}

export function renderMetrics(section: HTMLElement, measured: NamedStats[]): void {
  fill(
    section,
    "Metrics",
    ...measured.map(({ name, stats }) =>
      el(
        "div",
        { class: "metrics-block", "data-testid": `metrics-${name}`, "data-wall-ms": String(stats.wallMs) },
        el("h3", {}, `${name}: ${seconds(stats.wallMs)} wall`),
        phaseTable(stats),
        resourceLines(stats),
        el("p", { class: "bottleneck", "data-testid": "bottleneck", "data-phase": stats.bottleneck.phase ?? "" }, stats.bottleneck.line),
      ),
    ),
  );
}
