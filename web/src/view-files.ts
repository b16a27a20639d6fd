// The merged filesystem as an expandable tree: directories list their children on first
// expansion (MergedImage.readdir + lstat, nothing precomputed), a click on a file reads its
// visible version through readFile and shows it as text, or as a hex dump of its first bytes
// when it is binary; any file can be downloaded. A symlink can be followed to its target (the
// tree opens down to it); one whose target does not resolve is marked dangling.
//
// Download: the file's stream goes into a Blob through Response.blob(), which Chromium keeps in
// its blob store (spilled to disk when large), not as one JavaScript array, and the link to it
// is revoked once clicked.

import { NotFoundError, type MergedImage, type Stat } from "../../src/browser.js";
import { el, fill, formatBytes } from "./dom.js";

/** Files larger than this show only their first bytes. */
const PREVIEW_BYTES = 64 * 1024;

function joinPath(dir: string, name: string): string {
  return dir ? `${dir}/${name}` : name;
}

function mode(s: Stat): string {
  return (s.mode & 0o7777).toString(8).padStart(4, "0");
}

/** The first `limit` bytes of a stream, cancelling the rest. */
async function head(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  while (n < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    n += value.length;
  }
  await reader.cancel();
  const out = new Uint8Array(Math.min(n, limit));
  let at = 0;
  for (const p of parts) {
    out.set(p.subarray(0, out.length - at), at);
    at += Math.min(p.length, out.length - at);
  }
  return out;
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
async function download(image: MergedImage, path: string): Promise<void> {
  const bytes = await new Response(image.readFile(path)).blob();
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

export function renderFiles(section: HTMLElement, image: MergedImage, onError: (e: unknown) => void): void {
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
    save.addEventListener("click", () => void download(image, s.path).catch(onError));
    meta.append(save);
    viewer.replaceChildren(title, meta, el("p", { class: "muted" }, "reading…"));
    try {
      const bytes = await head(image.readFile(s.path), PREVIEW_BYTES);
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

  function item(s: Stat): HTMLLIElement {
    const name = s.path.slice(s.path.lastIndexOf("/") + 1);
    const label = el(
      "button",
      { type: "button", class: `entry ${s.type}`, "data-path": s.path, "data-type": s.type, title: `${s.type} ${mode(s)}` },
      name,
    );
    const li = el("li", {}, label);
    if (s.type === "symlink") {
      li.append(el("span", { class: "link" }, ` → ${s.linkname}`));
      const target = resolved(s.path);
      if (target) {
        const follow = el("button", { type: "button", class: "follow", "data-testid": "follow", title: `go to /${target.path}` }, "follow");
        follow.addEventListener("click", () => reveal(target));
        li.append(follow);
      } else {
        label.dataset.dangling = "true";
        li.append(el("span", { class: "dangling", "data-testid": "dangling" }, "dangling"));
      }
    }
    if (s.type === "file") li.append(el("span", { class: "size" }, formatBytes(s.size)));
    if (s.type === "directory") {
      let children: HTMLUListElement | undefined;
      label.setAttribute("aria-expanded", "false");
      label.addEventListener("click", () => {
        if (!children) {
          children = list(s.path);
          li.append(children);
        } else {
          children.hidden = !children.hidden;
        }
        label.setAttribute("aria-expanded", String(!children.hidden));
      });
    } else if (s.type === "file") {
      label.addEventListener("click", () => void show(s));
    }
    return li;
  }

  /** What a symlink leads to, or undefined when it dangles. */
  function resolved(path: string): Stat | undefined {
    try {
      return image.stat(path);
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }

  /** Open the tree down to `target`, select it, and show it when it is a file. */
  function reveal(target: Stat): void {
    const parts = target.path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = root.querySelector<HTMLButtonElement>(`button.entry[data-path="${CSS.escape(parts.slice(0, i).join("/"))}"]`);
      if (dir && dir.getAttribute("aria-expanded") !== "true") dir.click();
    }
    const button = root.querySelector<HTMLButtonElement>(`button.entry[data-path="${CSS.escape(target.path)}"]`);
    button?.scrollIntoView({ block: "nearest" });
    button?.focus();
    if (target.type === "file") void show(target);
  }

  function list(dir: string): HTMLUListElement {
    const ul = el("ul", { class: "tree" });
    for (const name of image.readdir(dir)) ul.append(item(image.lstat(joinPath(dir, name))));
    return ul;
  }

  for (const name of image.readdir("")) root.append(item(image.lstat(name)));
  fill(section, "Files", el("div", { class: "columns files" }, el("div", { class: "tree-pane" }, root), viewer));
}
