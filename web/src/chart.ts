// A horizontal bar chart as inline SVG, no chart library: one row per layer, the bar is the
// layer's size, the darker overlay a part of it (named by `partWord`). Bars share one linear scale
// (the largest layer spans the full width), so tiny layers still get a visible 1px sliver.

const SVG = "http://www.w3.org/2000/svg";

export interface Bar {
  label: string;
  value: number;
  /** Part of value drawn as the overlay (≤ value). */
  part: number;
  title: string;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Pixels `chars` characters of the chart's 12px font take at most (digits and Latin text run
 *  about 6.5px; 7.5 leaves room for wide letters), and at least `min`. */
function textWidth(chars: number, min = 0): number {
  return Math.max(min, Math.ceil(chars * 7.5));
}

/** `legend` names the bar and the overlay; an empty name leaves that key out. */
export function barChart(
  bars: Bar[],
  format: (n: number) => string,
  legend: [string, string],
  testId: string,
  title: string,
  partWord: string,
): SVGSVGElement {
  const row = 22,
    barWidth = 420,
    top = 24;
  // The columns are as wide as their longest text (the SVG clips whatever crosses its edge).
  const valueText = (b: Bar) => `${format(b.value)}${b.part && b.part !== b.value ? ` (${format(b.part)} ${partWord})` : ""}`;
  const labelWidth = 16 + textWidth(Math.max(4, ...bars.map((b) => b.label.length)));
  const valueWidth = 16 + textWidth(Math.max(8, ...bars.map((b) => valueText(b).length)), legend.filter(Boolean).length * 170 - barWidth);
  const width = labelWidth + barWidth + valueWidth;
  const height = top + bars.length * row + 4;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const chart = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart", "data-testid": testId });
  chart.append(svg("title", {}, title));
  legend
    .filter((name) => name)
    .forEach((name, i) => {
      const x = labelWidth + i * 170;
      chart.append(svg("rect", { x, y: 4, width: 12, height: 12, class: name === legend[0] ? "bar" : "bar-part" }));
      chart.append(svg("text", { x: x + 18, y: 14, class: "legend" }, name));
    });
  bars.forEach((b, i) => {
    const y = top + i * row;
    const w = b.value > 0 ? Math.max(1, (b.value / max) * barWidth) : 0;
    const pw = b.part > 0 ? Math.max(1, (b.part / max) * barWidth) : 0;
    const g = svg("g", { "data-layer": i, "data-value": b.value, "data-part": b.part });
    g.append(svg("title", {}, b.title));
    g.append(svg("text", { x: labelWidth - 8, y: y + 15, "text-anchor": "end", class: "label" }, b.label));
    g.append(svg("rect", { x: labelWidth, y: y + 3, width: w, height: row - 6, class: "bar" }));
    if (pw) g.append(svg("rect", { x: labelWidth, y: y + 3, width: pw, height: row - 6, class: "bar-part" }));
    g.append(svg("text", { x: labelWidth + barWidth + 8, y: y + 15, class: "value" }, valueText(b)));
    chart.append(g);
  });
  return chart;
}
