// `layerlens serve` as one portable fetch handler, `(Request) => Promise<Response>`: the same
// code behind Node's http server, workerd (a Cloudflare Worker), `deno serve` and Bun.serve.
//   /api/…   the CLI's answers as JSON (api.ts)
//   /v2/…    registries passed through for the browser, with CORS (v2.ts)
//   else     the web inspector's files, when the host gives them (assets)
// Only GET, HEAD and OPTIONS are answered and no request body is read. Upstream calls go
// through the policy (policy.ts), under the registry client's deadlines and caps; every
// failure is JSON with our error code. The core must be loaded (the host's init()) first.

import { UsageError } from "../errors.js";
import { createRegistryCache, type RegistryCache, type RetryOptions, type TimeoutOptions } from "../sources/registry.js";
import { API_ROUTES } from "./api.js";
import { corsHeaders, errorResponse, json, preflight } from "./http.js";
import { UpstreamPolicy, type UpstreamPolicyOptions } from "./policy.js";
import { Store, type StoreOptions } from "./store.js";
import type { BlobStore } from "../sources/cached-source.js";
import { callerCredentials, Upstream } from "./upstream.js";
import { handleV2 } from "./v2.js";

export interface HandlerOptions {
  /** Which registries and addresses may be reached (policy.ts). */
  policy?: UpstreamPolicy | UpstreamPolicyOptions;
  /** The fetch upstream calls go through, under the policy's guard (default globalThis.fetch). */
  fetch?: typeof fetch;
  /** Deadlines of every upstream request (the registry client's defaults: 30 s each). */
  timeouts?: TimeoutOptions;
  /** Retries of dropped or failed upstream requests (the registry client's defaults). */
  retry?: RetryOptions;
  /** Registries (host[:port]) spoken to over plain http. */
  insecure?: readonly string[];
  /** Memory budget of what is kept between requests. */
  store?: StoreOptions;
  /** Blobs up to this many bytes are kept after a verified whole read (default 4 MiB). */
  maxStoredBlob?: number;
  /**
   * A persistent blob store (L2) for anonymous reads: /v2/ blobs of any size and the layers
   * /api/ reads are kept there once verified and answered from there again.
   */
  blobStore?: BlobStore;
  /** Access-Control-Allow-Origin of every answer (default "*"). */
  corsOrigin?: string;
  /** The web inspector's files: an answer for a path that is neither /api/ nor /v2/. */
  assets?: (req: Request) => Promise<Response | undefined>;
}

export type FetchHandler = (req: Request) => Promise<Response>;

function withCors(res: Response, origin: string): Response {
  const headers = new Headers(res.headers);
  for (const [k, v] of Object.entries(corsHeaders(origin))) headers.set(k, v);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

export function createHandler(options: HandlerOptions = {}): FetchHandler {
  const policy = options.policy instanceof UpstreamPolicy ? options.policy : new UpstreamPolicy(options.policy);
  const origin = options.corsOrigin ?? "*";
  // Made on the first request: both live in the core, which the host loads before serving.
  let shared: { store: Store; cache: RegistryCache; upstream: Upstream } | undefined;
  const state = () => {
    if (!shared) {
      const cache = createRegistryCache();
      shared = {
        store: new Store(options.store),
        cache,
        upstream: new Upstream({
          policy,
          fetch: options.fetch,
          timeouts: options.timeouts,
          retry: options.retry,
          insecure: options.insecure,
          cache,
        }),
      };
    }
    return shared;
  };

  return async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    if (req.method === "OPTIONS") return preflight(origin);
    try {
      if (req.method !== "GET" && req.method !== "HEAD") {
        return withCors(
          json({ error: { code: "METHOD", message: `${req.method} is not served here (GET, HEAD, OPTIONS)` } }, 405, {
            Allow: "GET, HEAD, OPTIONS",
          }),
          origin,
        );
      }
      const { store, upstream } = state();
      if (url.pathname.startsWith("/api/")) {
        const route = API_ROUTES[url.pathname.slice("/api/".length)];
        if (!route)
          throw new UsageError(
            `no such API: ${url.pathname} (${Object.keys(API_ROUTES)
              .map((r) => `/api/${r}`)
              .join(", ")})`,
          );
        const res = await route({
          upstream,
          store,
          credentials: callerCredentials(req),
          query: url.searchParams,
          blobs: options.blobStore,
        });
        return withCors(req.method === "HEAD" ? new Response(null, { status: res.status, headers: res.headers }) : res, origin);
      }
      if (url.pathname === "/v2" || url.pathname.startsWith("/v2/")) {
        const v2 = {
          upstream,
          store,
          credentials: callerCredentials(req),
          maxStoredBlob: options.maxStoredBlob ?? 4 << 20,
          blobs: options.blobStore,
        };
        return withCors(await handleV2(v2, req.method, url.pathname, req.headers.get("Range")), origin);
      }
      const asset = await options.assets?.(req);
      if (asset) return asset;
      return withCors(json({ error: { code: "NOT_FOUND", message: `nothing at ${url.pathname}` } }, 404), origin);
    } catch (err) {
      return withCors(errorResponse(err), origin);
    }
  };
}
