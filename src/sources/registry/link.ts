// The rel="next" target of an RFC 8288 Link header, as registries use it for paginated
// tag and catalog listings: Link: </v2/_catalog?last=b&n=2>; rel="next"
// Spec: https://www.rfc-editor.org/rfc/rfc8288#section-3

import { RegistryError } from "../../errors.js";
import { redactUrl } from "./url.js";

export function nextLink(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  // Each link is <target> followed by ;-separated params; targets cannot contain '>'.
  const link = /<([^>]*)>((?:\s*;\s*[^;,]+)*)/g;
  for (let m = link.exec(header); m; m = link.exec(header)) {
    const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(m[2]);
    if (rel && rel[1].toLowerCase().split(/\s+/).includes("next")) return m[1];
  }
  return undefined;
}

/**
 * The next page's URL: the rel="next" target resolved against the page that sent it, or
 * undefined on the last page. A target that is no http(s) URL is a RegistryError naming the page.
 */
export function nextPageUrl(header: string | null | undefined, page: URL, what: string, status = 200): URL | undefined {
  const target = nextLink(header);
  if (target === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(target, page);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    const shown = JSON.stringify(target.length > 200 ? target.slice(0, 200) + "…" : target);
    throw new RegistryError(`${what}: the Link header's next page ${shown} is not an http(s) URL`, status, redactUrl(page), false);
  }
  return url;
}
