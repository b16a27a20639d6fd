// One registry HTTP exchange, done properly: authentication (learnt from 401 challenges),
// redirects followed by hand so Authorization never reaches another host, retries with
// backoff on 429/5xx, dropped connections and timeouts (all in one budget per request, bodies
// read whole included), and every failure turned into a RegistryError or TimeoutError
// carrying the status, a credential-free URL and the registry's own diagnostics.
//
// Redirects: fetch's redirect:"follow" would resend our headers to wherever Location points
// (blob storage, a CDN). With redirect:"manual" Node, Deno, Bun and workerd hand us the 3xx;
// browsers give an opaque answer instead, and there we let the browser follow (the Fetch
// standard drops Authorization on cross-origin redirects).
// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md

import { LayerlensError, RegistryError } from "../../errors.js";
import { parseErrorBody } from "./answers.js";
import type { Authenticator } from "./auth.js";
import { discard, readCapped, readPrefix } from "./body.js";
import { type RegistryResponse, type Timeouts, timedFetch } from "./deadline.js";
import { type RetryPolicy, failureOf, isRetryableStatus, isTransient, retryDelay } from "./retry.js";
import { redactUrl } from "./url.js";

export { discard };

export interface RegistryRequest {
  method?: "GET" | "HEAD";
  /** Path under the registry origin ("/v2/...") or an absolute URL (Link pagination). */
  path: string;
  headers?: Record<string, string>;
  /** Token scope, e.g. "repository:library/alpine:pull"; "" for /v2/. */
  scope: string;
  /** What is being done, for error messages ("reading manifest latest"). */
  what: string;
  /** Statuses handed back to the caller instead of raised (e.g. 404 for the referrers fallback). */
  accept?: number[];
  /**
   * Bypass HTTP caches (cache: "reload"): used when an earlier answer was corrupted, since a
   * browser would otherwise serve the same bad bytes again from its cache (blobs are sent
   * with a one-year max-age).
   */
  fresh?: boolean;
}

export interface TransportOptions {
  origin: URL;
  fetch: typeof fetch;
  auth: Authenticator;
  retry: RetryPolicy;
  timeouts: Timeouts;
  userAgent?: string;
  signal?: AbortSignal;
}

/** Tries made for one request so far: shared by send() and the body reads that re-send. */
export interface Tries {
  made: number;
}

/** A body read whole, with the answer it came in. */
export interface WholeAnswer {
  res: RegistryResponse;
  bytes: Uint8Array;
}

const MAX_REDIRECTS = 10;
const MAX_ERROR_BODY = 64 * 1024;

export class Transport {
  /** Requests sent, redirects and retries included (for tests and benchmarks). */
  requests = 0;
  /** false once the runtime refused RequestInit.cache (workerd does; it has no HTTP cache anyway). */
  private cacheModes = true;

  constructor(private readonly options: TransportOptions) {}

  get origin(): URL {
    return this.options.origin;
  }

  /** Send `req`; resolves with a 2xx (or an accepted status) response whose body is unread. */
  async send(req: RegistryRequest, tries: Tries = { made: 0 }): Promise<RegistryResponse> {
    const url = new URL(req.path, this.options.origin);
    const shown = redactUrl(url);
    const { retry } = this.options;
    let authorization = await this.options.auth.header(req.scope);
    let authRounds = 0;
    for (;;) {
      tries.made++;
      let res: RegistryResponse;
      try {
        res = await this.fetchFollowing(url, req, authorization);
      } catch (cause) {
        if (cause instanceof RegistryError) throw cause;
        if (url.protocol === "https:" && answeredPlainHttp(cause)) throw plainHttpError(req.what, url, cause);
        if (isTransient(cause) && tries.made < retry.attempts) {
          await retry.sleep(retryDelay(retry, tries.made));
          continue;
        }
        throw failureOf(cause, req.what, shown);
      }
      // A caller that accepts 401 (ping) wants to see the challenge, not have it answered.
      if (res.status === 401 && authRounds < 2 && !req.accept?.includes(401)) {
        authRounds++;
        let next: string | undefined;
        try {
          next = await this.options.auth.unauthorized(res.headers.get("WWW-Authenticate"), req.scope, authorization, shown);
        } catch (err) {
          await discard(res);
          throw err;
        }
        if (next !== undefined) {
          await discard(res);
          authorization = next;
          tries.made--; // authenticating is not a retry
          continue;
        }
      }
      if (res.ok || req.accept?.includes(res.status)) return res;
      if (isRetryableStatus(res.status) && tries.made < retry.attempts) {
        await discard(res);
        await retry.sleep(retryDelay(retry, tries.made, res.headers.get("Retry-After")));
        continue;
      }
      throw await errorFrom(res, req.what, url);
    }
  }

