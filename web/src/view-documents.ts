// The image's documents as they are: the indexes down to the manifest, the manifest and the
// config as pretty JSON, every digest in them a link to that blob's view (a document is shown
// here, verified by the worker as it reads it; a layer of the image opens its row in the
// layers table), with the way back to the documents shown before.

import { el, fill } from "./dom.js";
import type { RawDocument } from "./protocol.js";

/** What a digest link leads to: a document, or the index of one of the image's layers. */
export type OpenDigest = (digest: string) => Promise<RawDocument | { layer: number }>;

const DIGEST = /"((?:sha256:[0-9a-f]{64})|(?:sha512:[0-9a-f]{128}))"/g;

/** `json` as text with each quoted digest a link. */
function linked(json: string, follow: (digest: string) => void): HTMLElement {
  const pre = el("pre", { class: "raw-json", "data-testid": "raw-json" });
  let at = 0;
  for (const m of json.matchAll(DIGEST)) {
    const start = m.index + 1;
    pre.append(json.slice(at, start));
    const a = el("a", { href: "#", class: "digest-link", "data-testid": "digest-link", "data-digest": m[1] }, m[1]);
    a.addEventListener("click", (e) => {
      e.preventDefault();
      follow(m[1]);
    });
    pre.append(a);
    at = start + m[1].length;
  }
  pre.append(json.slice(at));
  return pre;
}

/** Shows one more document in the documents view on screen (set by renderDocuments). */
let showInView: ((doc: RawDocument) => void) | undefined;

/** Open `doc` in the documents view (a referrer's manifest, found outside the image's documents). */
export function showDocument(doc: RawDocument): void {
  showInView?.(doc);
  document.getElementById("documents")?.scrollIntoView({ block: "start" });
}

export function renderDocuments(
  section: HTMLElement,
  raw: RawDocument[],
  open: OpenDigest,
  showLayer: (index: number) => void,
  onError: (e: unknown) => void,
): void {
  const tabs = el("div", { class: "doc-tabs" });
  const body = el("div", { class: "doc-body" });
  const trail: RawDocument[] = [];

  function show(doc: RawDocument): void {
    for (const b of tabs.querySelectorAll("button")) b.classList.toggle("selected", b.dataset.digest === doc.digest);
    trail.push(doc);
    const back = trail.length > 1 ? el("button", { type: "button", class: "button secondary", "data-testid": "doc-back" }, "back") : "";
    if (back)
      back.addEventListener("click", () => {
        trail.pop();
        show(trail.pop()!);
      });
    body.replaceChildren(
      el(
        "p",
        { class: "muted", "data-testid": "doc-title", "data-kind": doc.kind, "data-digest": doc.digest },
        `${doc.kind} ${doc.digest} (${doc.mediaType}) `,
        back,
      ),
      linked(doc.json, (digest) => void follow(digest)),
    );
  }

  async function follow(digest: string): Promise<void> {
    try {
      const target = await open(digest);
      if ("layer" in target) showLayer(target.layer);
      else show(target);
    } catch (e) {
      onError(e);
    }
  }

  for (const doc of raw) {
    const b = el(
      "button",
      { type: "button", class: "button secondary", "data-testid": "doc-tab", "data-kind": doc.kind, "data-digest": doc.digest },
      doc.kind,
    );
    b.addEventListener("click", () => {
      trail.length = 0;
      show(doc);
    });
    tabs.append(b);
  }
  fill(section, "Documents", tabs, body);
  showInView = show;
  const manifest = raw.find((d) => d.kind === "manifest");
  if (manifest) show(manifest);
}
