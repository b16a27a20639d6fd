// Registry authentication: anonymous, HTTP Basic, and bearer tokens from the token server a
// 401 challenge names (realm, service, scope), with a token cache keyed by realm+service+scope
// that honours expires_in. What a registry wants is learnt from its first 401 and then sent
// up front, so later requests cost one round trip.
//
// Invariants: credentials are only sent to the registry itself and to the realm its challenge
// names, never over plain http when the registry is https; a refused token is dropped from
// the cache and fetched once more, after which the 401 stands (no loops).
// Spec: https://distribution.github.io/distribution/spec/auth/token/
//       https://distribution.github.io/distribution/spec/auth/oauth/ (refresh tokens)

import { RegistryError } from "../../errors.js";
import { parseErrorBody, parseTokenAnswer } from "./answers.js";
import { discard, readCapped, readPrefix } from "./body.js";
import { type Challenge, parseChallenges, tokenRealm } from "./challenge.js";
import { type Timeouts, timedFetch } from "./deadline.js";
import { type RetryPolicy, failureOf, isRetryableStatus, isTransient, retryDelay } from "./retry.js";
import { redactUrl } from "./url.js";

export type Credentials =
  | { username: string; password: string }
  /** An OAuth2 refresh token ("identitytoken" in Docker's config.json). */
  | { identityToken: string }
  /** A bearer token to send as it is ("registrytoken" in Docker's config.json). */
  | { registryToken: string };

/** Fixed credentials, or a lookup by registry host (e.g. Docker's config.json in Node). */
export type CredentialSource = Credentials | ((registry: string) => Credentials | undefined | Promise<Credentials | undefined>);

export interface AuthenticatorOptions {
  /** Registry host[:port] as the user named it, handed to a credential lookup. */
  registry: string;
  /** Origin of the registry's API, to refuse sending secrets from https to http. */
  origin: URL;
  credentials?: CredentialSource;
  fetch: typeof fetch;
  /** Token server requests are retried like registry requests (429, 5xx, dropped connections, timeouts). */
  retry: RetryPolicy;
  /** Token server requests run under the same deadlines as registry requests. */
  timeouts: Timeouts;
  signal?: AbortSignal;
  /** Clock for token expiry (ms since epoch). */
  now: () => number;
  userAgent?: string;
}

interface CachedToken {
  value: string;
  expiresAt: number;
}

/** Tokens without expires_in live this long (distribution's token spec default). */
const DEFAULT_TOKEN_SECONDS = 60;
/** A token answer is a JWT or an opaque string in a little JSON: far below this. */
export const MAX_TOKEN_ANSWER_BYTES = 1 << 20;
const MAX_ERROR_BODY = 64 * 1024;
const WHAT = "getting a registry token";

export class Authenticator {
  /** Token server requests made so far (a cache that works keeps this low). */
  tokenRequests = 0;
  private learnt?: Challenge;
  private readonly tokens = new Map<string, CachedToken>();
  private credentials?: Promise<Credentials | undefined>;

  constructor(private readonly options: AuthenticatorOptions) {}

  /** The Authorization header for a request in `scope`, when the registry's wishes are known. */
  async header(scope: string): Promise<string | undefined> {
    const creds = await this.creds();
    if (creds && "registryToken" in creds) return `Bearer ${creds.registryToken}`;
    const learnt = this.learnt;
    if (!learnt) return undefined;
    if (learnt.scheme === "basic") return creds && "username" in creds ? basic(creds) : undefined;
    const cached = this.cached(learnt, scope);
    return cached ? `Bearer ${cached}` : `Bearer ${await this.fetchToken(learnt, scope, redactUrl(this.options.origin))}`;
  }

  /**
   * Answer a 401. `refused` is the Authorization header the registry just turned down (if any);
   * `from` the (redacted) URL that answered, for errors about its challenge.
   * Returns the header to retry with, or undefined when retrying cannot help.
   */
  async unauthorized(
    wwwAuthenticate: string | null,
    scope: string,
    refused?: string,
    from = redactUrl(this.options.origin),
  ): Promise<string | undefined> {
    const challenges = parseChallenges(wwwAuthenticate);
    const challenge = challenges.find((c) => c.scheme === "bearer" && c.params.realm) ?? challenges.find((c) => c.scheme === "basic");
    if (!challenge) return undefined;
    this.learnt = challenge;
    const creds = await this.creds();
    if (challenge.scheme === "basic") {
      if (!creds || !("username" in creds)) return undefined;
      const header = basic(creds);
      return header === refused ? undefined : header;
    }
    // The registry may ask for more than we guessed (e.g. push); its own scope wins.
    const wanted = challenge.params.scope ?? scope;
    const key = tokenKey(challenge, wanted);
    const held = this.tokens.get(key);
    this.tokens.delete(key);
    // A valid token for exactly this scope that still lacks rights: asking the same token
    // server again gives the same rights, so the 401 stands.
    if (challenge.params.error === "insufficient_scope" && held && refused === `Bearer ${held.value}`) return undefined;
    const token = await this.fetchToken(challenge, wanted, from);
    const header = `Bearer ${token}`;
    return header === refused ? undefined : header;
  }

