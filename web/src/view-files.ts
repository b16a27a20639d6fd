// The merged filesystem as an expandable tree: directories list their children on first
// expansion (MergedImage.readdir + lstat, nothing precomputed), a click on a file reads its
// visible version through readFile and shows it as text, or its size when it is binary.

import type { MergedImage, Stat } from "../../src/browser.js";
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
    const meta = el("p", { class: "muted" }, `${mode(s)} ${s.uid}:${s.gid}, ${formatBytes(s.size)}, from layer ${s.layer}`);
    viewer.replaceChildren(title, meta, el("p", { class: "muted" }, "reading…"));
    try {
      const bytes = await head(image.readFile(s.path), PREVIEW_BYTES);
      const text = asText(bytes);
      const body =
        text === undefined
          ? el("p", { "data-testid": "binary", "data-size": String(s.size) }, `binary file, ${formatBytes(s.size)} (${s.size} bytes)`)
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
    if (s.type === "symlink") li.append(el("span", { class: "link" }, ` → ${s.linkname}`));
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

  function list(dir: string): HTMLUListElement {
    const ul = el("ul", { class: "tree" });
    for (const name of image.readdir(dir)) ul.append(item(image.lstat(joinPath(dir, name))));
    return ul;
  }

  for (const name of image.readdir("")) root.append(item(image.lstat(name)));
  fill(section, "Files", el("div", { class: "columns files" }, el("div", { class: "tree-pane" }, root), viewer));
}
