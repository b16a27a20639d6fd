// The merged filesystem as an expandable tree: directories list their children on first
// expansion (asked of the worker, which holds the merged view: readdir + lstat, nothing
// precomputed), a click on a file reads its
// visible version through readFile and shows it as text, as a picture when it is a png, jpeg,
// gif, webp or svg (image-preview.ts), or as a hex dump of its first bytes when it is
// binary; any file can be downloaded. A symlink can be followed to its target (the
// tree opens down to it); one whose target does not resolve is marked dangling.
//
// Download: the file's stream goes into a Blob through Response.blob(), which Chromium keeps in
// its blob store (spilled to disk when large), not as one JavaScript array, and the link to it
// is revoked once clicked.

import type { Stat } from "../../src/browser.js";
import { el, fill, formatBytes } from "./dom.js";
import { imageElement, imageTypeOf, MAX_PREVIEW_BYTES } from "./image-preview.js";
import type { Entry } from "./protocol.js";

/** What the files view asks of the merged view (the worker answers). */
export interface FilesSource {
  /** The entries of `dir` ("" = the root), each symlink with its target (null: dangling). */
  list(dir: string): Promise<Entry[]>;
  /** The first `limit` bytes of the visible version of `path`. */
  head(path: string, limit: number): Promise<Uint8Array>;
  /** All of it, as a Blob. */
  file(path: string): Promise<Blob>;
}

/** Files larger than this show only their first bytes. */
const PREVIEW_BYTES = 64 * 1024;

function mode(s: Stat): string {
  return (s.mode & 0o7777).toString(8).padStart(4, "0");
}

/** Bytes shown in the hex view of a binary file. */
const HEX_BYTES = 4096;

/** `xxd`-style lines: offset, 16 bytes in hex, the printable ones as text. */
function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.subarray(at, at + 16);
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, "0")).join(" ");
    const text = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${at.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  ${text}`);
  }
  return lines.join("\n");
}

/** Save the visible version of `path` under its name. */
async function download(files: FilesSource, path: string): Promise<void> {
  const bytes = await files.file(path);
  // Typed as plain bytes, so the browser keeps the file's own name (no ".txt" of its guessing).
  const url = URL.createObjectURL(bytes.slice(0, bytes.size, "application/octet-stream"));
  const a = el("a", { href: url, download: path.slice(path.lastIndexOf("/") + 1) });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Text when the bytes are UTF-8 without NULs, undefined when they look binary. */
function asText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // A preview may cut a multi-byte character in half; judge without the last 3 bytes.
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, Math.max(0, bytes.length - 3)));
    } catch {
      return undefined;
    }
  }
}

/** Render the files view of a merged view whose root directory holds `top`. */
export function renderFiles(section: HTMLElement, files: FilesSource, top: Entry[], onError: (e: unknown) => void): void {
  const viewer = el("div", { class: "viewer", "data-testid": "viewer" }, el("p", { class: "muted" }, "Click a file to see its content."));
  const root = el("ul", { class: "tree", "data-testid": "tree" });

  async function show(s: Stat): Promise<void> {
    const title = el("h3", {}, "/" + s.path);
    const meta = el(
      "p",
      { class: "muted", "data-testid": "viewer-meta", "data-path": s.path },
      `${mode(s)} ${s.uid}:${s.gid}, ${formatBytes(s.size)}, from layer ${s.layer} `,
    );
    const save = el("button", { type: "button", class: "button secondary", "data-testid": "download" }, "Download");
    save.addEventListener("click", () => void download(files, s.path).catch(onError));
    meta.append(save);
    viewer.replaceChildren(title, meta, el("p", { class: "muted" }, "reading…"));
    try {
      const bytes = await files.head(s.path, PREVIEW_BYTES);
      const picture = s.size <= MAX_PREVIEW_BYTES ? imageTypeOf(s.path, bytes) : undefined;
      if (picture) {
        const whole = await files.file(s.path);
        const caption = el("p", { class: "muted", "data-testid": "image-caption" }, `${picture}, ${formatBytes(s.size)}`);
        viewer.replaceChildren(title, meta, caption, imageElement(whole, picture, "/" + s.path));
        return;
      }
      const text = asText(bytes);
      const body =
        text === undefined
          ? el(
              "div",
              {},
              el("p", { "data-testid": "binary", "data-size": String(s.size) }, `binary file, ${formatBytes(s.size)} (${s.size} bytes)`),
              el("pre", { class: "hex", "data-testid": "hex" }, hexDump(bytes.subarray(0, HEX_BYTES))),
            )
          : el(
              "pre",
              { "data-testid": "file-text" },
              text + (s.size > PREVIEW_BYTES ? `\n… (${formatBytes(s.size - PREVIEW_BYTES)} more)` : ""),
            );
      viewer.replaceChildren(title, meta, body);
    } catch (e) {
      viewer.replaceChildren(title, meta);
      onError(e);
    }
  }

  /** Each directory's "open it" (its children listed once, on first use), by path. */
  const openers = new Map<string, () => Promise<void>>();

  function item({ stat: s, target }: Entry): HTMLLIElement {
    const name = s.path.slice(s.path.lastIndexOf("/") + 1);
    const label = el(
      "button",
      { type: "button", class: `entry ${s.type}`, "data-path": s.path, "data-type": s.type, title: `${s.type} ${mode(s)}` },
      name,
    );
    const li = el("li", {}, label);
    if (s.type === "symlink") {
      li.append(el("span", { class: "link" }, ` → ${s.linkname}`));
      if (target) {
        const follow = el("button", { type: "button", class: "follow", "data-testid": "follow", title: `go to /${target.path}` }, "follow");
        follow.addEventListener("click", () => void reveal(target).catch(onError));
        li.append(follow);
      } else {
        label.dataset.dangling = "true";
        li.append(el("span", { class: "dangling", "data-testid": "dangling" }, "dangling"));
      }
    }
    if (s.type === "file") li.append(el("span", { class: "size" }, formatBytes(s.size)));
    if (s.type === "directory") {
      let children: Promise<HTMLUListElement> | undefined;
      label.setAttribute("aria-expanded", "false");
      const open = async (toggle: boolean) => {
        if (!children) {
          children = list(s.path).then((ul) => (li.append(ul), ul));
          label.setAttribute("aria-expanded", String(!(await children).hidden));
          return;
        }
        const ul = await children;
        if (toggle) ul.hidden = !ul.hidden;
        else ul.hidden = false;
        label.setAttribute("aria-expanded", String(!ul.hidden));
      };
      openers.set(s.path, () => open(false));
      label.addEventListener("click", () => void open(true).catch(onError));
    } else if (s.type === "file") {
      label.addEventListener("click", () => void show(s));
    }
    return li;
  }

  /** Open the tree down to `target`, select it, and show it when it is a file. */
  async function reveal(target: Stat): Promise<void> {
    const parts = target.path.split("/");
    for (let i = 1; i < parts.length; i++) await openers.get(parts.slice(0, i).join("/"))?.();
    const button = root.querySelector<HTMLButtonElement>(`button.entry[data-path="${CSS.escape(target.path)}"]`);
    button?.scrollIntoView({ block: "nearest" });
    button?.focus();
    if (target.type === "file") void show(target);
  }

  async function list(dir: string): Promise<HTMLUListElement> {
    const ul = el("ul", { class: "tree" });
    for (const entry of await files.list(dir)) ul.append(item(entry));
    return ul;
  }

  root.append(...top.map(item));
  fill(section, "Files", el("div", { class: "columns files" }, el("div", { class: "tree-pane" }, root), viewer));
}