  private cached(challenge: Challenge, scope: string): string | undefined {
    const key = tokenKey(challenge, scope);
    const hit = this.tokens.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt > this.options.now()) return hit.value;
    this.tokens.delete(key);
    return undefined;
  }

  private async fetchToken(challenge: Challenge, scope: string, from: string): Promise<string> {
    const realm = tokenRealm(challenge.params.realm, 401, from);
    const creds = await this.creds();
    const secret = creds && ("username" in creds || "identityToken" in creds);
    if (secret && realm.protocol !== "https:" && this.options.origin.protocol === "https:") {
      throw new RegistryError(`refusing to send credentials to a plain-http token server`, 0, redactUrl(realm), false);
    }
    const service = challenge.params.service;
    const scopes = scope ? scope.split(" ").filter(Boolean) : [];
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.options.userAgent) headers["User-Agent"] = this.options.userAgent;
    let init: RequestInit;
    if (creds && "identityToken" in creds) {
      // OAuth2 refresh-token grant: a POST with a form body.
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: creds.identityToken, client_id: "layerlens" });
      if (service) form.set("service", service);
      if (scopes.length) form.set("scope", scopes.join(" "));
      init = { method: "POST", headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" }, body: form.toString() };
    } else {
      if (service) realm.searchParams.set("service", service);
      for (const s of scopes) realm.searchParams.append("scope", s);
      if (creds && "username" in creds) headers.Authorization = basic(creds);
      init = { method: "GET", headers };
    }
    this.tokenRequests++;
    const at = this.options.now();
    const answer = parseTokenAnswer(await this.askTokenServer(realm, init), redactUrl(realm));
    const seconds = answer.expiresIn ?? DEFAULT_TOKEN_SECONDS;
    // Renew a little early (a tenth of the lifetime, at most 10 s) so a token does not expire in flight.
    const lifetime = seconds * 1000;
    this.tokens.set(tokenKey(challenge, scope), { value: answer.token, expiresAt: at + lifetime - Math.min(lifetime / 10, 10_000) });
    return answer.token;
  }

  /**
   * One token request and its answer read whole (capped), retried on 429/5xx, dropped
   * connections, bodies that break off and timeouts; the bytes of a 2xx or a typed error.
   */
  private async askTokenServer(realm: URL, init: RequestInit): Promise<Uint8Array> {
    const { retry, timeouts, signal } = this.options;
    const shown = redactUrl(realm);
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await timedFetch(this.options.fetch, realm, { ...init, redirect: "follow" }, timeouts, WHAT, signal);
        if (res.ok) return await readCapped(res, MAX_TOKEN_ANSWER_BYTES, WHAT, "token answer", shown);
        if (isRetryableStatus(res.status) && attempt < retry.attempts) {
          await discard(res);
          await retry.sleep(retryDelay(retry, attempt, res.headers.get("Retry-After")));
          continue;
        }
        const diagnostics = parseErrorBody(await readPrefix(res, MAX_ERROR_BODY).catch(() => new Uint8Array(0)));
        throw new RegistryError(WHAT, res.status, shown, isRetryableStatus(res.status), diagnostics);
      } catch (cause) {
        if (isTransient(cause) && attempt < retry.attempts) {
          await retry.sleep(retryDelay(retry, attempt));
          continue;
        }
        throw failureOf(cause, WHAT, shown);
      }
    }
  }

  private creds(): Promise<Credentials | undefined> {
    const source = this.options.credentials;
    this.credentials ??= Promise.resolve(typeof source === "function" ? source(this.options.registry) : source);
    return this.credentials;
  }
}

function tokenKey(challenge: Challenge, scope: string): string {
  return `${challenge.params.realm}\n${challenge.params.service ?? ""}\n${scope}`;
}

function basic(creds: { username: string; password: string }): string {
  const bytes = new TextEncoder().encode(`${creds.username}:${creds.password}`);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}
