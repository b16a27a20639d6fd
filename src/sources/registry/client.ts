// A registry client over fetch (Node, browsers, workers alike): ping, manifests with the full
// Accept list, blobs (whole, ranged, resumed), tag and catalog listings with Link pagination,
// and referrers with the tag-schema fallback. Every manifest is checked against the digest
// asked for, or against Docker-Content-Digest for a tag, and capped at 4 MiB; whole blobs
// read through blob() are verified, and retried once when their bytes come back corrupted.
// Every request runs under the deadlines of deadline.ts, every body read whole is capped and
// re-asked when it breaks off, and every answer is parsed as untrusted input (answers.ts).
// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md

import { CapacityError, DigestMismatchError, InvalidReferenceError, RegistryError, SizeMismatchError } from "../../errors.js";
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from "../../oci/media-types.js";
import type { Descriptor } from "../../oci/types.js";
import { DigestCheck, type HasherOverrides } from "../../oci/blob.js";
import { checkDigestString } from "../../oci/digest.js";
import { type Sha256Factory, createSha256 } from "../../hash/hasher.js";
import type { ByteRange } from "../source.js";
import { contentDigest, ownMediaType, parseListPage, parseReferrersIndex } from "./answers.js";
import { Authenticator, type CredentialSource } from "./auth.js";
import { concat } from "./body.js";
import { resumableBlobStream } from "./blob-stream.js";
import { type RegistryResponse, type TimeoutOptions, resolveTimeouts } from "./deadline.js";
import { nextPageUrl } from "./link.js";
import { type RetryOptions, retryPolicy, type RetryPolicy } from "./retry.js";
import { type RegistryRequest, Transport, type WholeAnswer, discard } from "./transport.js";
import { redactUrl } from "./url.js";

/** The OCI 1.1-rc artifact manifest: withdrawn from the spec, still served by some registries. */
export const OCI_ARTIFACT_MANIFEST = "application/vnd.oci.artifact.manifest.v1+json";

/**
 * Every manifest type we can read, in one Accept header. Registries answer 404 for an OCI
 * manifest not listed here, and convert a Docker one to schema 1 when Accept is missing.
 */
export const MANIFEST_ACCEPT_HEADER = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST, OCI_ARTIFACT_MANIFEST].join(", ");

/** distribution-spec: registries and clients should refuse manifests over 4 MiB. */
export const MAX_MANIFEST_BYTES = 4 << 20;
/** Pages one listing (tags, catalog) may follow; Docker Hub's largest repositories list a few hundred. */
export const MAX_LIST_PAGES = 10_000;
/** Names one listing may add up to. */
export const MAX_LIST_ENTRIES = 1_000_000;

export interface RegistryClientOptions {
  /** "host[:port]" as in a reference; docker.io is reached at registry-1.docker.io. */
  registry: string;
  /** Default https, except for loopback hosts (localhost, 127.x, [::1]) which default to http. */
  protocol?: "https" | "http";
  /**
   * Speak plain http to this registry (skopeo's --tls-verify=false, registries.conf
   * `insecure = true`); an explicit `protocol` wins over it.
   */
  plainHttp?: boolean;
  /** Whether loopback hosts default to plain http (default true, as docker treats 127.0.0.0/8). */
  loopbackHttp?: boolean;
  credentials?: CredentialSource;
  /** The fetch to use (default globalThis.fetch). */
  fetch?: typeof fetch;
  /** sha256 to verify with (default: the runtime's registered one). */
  sha256?: Sha256Factory;
  retry?: RetryOptions;
  /**
   * Deadlines for every registry and token request (defaults 30 s each): the connect and
   * first-byte budgets together bound the wait for response headers, idleMs each quiet spell
   * of a body. A request that runs out is retried like a dropped one, then ends in TimeoutError.
   */
  timeouts?: TimeoutOptions;
  /** Manifest size cap in bytes (default 4 MiB). */
  maxManifestBytes?: number;
  /** Clock for token expiry (default Date.now). */
  now?: () => number;
  userAgent?: string;
  signal?: AbortSignal;
}

export interface ManifestResult {
  /** The raw bytes, verified against `descriptor.digest`. */
  bytes: Uint8Array;
  /** mediaType (Content-Type, else the document's own), digest and size of the bytes. */
  descriptor: Descriptor;
}

export interface PingResult {
  status: number;
  /** Docker-Distribution-Api-Version, e.g. "registry/2.0". */
  apiVersion?: string;
  /** The auth scheme a 401 asked for ("bearer", "basic"), if any. */
  authScheme?: string;
}

export interface ReferrersResult {
  descriptors: Descriptor[];
  /** "api": GET /v2/<name>/referrers/<digest>; "tag": the sha256-<hex> tag fallback. */
  via: "api" | "tag";
}

