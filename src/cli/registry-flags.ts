// The spellings users know for reaching a registry without TLS: `--insecure` (crane, docker)
// and `--tls-verify=false` (skopeo, podman, buildah). `--tls-verify` / `--tls-verify=true`
// asks for https even where plain http is the default (loopback), as skopeo's does.
// Taken out of argv before a command parses its own options, so every registry-reading verb
// spells them the same way.

import { UsageError } from "../errors.js";
import type { RegistrySourceOptions } from "../sources/registry.js";

export const REGISTRY_FLAGS_USAGE = "[--insecure | --tls-verify[=false]] [--no-cache]";

/**
 * argv without the TLS flags and `--no-cache`, the registry options they ask for, and whether
 * blobs may come from and go to the persistent blob cache (node/blob-store.ts).
 */
export function takeRegistryFlags(
  argv: readonly string[],
  command: string,
): { rest: string[]; registry: RegistrySourceOptions; blobCache: boolean } {
  const rest: string[] = [];
  let choice: "http" | "https" | undefined;
  let blobCache = true;
  const choose = (want: "http" | "https", flag: string): void => {
    if (choice && choice !== want) throw new UsageError(`${command}: ${flag} contradicts an earlier TLS flag`);
    choice = want;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === "--no-cache") blobCache = false;
    else if (arg === "--insecure") choose("http", arg);
    else if (arg === "--tls-verify" || arg === "--tls-verify=true") choose("https", arg);
    else if (arg === "--tls-verify=false") choose("http", arg);
    else if (arg.startsWith("--tls-verify=")) throw new UsageError(`${command}: --tls-verify takes true or false, got ${arg.slice(13)}`);
    else if (arg.startsWith("--insecure=")) throw new UsageError(`${command}: --insecure takes no value`);
    else rest.push(arg);
  }
  const registry: RegistrySourceOptions = choice === "http" ? { plainHttp: true } : choice === "https" ? { protocol: "https" } : {};
  return { rest, registry, blobCache };
}
