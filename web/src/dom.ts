// Small DOM helpers shared by the views: element construction without innerHTML (every
// string from an image is untrusted and goes in as text), and human-readable numbers.

import { shortDigest } from "../../src/format.js";

// The figures are formatted as the CLI formats them; views import them from here.
export { formatBytes, shortDigest } from "../../src/format.js";

type Child = Node | string | number | null | undefined | false;

/** Create `tag` with attributes (strings; `class` included) and children (text is escaped). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  append(node, children);
  return node;
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
}

/** A titled section body: replaces what `section` showed. */
export function fill(section: HTMLElement, title: string, ...children: Child[]): void {
  section.replaceChildren(el("h2", {}, title));
  append(section, children);
}

/** A two-column table of label/value rows; empty values are left out. */
export function facts(rows: [string, Child | Child[]][], testId?: string): HTMLTableElement {
  const table = el("table", testId ? { class: "facts", "data-testid": testId } : { class: "facts" });
  for (const [label, value] of rows) {
    const values = Array.isArray(value) ? value : [value];
    if (values.every((v) => v === "" || v === null || v === undefined)) continue;
    const td = el("td", {});
    append(td, values);
    table.append(el("tr", {}, el("th", {}, label), td));
  }
  return table;
}

export function digestCode(digest: string | undefined): HTMLElement {
  return el("code", { class: "digest", title: digest ?? "", "data-digest": digest ?? "" }, shortDigest(digest));
}
