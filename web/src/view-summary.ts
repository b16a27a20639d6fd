// Manifest, config and history of the resolved image, as `layerlens inspect` prints them.
// Spec: image-spec manifest.md and config.md (field names as the config JSON spells them).

import type { ResolvedImage } from "../../src/browser.js";
import { digestCode, el, facts, fill, formatBytes } from "./dom.js";

function list(items: string[], testId: string): HTMLElement | string {
  if (items.length === 0) return "";
  return el("ul", { class: "plain", "data-testid": testId }, ...items.map((i) => el("li", {}, el("code", {}, i))));
}

function argv(items: string[] | undefined, testId: string): HTMLElement | string {
  return items?.length ? el("code", { "data-testid": testId }, JSON.stringify(items)) : "";
}

export function renderSummary(section: HTMLElement, r: ResolvedImage): void {
  const c = r.config;
  const cc = c?.config ?? {};
  const labels = Object.entries(cc.Labels ?? {}).map(([k, v]) => `${k}=${v}`);
  const manifest = facts([
    ["image", r.name],
    ["manifest", [digestCode(r.manifestDescriptor.digest), " ", r.manifest.mediaType ?? r.manifestDescriptor.mediaType, ` (${formatBytes(r.manifestBytes.length)})`]],
    ...r.indexes.map((ix): [string, (Node | string)[]] => ["via index", [digestCode(ix.descriptor.digest), ` ${ix.index.manifests.length} manifests`]]),
    ["config", [digestCode(r.manifest.config.digest), " ", r.manifest.config.mediaType]],
    ["platform", c ? [c.os, "/", c.architecture, c.variant ? "/" + c.variant : ""].join("") : "artifact (no image config)"],
    ["created", c?.created ?? ""],
  ], "manifest");
  const config = facts([
    ["entrypoint", argv(cc.Entrypoint ?? undefined, "entrypoint")],
    ["cmd", argv(cc.Cmd ?? undefined, "cmd")],
    ["user", cc.User ? el("code", { "data-testid": "user" }, cc.User) : ""],
    ["workdir", cc.WorkingDir ? el("code", { "data-testid": "workdir" }, cc.WorkingDir) : ""],
    ["env", list(cc.Env ?? [], "env")],
    ["ports", list(Object.keys(cc.ExposedPorts ?? {}), "ports")],
    ["volumes", list(Object.keys(cc.Volumes ?? {}), "volumes")],
    ["labels", list(labels, "labels")],
    ["stop signal", cc.StopSignal ?? ""],
  ], "config");
  const history = el("table", { class: "grid", "data-testid": "history" },
    el("thead", {}, el("tr", {}, el("th", {}, "created"), el("th", {}, "created by"), el("th", {}, ""))),
    el("tbody", {}, ...(c?.history ?? []).map((h) => el("tr", {},
      el("td", { class: "nowrap" }, h.created ?? ""),
      el("td", {}, el("code", {}, h.created_by ?? h.comment ?? "")),
      el("td", { class: "muted" }, h.empty_layer ? "empty layer" : "")))));
  fill(section, "Image",
    el("div", { class: "columns" },
      el("div", {}, el("h3", {}, "Manifest"), manifest),
      el("div", {}, el("h3", {}, "Config"), config)),
    el("h3", {}, `History (${c?.history?.length ?? 0})`), history);
}
