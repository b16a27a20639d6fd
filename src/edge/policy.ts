// Where the service may connect on a caller's behalf. Two rules, checked on every outbound URL
// (the registry, its token realm, every redirect hop):
//   1. the image's registry must be on the allowlist (default: the common public registries);
//      realms and blob storage the registry sends us to need not be, but rule 2 still holds;
//   2. no address outside the public internet (address.ts) unless named in `allowPrivate`:
//      an IP literal is judged as written, a DNS name by every address it resolves to (when the
//      host gives a resolver; workerd has none and enforces the same with its network allow list).
// A refusal is a ForbiddenError naming the URL without credentials.

import { ForbiddenError } from "../errors.js";
import { redactUrl } from "../sources/registry/url.js";
import { addressKind } from "./address.js";

/** Registries a service reaches when not told otherwise. "*." entries match any subdomain. */
export const DEFAULT_ALLOWED_REGISTRIES: readonly string[] = [
  "docker.io",
  "registry-1.docker.io",
  "ghcr.io",
  "quay.io",
  "gcr.io",
  "*.gcr.io",
  "*.pkg.dev",
  "registry.k8s.io",
  "public.ecr.aws",
  "mcr.microsoft.com",
  "registry.gitlab.com",
  "nvcr.io",
  "docker.elastic.co",
];

export interface UpstreamPolicyOptions {
  /** Registries (host or host:port, "*.domain" for subdomains) images may come from. */
  allow?: readonly string[];
  /** Hosts (host or host:port) that may be reached although they are not public addresses. */
  allowPrivate?: readonly string[];
  /** Every address a DNS name resolves to; without it, names are not resolved here. */
  resolve?: (hostname: string) => Promise<string[]>;
}

function hostMatches(pattern: string, host: string, hostPort: string): boolean {
  const p = pattern.toLowerCase();
  if (p.startsWith("*.")) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
  return p === host || p === hostPort;
}

export class UpstreamPolicy {
  readonly allow: readonly string[];
  readonly allowPrivate: readonly string[];
  private readonly resolve?: (hostname: string) => Promise<string[]>;

  constructor(options: UpstreamPolicyOptions = {}) {
    this.allow = [...(options.allow ?? DEFAULT_ALLOWED_REGISTRIES)];
    this.allowPrivate = [...(options.allowPrivate ?? [])];
    this.resolve = options.resolve;
  }

  /** Refuse a registry (as written in a reference: host[:port]) that is not on the allowlist. */
  checkRegistry(registry: string): void {
    const hostPort = registry.toLowerCase();
    const host = hostPort.startsWith("[") ? hostPort.slice(0, hostPort.indexOf("]") + 1) : hostPort.replace(/:\d+$/, "");
    if (this.allow.some((p) => hostMatches(p, host, hostPort))) return;
    throw new ForbiddenError(`registry ${registry} is not on this service's allowlist`, registry);
  }

  /** Whether `host` (with `port`, "" for the scheme's default) was named as reachable though not public. */
  allowsPrivate(host: string, port: string): boolean {
    const h = host.toLowerCase();
    return this.allowPrivate.some((p) => hostMatches(p, h, port ? `${h}:${port}` : h));
  }

  /** Refuse a URL the service must not connect to; resolves when it may. */
  async checkUrl(input: URL | string): Promise<void> {
    const url = typeof input === "string" ? new URL(input) : input;
    const shown = redactUrl(url);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new ForbiddenError(`${shown}: only http(s) is reached`, shown);
    const host = url.hostname.toLowerCase();
    if (this.allowsPrivate(host, url.port)) return;
    const literal = addressKind(host);
    if (literal !== undefined) {
      if (literal !== "public") throw new ForbiddenError(`${shown}: ${host} is a ${literal} address`, shown);
      return;
    }
    // "localhost" names loopback whatever a resolver says (RFC 6761).
    if (host === "localhost" || host.endsWith(".localhost")) throw new ForbiddenError(`${shown}: ${host} is a loopback name`, shown);
    if (!this.resolve) return;
    let addresses: string[];
    try {
      addresses = await this.resolve(host);
    } catch {
      return; // an unresolvable name cannot be connected to either; fetch reports it
    }
    for (const a of addresses) {
      const kind = addressKind(a);
      if (kind !== undefined && kind !== "public") throw new ForbiddenError(`${shown}: ${host} resolves to ${a}, a ${kind} address`, shown);
    }
  }
}
