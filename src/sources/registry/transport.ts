// One registry HTTP exchange, done properly: authentication (learnt from 401 challenges),
// redirects followed by hand so Authorization never reaches another host, retries with
// backoff on 429/5xx and dropped connections, and every failure turned into a RegistryError
// carrying the status, a credential-free URL and the registry's own diagnostics.
//
// Redirects: fetch's redirect:"follow" would resend our headers to wherever Location points
// (blob storage, a CDN). With redirect:"manual" Node, Deno, Bun and workerd hand us the 3xx;
// browsers give an opaque answer instead, and there we let the browser follow (the Fetch
// standard drops Authorization on cross-origin redirects).
// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md

import { type RegistryDiagnostic, RegistryError } from "../../errors.js";
import type { Authenticator } from "./auth.js";
import { type RetryPolicy, isNetworkError, isRetryableStatus, retryDelay } from "./retry.js";
import { redactUrl } from "./url.js";

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
  userAgent?: string;
  signal?: AbortSignal;
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
  async send(req: RegistryRequest): Promise<Response> {
    const url = new URL(req.path, this.options.origin);
    const { retry } = this.options;
    let authorization = await this.options.auth.header(req.scope);
    let authRounds = 0;
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetchFollowing(url, req, authorization);
      } catch (cause) {
        if (cause instanceof RegistryError) throw cause;
        if (url.protocol === "https:" && answeredPlainHttp(cause)) throw plainHttpError(req.what, url, cause);
        if (isNetworkError(cause) && attempt < retry.attempts) {
          await retry.sleep(retryDelay(retry, attempt));
          continue;
        }
        throw new RegistryError(req.what, 0, redactUrl(url), isNetworkError(cause), [], { cause });
      }
      // A caller that accepts 401 (ping) wants to see the challenge, not have it answered.
      if (res.status === 401 && authRounds < 2 && !req.accept?.includes(401)) {
        authRounds++;
        const next = await this.options.auth.unauthorized(res.headers.get("WWW-Authenticate"), req.scope, authorization);
        if (next !== undefined) {
          await discard(res);
          authorization = next;
          attempt--; // authenticating is not a retry
          continue;
        }
      }
      if (res.ok || req.accept?.includes(res.status)) return res;
      if (isRetryableStatus(res.status) && attempt < retry.attempts) {
        await discard(res);
        await retry.sleep(retryDelay(retry, attempt, res.headers.get("Retry-After")));
        continue;
      }
      throw await errorFrom(res, req.what, url);
    }
  }

  /** fetch with manual redirects: Authorization goes only to the registry's own origin. */
  private async fetchFollowing(start: URL, req: RegistryRequest, authorization: string | undefined): Promise<Response> {
    let url = start;
    let method = req.method ?? "GET";
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers: Record<string, string> = { ...req.headers };
      if (this.options.userAgent) headers["User-Agent"] = this.options.userAgent;
      if (authorization && url.origin === this.options.origin.origin) headers.Authorization = authorization;
      this.requests++;
      const res = await this.fetchOnce(url, { method, headers, redirect: "manual", signal: this.options.signal }, req.fresh);
      if (res.type === "opaqueredirect") {
        // Browser: the Location is hidden from us; let the browser follow it.
        this.requests++;
        return this.fetchOnce(url, { method, headers, redirect: "follow", signal: this.options.signal }, req.fresh);
      }
      const location = res.headers.get("Location");
      if (res.status < 300 || res.status > 399 || res.status === 304 || !location) return res;
      await discard(res);
      url = new URL(location, url);
      if (res.status === 303) method = "GET";
    }
    throw new RegistryError(`${req.what}: more than ${MAX_REDIRECTS} redirects`, 0, redactUrl(start), false);
  }

  private async fetchOnce(url: URL, init: RequestInit, fresh?: boolean): Promise<Response> {
    if (!fresh || !this.cacheModes) return this.options.fetch(url, init);
    try {
      return await this.options.fetch(url, { ...init, cache: "reload" });
    } catch (err) {
      // Runtimes without an HTTP cache may refuse the field outright; then there is nothing to bypass.
      if (!(err instanceof Error) || !/cache/i.test(err.message)) throw err;
      this.cacheModes = false;
      return this.options.fetch(url, init);
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

/** A RegistryError from a non-2xx answer, with the registry's `errors[]` when it sent them. */
export async function errorFrom(res: Response, what: string, url: URL): Promise<RegistryError> {
  let diagnostics: RegistryDiagnostic[] = [];
  try {
    const text = await readLimited(res, MAX_ERROR_BODY);
    const body = JSON.parse(text) as { errors?: unknown };
    if (Array.isArray(body.errors)) {
      diagnostics = body.errors
        .filter(
          (e: unknown): e is Record<string, unknown> => typeof e === "object" && e !== null && "code" in e && typeof e.code === "string",
        )
        .map((e) => ({ code: e.code as string, message: typeof e.message === "string" ? e.message : undefined, detail: e.detail }));
    }
  } catch {
    // Not JSON (e.g. "404 page not found"): the status says enough.
  }
  return new RegistryError(what, res.status, redactUrl(url), isRetryableStatus(res.status), diagnostics);
}

/** Throw the body away so the connection can be reused. */
export async function discard(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // Already broken: nothing to free.
  }
}

async function readLimited(res: Response, limit: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  while (length < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
  }
  await reader.cancel().catch(() => {});
  const all = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all.subarray(0, limit));
}