export class RegistryClient {
  readonly registry: string;
  readonly origin: URL;
  readonly auth: Authenticator;
  readonly transport: Transport;
  /** Blob downloads resumed with Range after a dropped connection. */
  resumes = 0;
  private readonly retry: RetryPolicy;
  private readonly hashers: HasherOverrides;
  private readonly maxManifestBytes: number;

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    this.origin = registryOrigin(options.registry, options.protocol ?? (options.plainHttp ? "http" : undefined), options.loopbackHttp);
    const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.retry = retryPolicy(options.retry);
    const timeouts = resolveTimeouts(options.timeouts);
    this.hashers = { sha256: options.sha256 ?? createSha256 };
    this.maxManifestBytes = options.maxManifestBytes ?? MAX_MANIFEST_BYTES;
    this.auth = new Authenticator({
      registry: options.registry,
      origin: this.origin,
      credentials: options.credentials,
      fetch: fetchFn,
      retry: this.retry,
      timeouts,
      signal: options.signal,
      now: options.now ?? Date.now,
      userAgent: options.userAgent,
    });
    this.transport = new Transport({
      origin: this.origin,
      fetch: fetchFn,
      auth: this.auth,
      retry: this.retry,
      timeouts,
      userAgent: options.userAgent,
      signal: options.signal,
    });
  }

  /** GET /v2/: is this a registry, and what auth does it want? Never throws for 401. */
  async ping(): Promise<PingResult> {
    const res = await this.transport.send({ path: "/v2/", scope: "", what: "pinging the registry", accept: [401] });
    await discard(res);
    const challenge = res.headers.get("WWW-Authenticate");
    return {
      status: res.status,
      apiVersion: res.headers.get("Docker-Distribution-Api-Version") ?? undefined,
      authScheme: challenge ? challenge.trim().split(/\s/)[0].toLowerCase() : undefined,
    };
  }

  /** HEAD a manifest: its descriptor without the body (digest from Docker-Content-Digest). */
  async headManifest(repository: string, reference: string): Promise<Descriptor> {
    const what = `checking manifest ${repository}:${reference}`;
    const res = await this.send(repository, {
      method: "HEAD",
      path: manifestPath(repository, reference),
      headers: { Accept: MANIFEST_ACCEPT_HEADER },
      what,
    });
    await discard(res);
    const url = answerUrl(res, this.origin);
    if (namesDigest(reference)) checkDigestString(reference);
    const digest = contentDigest(res.headers, what, res.status, url) ?? (namesDigest(reference) ? reference : undefined);
    const length = res.headers.get("Content-Length");
    const size = length !== null && /^\d+$/.test(length.trim()) ? Number(length) : NaN;
    if (!digest || !Number.isSafeInteger(size)) {
      throw new RegistryError(`${what}: no Docker-Content-Digest or Content-Length in the answer`, res.status, url, false);
    }
    return { mediaType: mediaTypeOf(res) ?? "", digest, size };
  }

  /**
   * GET a manifest or index by tag or digest, verified: by digest against that digest, by tag
   * against Docker-Content-Digest when the registry sends it. Corrupted bytes are fetched once
   * more before DigestMismatchError is raised.
   */
  async manifest(repository: string, reference: string): Promise<ManifestResult> {
    const byDigest = namesDigest(reference);
    const what = `manifest ${repository}${byDigest ? "@" : ":"}${reference}`;
    if (byDigest) checkDigestString(reference);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.manifestOnce(repository, reference, byDigest, what, attempt > 1);
      } catch (err) {
        if (!(err instanceof DigestMismatchError) || attempt >= 2) throw err;
      }
    }
  }

  private async manifestOnce(
    repository: string,
    reference: string,
    byDigest: boolean,
    what: string,
    fresh: boolean,
  ): Promise<ManifestResult> {
    const { res, bytes } = await this.read(repository, this.maxManifestBytes, "manifest", {
      path: manifestPath(repository, reference),
      headers: { Accept: MANIFEST_ACCEPT_HEADER },
      what,
      fresh,
    });
    // By digest: that digest. By tag: the registry's Docker-Content-Digest, by its algorithm;
    // without one there is nothing to compare with, and the sha256 names the bytes.
    const told = contentDigest(res.headers, what, res.status, answerUrl(res, this.origin));
    const check = new DigestCheck(what, byDigest ? reference : told, { hashers: this.hashers });
    check.update(bytes);
    const actual = check.finish();
    return { bytes, descriptor: { mediaType: mediaTypeOf(res) ?? ownMediaType(bytes, what), digest: actual, size: bytes.length } };
  }

  /**
   * A blob as a stream that resumes after dropped connections. A whole-blob read is verified
   * (the stream errors instead of closing on a mismatch) unless `verify` is false.
   */
  async openBlob(
    repository: string,
    desc: Descriptor,
    range?: ByteRange,
    options: { verify?: boolean; fresh?: boolean } = {},
  ): Promise<ReadableStream<Uint8Array>> {
    const what = `blob ${desc.digest} in ${repository}`;
    checkDigestString(desc.digest);
    const start = range?.start ?? 0;
    const end = range?.end;
    if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
      throw new RangeError(`${what}: bad byte range ${JSON.stringify(range)}`);
    }
    const size = Number.isSafeInteger(desc.size) && desc.size >= 0 ? desc.size : undefined;
    const stop = end ?? size;
    const open = (from: number): Promise<RegistryResponse> => {
      const headers: Record<string, string> = {};
      // A Range only when it is needed: a plain GET keeps caches and redirects simple.
      if (from > 0 || end !== undefined) headers.Range = `bytes=${from}-${stop !== undefined ? stop - 1 : ""}`;
      return this.send(repository, {
        path: `/v2/${repository}/blobs/${desc.digest}`,
        headers,
        what: `reading ${what}`,
        fresh: options.fresh,
      });
    };
    if (stop !== undefined && start >= stop) return new ReadableStream({ start: (c) => c.close() });
    const first = await open(start);
    let pending: RegistryResponse | undefined = first;
    return resumableBlobStream({
      what,
      url: redactUrl(new URL(`/v2/${repository}/blobs/${desc.digest}`, this.origin)),
      start,
      end,
      size,
      hashers: this.hashers,
      retry: this.retry,
      digest: options.verify === false ? undefined : desc.digest,
      open: (from) => {
        // The first response was fetched eagerly so HTTP errors surface from openBlob() itself.
        const r = pending;
        pending = undefined;
        return r && from === start ? Promise.resolve(r) : open(from);
      },
      onResume: () => {
        this.resumes++;
      },
    });
  }

  /** A whole blob in memory, verified (size and digest); corrupted bytes are fetched once more. */
  async blob(repository: string, desc: Descriptor): Promise<Uint8Array> {
    for (let attempt = 1; ; attempt++) {
      try {
        const stream = await this.openBlob(repository, desc, undefined, { fresh: attempt > 1 });
        return await collect(stream);
      } catch (err) {
        const corrupted = err instanceof DigestMismatchError || err instanceof SizeMismatchError;
        if (!corrupted || attempt >= 2) throw err;
      }
    }
  }

  /** Every tag of a repository, following Link pagination. */
  async tags(repository: string, options: { pageSize?: number } = {}): Promise<string[]> {
    const query = options.pageSize ? `?n=${options.pageSize}` : "";
    return this.paginate(repository, `/v2/${repository}/tags/list${query}`, `listing tags of ${repository}`, "tags");
  }

  /** Every repository the registry lists (/v2/_catalog), following Link pagination. */
  async catalog(options: { pageSize?: number } = {}): Promise<string[]> {
    const query = options.pageSize ? `?n=${options.pageSize}` : "";
    return this.paginate(undefined, `/v2/_catalog${query}`, "listing the catalog", "repositories");
  }

  /**
   * Manifests whose `subject` is `subject`: the referrers API when the registry has it, else
   * the tag schema (an index tagged "sha256-<hex>"). `artifactType` filters either answer.
   */
  async referrers(repository: string, subject: string, options: { artifactType?: string } = {}): Promise<ReferrersResult> {
    checkDigestString(subject);
    const what = `referrers of ${subject} in ${repository}`;
    const filter = options.artifactType;
    const query = filter ? `?artifactType=${encodeURIComponent(filter)}` : "";
    // 404 (and 405 from some proxies) means "no referrers API": fall back to the tag schema.
    const { res, bytes } = await this.read(repository, this.maxManifestBytes, "referrers index", {
      path: `/v2/${repository}/referrers/${subject}${query}`,
      headers: { Accept: OCI_INDEX },
      what: `listing ${what}`,
      accept: [404, 405],
    });
    if (res.ok) {
      const index = parseReferrersIndex(bytes, `${what} (${answerUrl(res, this.origin)})`);
      const applied = (res.headers.get("OCI-Filters-Applied") ?? "").split(",").map((s) => s.trim());
      return {
        via: "api",
        descriptors: filter && !applied.includes("artifactType") ? index.filter((d) => d.artifactType === filter) : index,
      };
    }
    const tag = subject.replace(":", "-").slice(0, 128);
    let found: ManifestResult;
    try {
      found = await this.manifest(repository, tag);
    } catch (err) {
      if (err instanceof RegistryError && err.status === 404) return { via: "tag", descriptors: [] };
      throw err;
    }
    const index = parseReferrersIndex(found.bytes, `${what} (tag ${tag})`);
    return { via: "tag", descriptors: filter ? index.filter((d) => d.artifactType === filter) : index };
  }

  /**
   * The registry's answer to GET (or HEAD) of a blob, its body unread and unverified, with the
   * caller's Range header passed on as it is: for a proxy, which hands the status, the length
   * headers and the bytes on to its own client and verifies whole reads as they pass.
   */
  blobResponse(repository: string, digest: string, options: { head?: boolean; range?: string } = {}): Promise<RegistryResponse> {
    checkDigestString(digest);
    return this.send(repository, {
      method: options.head ? "HEAD" : "GET",
      path: `/v2/${repository}/blobs/${digest}`,
      headers: options.range ? { Range: options.range } : {},
      what: `reading blob ${digest} in ${repository}`,
    });
  }

  private send(repository: string | undefined, req: Omit<RegistryRequest, "scope">): Promise<RegistryResponse> {
    return this.transport.send({ ...req, scope: scopeOf(repository) });
  }

  private read(repository: string | undefined, cap: number, limit: string, req: Omit<RegistryRequest, "scope">): Promise<WholeAnswer> {
    return this.transport.read({ ...req, scope: scopeOf(repository) }, cap, limit);
  }

  private async paginate(repository: string | undefined, first: string, what: string, field: "tags" | "repositories"): Promise<string[]> {
    const out: string[] = [];
    const seen = new Set<string>();
    for (let page: URL | undefined = new URL(first, this.origin); page;) {
      // A Link back to a page already read would loop for ever.
      if (seen.has(page.href))
        throw new RegistryError(`${what}: pagination loops back to ${page.pathname}${page.search}`, 200, redactUrl(page), false);
      // So would Links that never repeat (a relative path that grows by a segment each page):
      // the pages and the names they add up to are capped like any other answer.
      if (seen.size >= MAX_LIST_PAGES) throw new CapacityError(`${what}: more than ${MAX_LIST_PAGES} pages (at ${redactUrl(page)})`);
      if (out.length > MAX_LIST_ENTRIES) throw new CapacityError(`${what}: more than ${MAX_LIST_ENTRIES} names (at ${redactUrl(page)})`);
      seen.add(page.href);
      const { res, bytes } = await this.read(repository, this.maxManifestBytes, "listing page", {
        path: page.href,
        headers: { Accept: "application/json" },
        what,
      });
      out.push(...parseListPage(bytes, `${what} (${redactUrl(page)})`, field));
      page = nextPageUrl(res.headers.get("Link"), page, what, res.status);
    }
    return out;
  }
}

