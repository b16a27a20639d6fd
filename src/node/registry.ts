// docker://REF in Node: a RegistrySource whose credentials, unless given, come from Docker's
// config.json and credential helpers (the files `docker login` and `skopeo login` write), and
// whose plain-http setting, unless given, comes from registries.conf (`insecure = true`, the
// files skopeo reads). The registry source itself stays portable: it only ever sees the
// lookup function and the flag.

import { parseReference } from "../oci/reference.js";
import { RegistryClient, RegistrySource, type RegistrySourceOptions } from "../sources/registry.js";
import { dockerConfigCredentials } from "./docker-config.js";
import { isInsecure, loadInsecureRules } from "./registries-conf.js";

/** Options for `registry/repository` with Node's defaults filled in (credentials, registries.conf). */
export function nodeRegistryOptions(registry: string, repository: string, options: RegistrySourceOptions = {}): RegistrySourceOptions {
  const credentials = options.credentials ?? dockerConfigCredentials();
  // An explicit choice (a flag, a protocol) wins; registries.conf is only read without one.
  const plainHttp =
    options.plainHttp ?? (options.protocol ? undefined : isInsecure(loadInsecureRules(), registry, repository) === true || undefined);
  return { ...options, credentials, ...(plainHttp !== undefined ? { plainHttp } : {}) };
}

/** A RegistrySource for `ref` ("host/repo:tag", "alpine", ...), Docker's credentials by default. */
export async function openRegistrySource(ref: string, options: RegistrySourceOptions = {}): Promise<RegistrySource> {
  const reference = parseReference(ref);
  return new RegistrySource(reference, nodeRegistryOptions(reference.registry, reference.repository, options));
}

/** A RegistryClient for a repository (tag listing), with the same defaults as openRegistrySource. */
export function openRegistryClient(registry: string, repository: string, options: RegistrySourceOptions = {}): RegistryClient {
  return new RegistryClient({ ...nodeRegistryOptions(registry, repository, options), registry });
}
