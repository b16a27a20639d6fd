// A fetch that asks the UpstreamPolicy before every connection. The registry client follows
// registry redirects by hand (each hop comes back through here); the token client lets fetch
// follow, so a "follow" request is followed here instead, one checked hop at a time, with
// Authorization dropped when a hop leaves the origin (as the Fetch standard does).

import { ForbiddenError } from "../errors.js";
import { redactUrl } from "../sources/registry/url.js";
import type { UpstreamPolicy } from "./policy.js";

const MAX_HOPS = 10;

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

export function guardedFetch(policy: UpstreamPolicy, base: typeof fetch = globalThis.fetch.bind(globalThis)): typeof fetch {
  return async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    let url = new URL(input instanceof Request ? input.url : String(input));
    await policy.checkUrl(url);
    if (init.redirect === "manual" || init.redirect === "error") return base(url, init);
    let request: RequestInit = { ...init, redirect: "manual" };
    for (let hop = 0; ; hop++) {
      const res = await base(url, request);
      const location = res.headers.get("Location");
      if (!isRedirect(res.status) || location === null) return res;
      await res.body?.cancel();
      if (hop >= MAX_HOPS) throw new ForbiddenError(`${redactUrl(url)}: more than ${MAX_HOPS} redirects`, redactUrl(url));
      const next = new URL(location, url);
      await policy.checkUrl(next);
      if (next.origin !== url.origin) {
        const headers = new Headers(request.headers);
        headers.delete("Authorization");
        request = { ...request, headers };
      }
      if (res.status === 303) request = { ...request, method: "GET", body: undefined };
      url = next;
    }
  };
}