/**
 * The API origin of a registry name: "host[:port]" and nothing else (no scheme, path,
 * user or spaces), else InvalidReferenceError.
 */
export function registryOrigin(registry: string, protocol?: "https" | "http", loopbackHttp = true): URL {
  if (typeof registry !== "string") throw new InvalidReferenceError(String(registry), "a registry is a host[:port] string");
  const host = registry === "docker.io" ? "registry-1.docker.io" : registry;
  const hostname = host.replace(/:\d+$/, "");
  const loopback = loopbackHttp && (hostname === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === "[::1]");
  let url: URL | undefined;
  try {
    url = HOST_PORT.test(host) ? new URL(`${protocol ?? (loopback ? "http" : "https")}://${host}`) : undefined;
  } catch {
    url = undefined;
  }
  if (!url) {
    throw new InvalidReferenceError(registry, "a registry is host[:port] (a DNS name, IPv4 or [IPv6] address, and a port)");
  }
  return url;
}

// RFC 3986 reg-name / IPv4 / bracketed IPv6, then an optional port: what a reference's
// registry part may be. The URL parser then has the last word.
const HOST_PORT =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function scopeOf(repository: string | undefined): string {
  return repository ? `repository:${repository}:pull` : "registry:catalog:*";
}

/** The URL that answered, without credentials (the origin when fetch does not say). */
function answerUrl(res: RegistryResponse, origin: URL): string {
  return redactUrl(res.url || origin);
}

function manifestPath(repository: string, reference: string): string {
  return `/v2/${repository}/manifests/${reference}`;
}

/**
 * A manifest reference names a digest when it has a colon, which a tag cannot hold
 * ([\w][\w.-]{0,127}); whether it is a digest we can verify is then for checkDigestString.
 */
function namesDigest(reference: string): boolean {
  return reference.includes(":");
}

function mediaTypeOf(res: RegistryResponse): string | undefined {
  const type = res.headers.get("Content-Type")?.split(";")[0]?.trim();
  // Registries answer JSON or octet-stream when they do not know the manifest's type.
  return type && type !== "application/json" && type !== "application/octet-stream" && type !== "text/plain" ? type : undefined;
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const c of stream as unknown as AsyncIterable<Uint8Array>) {
    chunks.push(c);
    length += c.length;
  }
  return concat(chunks, length);
}
