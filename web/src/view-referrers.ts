// The referrers of the image (OCI 1.1 `subject`): the signatures, attestations and SBOMs that
// name its manifest, each by its artifact type, digest and size, and theirs below it (a
// signature of an SBOM). A layout answers from its index.json, a registry image from the
// referrers API (or its sha256-<hex> tag) through the service the page came from; every
// referrer manifest is read verified. A digest opens that manifest in the documents view.

import type { ReferrerReport } from "../../src/browser.js";
import { digestCode, el, fill, formatBytes } from "./dom.js";

/** What an artifact type is, said plainly where it is a well-known one. */
function kindOf(type: string | null): string {
  if (!type) return "artifact";
  if (/sigstore|cosign|notation|signature/i.test(type)) return "signature";
  if (/spdx|cyclonedx|sbom/i.test(type)) return "SBOM";
  if (/in-toto|attestation|provenance|slsa/i.test(type)) return "attestation";
  return "artifact";
}

function list(nodes: ReferrerReport[], open: (digest: string) => void): HTMLUListElement {
  return el(
    "ul",
    { class: "plain referrers" },
    ...nodes.map((n) => {
      const link = el("a", { href: "#", class: "digest-link", "data-digest": n.digest }, digestCode(n.digest));
      link.addEventListener("click", (e) => {
        e.preventDefault();
        open(n.digest);
      });
      return el(
        "li",
        { "data-testid": "referrer", "data-digest": n.digest, "data-artifact-type": n.artifactType ?? "" },
        el("strong", { "data-testid": "referrer-kind" }, kindOf(n.artifactType)),
        " ",
        el("code", { "data-testid": "referrer-type" }, n.artifactType ?? n.mediaType),
        " ",
        link,
        el("span", { class: "size" }, ` ${formatBytes(n.size)}`),
        n.referrers.length ? list(n.referrers, open) : "",
      );
    }),
  );
}

/** "reading…" while `referrers` is undefined, then the tree (or the word that there is none). */
export function renderReferrers(section: HTMLElement, referrers: ReferrerReport[] | undefined, open: (digest: string) => void): void {
  const count = (ns: ReferrerReport[]): number => ns.reduce((n, r) => n + 1 + count(r.referrers), 0);
  section.dataset.state = referrers ? "ready" : "loading";
  if (!referrers) return fill(section, "Referrers", el("p", { class: "muted" }, "looking for signatures, attestations and SBOMs…"));
  if (!referrers.length)
    return fill(
      section,
      "Referrers",
      el("p", { class: "muted", "data-testid": "no-referrers" }, "No artifact names this image as its subject."),
    );
  fill(section, `Referrers (${count(referrers)})`, list(referrers, open));
}

/** The referrers could not be listed: said in the section, with the error's code. */
export function renderReferrersFailed(section: HTMLElement, e: unknown): void {
  section.dataset.state = "error";
  const code = (e as { code?: unknown })?.code;
  fill(
    section,
    "Referrers",
    el(
      "p",
      { class: "failed", "data-testid": "referrers-error" },
      `${typeof code === "string" ? code : "ERROR"} ${e instanceof Error ? e.message : String(e)}`,
    ),
  );
}
