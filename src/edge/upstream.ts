// The registry side of one request: a RegistrySource or RegistryClient for the image the caller
// named, reached only through the policy (guarded fetch), with the caller's own credentials if
// the request carried any (the service never lends its own), under the service's deadlines.
// Anonymous requests share one registry cache; a caller with credentials gets none, so what
// their rights let them read is never answered to someone else from memory.

import { UsageError } from "../errors.js";
import { parseReference, type Reference } from "../oci/reference.js";
import {
  RegistryClient,
  RegistrySource,
  type Credentials,
  type RegistryCache,
  type RetryOptions,
  type TimeoutOptions,
} from "../sources/registry.js";
import { guardedFetch } from "./guarded-fetch.js";
import type { UpstreamPolicy } from "./policy.js";

export interface UpstreamOptions {
  policy: UpstreamPolicy;
  /** The fetch under the guard (default globalThis.fetch). */
  fetch?: typeof fetch;
  timeouts?: TimeoutOptions;
  /** Retries of dropped or failed upstream requests (the registry client's defaults). */
  retry?: RetryOptions;
  /** Registries (host[:port]) spoken to over plain http. */
  insecure?: readonly string[];
  /** The registry cache anonymous requests share (undefined: none). */
  cache?: RegistryCache;
}

/** Credentials in the request's Authorization header: Basic user:password, or a Bearer token. */
export function callerCredentials(req: Request): Credentials | undefined {
  const header = req.headers.get("Authorization");
  if (!header) return undefined;
  const [scheme, value = ""] = header.split(/\s+/, 2);
  if (/^basic$/i.test(scheme)) {
    let decoded: string;
    try {
      decoded = atob(value);
    } catch {
      throw new UsageError("Authorization: Basic credentials are not base64");
    }
    const colon = decoded.indexOf(":");
    if (colon < 0) throw new UsageError("Authorization: Basic credentials are not user:password");
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (/^bearer$/i.test(scheme) && value) return { registryToken: value };
  throw new UsageError(`Authorization: scheme ${JSON.stringify(scheme)} is not Basic or Bearer`);
}

export class Upstream {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: UpstreamOptions) {
    this.fetch = guardedFetch(options.policy, options.fetch);
  }

  /** The reference `ref` names, its registry checked against the allowlist. */
  reference(ref: string): Reference {
    const reference = parseReference(ref.startsWith("docker://") ? ref.slice("docker://".length) : ref);
    this.options.policy.checkRegistry(reference.registry);
    return reference;
  }

  source(reference: Reference, credentials: Credentials | undefined): RegistrySource {
    return new RegistrySource(reference, {
      ...this.clientOptions(reference.registry, credentials),
      cache: credentials ? false : (this.options.cache ?? false),
    });
  }

  client(registry: string, credentials: Credentials | undefined): RegistryClient {
    this.options.policy.checkRegistry(registry);
    return new RegistryClient({ registry, ...this.clientOptions(registry, credentials) });
  }

  private clientOptions(registry: string, credentials: Credentials | undefined) {
    const plainHttp = this.options.insecure?.some((r) => r.toLowerCase() === registry.toLowerCase()) || undefined;
    return {
      fetch: this.fetch,
      credentials,
      timeouts: this.options.timeouts,
      retry: this.options.retry,
      ...(plainHttp ? { plainHttp } : {}),
    };
  }
}
