// Manifest, config and history of the image, from the same report `layerlens inspect` prints
// (src/report/inspect.ts), so the page and the CLI cannot disagree about what an image says.
// Also what names the image: a docker-archive's RepoTags and the manifest's annotations.
// Spec: image-spec manifest.md, annotations.md and config.md.

import type { InspectReport } from "../../src/browser.js";
import { digestCode, el, facts, fill, formatBytes } from "./dom.js";

function list(items: string[], testId: string): HTMLElement | string {
  if (items.length === 0) return "";
  return el("ul", { class: "plain", "data-testid": testId }, ...items.map((i) => el("li", {}, el("code", {}, i))));
}

function argv(items: string[], testId: string): HTMLElement | string {
  return items.length ? el("code", { "data-testid": testId }, JSON.stringify(items)) : "";
}

export function renderSummary(section: HTMLElement, r: InspectReport): void {
  const c = r.config;
  const labels = Object.entries(c.labels).map(([k, v]) => `${k}=${v}`);
  const annotations = Object.entries(r.manifest.annotations).map(([k, v]) => `${k}=${v}`);
  const manifest = facts(
    [
      ["image", r.name],
      ["repo tags", list(r.repoTags ?? [], "repo-tags")],
      ["manifest", [digestCode(r.manifest.digest), " ", r.manifest.mediaType, ` (${formatBytes(r.manifest.size)})`]],
      ...r.indexes.map((ix): [string, (Node | string)[]] => ["via index", [digestCode(ix.digest), ` ${ix.manifests.length} manifests`]]),
      ["config", [digestCode(c.digest), " ", c.mediaType]],
      ["platform", r.platform ?? "artifact (no image config)"],
      ["created", c.created ?? ""],
      ["annotations", list(annotations, "annotations")],
    ],
    "manifest",
  );
  const config = facts(
    [
      ["entrypoint", argv(c.entrypoint, "entrypoint")],
      ["cmd", argv(c.cmd, "cmd")],
      ["user", c.user ? el("code", { "data-testid": "user" }, c.user) : ""],
      ["workdir", c.workingDir ? el("code", { "data-testid": "workdir" }, c.workingDir) : ""],
      ["env", list(c.env, "env")],
      ["ports", list(c.exposedPorts, "ports")],
      ["volumes", list(c.volumes, "volumes")],
      ["labels", list(labels, "labels")],
      ["stop signal", c.stopSignal ?? ""],
    ],
    "config",
  );
  const history = el(
    "table",
    { class: "grid", "data-testid": "history" },
    el("thead", {}, el("tr", {}, el("th", {}, "created"), el("th", {}, "created by"), el("th", {}, ""))),
    el(
      "tbody",
      {},
      ...r.history.map((h) =>
        el(
          "tr",
          {},
          el("td", { class: "nowrap" }, h.created ?? ""),
          el("td", {}, el("code", {}, h.createdBy ?? h.comment ?? "")),
          el("td", { class: "muted" }, h.emptyLayer ? "empty layer" : ""),
        ),
      ),
    ),
  );
  fill(
    section,
    "Image",
    el("div", { class: "columns" }, el("div", {}, el("h3", {}, "Manifest"), manifest), el("div", {}, el("h3", {}, "Config"), config)),
    el("h3", {}, `History (${r.history.length})`),
    history,
  );
}
