// docker://REF in Node: a RegistrySource whose credentials, unless given, come from Docker's
// config.json and credential helpers (the files `docker login` and `skopeo login` write), as
// docker and skopeo look them up. The registry source itself stays portable: it only ever sees
// the lookup function.

import { RegistrySource, type RegistrySourceOptions } from "../sources/registry.js";
import { dockerConfigCredentials } from "./docker-config.js";

/** A RegistrySource for `ref` ("host/repo:tag", "alpine", ...), Docker's credentials by default. */
export async function openRegistrySource(ref: string, options: RegistrySourceOptions = {}): Promise<RegistrySource> {
  const credentials = options.credentials ?? dockerConfigCredentials();
  return new RegistrySource(ref, { ...options, credentials });
}