  /**
   * Send `req` and read its body whole, at most `cap` bytes (`limit` names the cap in the
   * error). A body that breaks off or goes quiet is asked for again, within the same budget
   * of tries as the request itself.
   */
  async read(req: RegistryRequest, cap: number, limit: string): Promise<WholeAnswer> {
    const { retry } = this.options;
    const tries: Tries = { made: 0 };
    for (;;) {
      const res = await this.send(req, tries);
      const shown = redactUrl(res.url || new URL(req.path, this.options.origin));
      try {
        return { res, bytes: await readCapped(res, cap, req.what, limit, shown) };
      } catch (err) {
        if (!isTransient(err)) throw err;
        if (tries.made >= retry.attempts) {
          throw err instanceof LayerlensError
            ? err
            : new RegistryError(`${req.what}: the answer kept breaking off`, res.status, shown, true, [], { cause: err });
        }
        await retry.sleep(retryDelay(retry, tries.made));
      }
    }
  }

  /** fetch with manual redirects: Authorization goes only to the registry's own origin. */
  private async fetchFollowing(start: URL, req: RegistryRequest, authorization: string | undefined): Promise<RegistryResponse> {
    let url = start;
    let method = req.method ?? "GET";
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers: Record<string, string> = { ...req.headers };
      if (this.options.userAgent) headers["User-Agent"] = this.options.userAgent;
      if (authorization && url.origin === this.options.origin.origin) headers.Authorization = authorization;
      this.requests++;
      const res = await this.fetchOnce(url, { method, headers, redirect: "manual" }, req);
      if (res.type === "opaqueredirect") {
        // Browser: the Location is hidden from us; let the browser follow it.
        this.requests++;
        return this.fetchOnce(url, { method, headers, redirect: "follow" }, req);
      }
      const location = res.headers.get("Location");
      if (res.status < 300 || res.status > 399 || res.status === 304 || !location) return res;
      await discard(res);
      url = redirectTarget(location, url, res.status, req.what);
      if (res.status === 303) method = "GET";
    }
    throw new RegistryError(`${req.what}: more than ${MAX_REDIRECTS} redirects`, 0, redactUrl(start), false);
  }

  private async fetchOnce(url: URL, init: RequestInit, req: RegistryRequest): Promise<RegistryResponse> {
    const { fetch: fetchFn, timeouts, signal } = this.options;
    const send = (extra: RequestInit): Promise<RegistryResponse> =>
      timedFetch(fetchFn, url, { ...init, ...extra }, timeouts, req.what, signal);
    if (!req.fresh || !this.cacheModes) return send({});
    try {
      return await send({ cache: "reload" });
    } catch (err) {
      // Runtimes without an HTTP cache may refuse the field outright; then there is nothing to bypass.
      if (!(err instanceof Error) || err instanceof LayerlensError || !/cache/i.test(err.message)) throw err;
      this.cacheModes = false;
      return send({});
    }
  }
}

/**
 * A TLS handshake answered with plain HTTP fails in OpenSSL with "wrong version number"
 * (Node, Deno, Bun); retrying cannot help, and the user needs to hear what to change.
 */
function answeredPlainHttp(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 4;
    e = e.cause as typeof e, depth++
  ) {
    if (e.code === "ERR_SSL_WRONG_VERSION_NUMBER" || /wrong version number|http request to an https server/i.test(String(e.message)))
      return true;
  }
  return false;
}

function plainHttpError(what: string, url: URL, cause: unknown): RegistryError {
  const why =
    `${what}: the server answered the TLS handshake in plain HTTP, so it is an http-only registry; ` +
    "reach it with --insecure (or --tls-verify=false), plainHttp: true in the library, or insecure = true in registries.conf";
  return new RegistryError(why, 0, redactUrl(url), false, [], { cause });
}

/** A redirect's Location resolved against the URL that sent it: http(s) only. */
function redirectTarget(location: string, from: URL, status: number, what: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(location, from);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    const shown = JSON.stringify(location.length > 200 ? location.slice(0, 200) + "…" : location);
    throw new RegistryError(`${what}: redirected to ${shown}, which is not an http(s) URL`, status, redactUrl(from), false);
  }
  return url;
}

/** A RegistryError from a non-2xx answer, with the registry's `errors[]` when it sent them. */
export async function errorFrom(res: RegistryResponse, what: string, url: URL): Promise<RegistryError> {
  let diagnostics: RegistryError["diagnostics"] = [];
  try {
    diagnostics = parseErrorBody(await readPrefix(res, MAX_ERROR_BODY));
  } catch {
    // The error body broke off or went quiet: the status says enough.
  }
  return new RegistryError(what, res.status, redactUrl(url), isRetryableStatus(res.status), diagnostics);
}
