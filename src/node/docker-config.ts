// Node-only: registry credentials from Docker's config.json, the file `docker login` and
// `skopeo login --authfile` write. Looked up in $DOCKER_CONFIG/config.json, else
// ~/.docker/config.json. For a registry host it answers, in Docker's order:
//   credHelpers[host] or credsStore  -> runs `docker-credential-<name> get` (host on stdin)
//   auths[host]                      -> "auth" (base64 user:password), or username/password,
//                                       "identitytoken" (OAuth2 refresh token),
//                                       "registrytoken" (a bearer token used as is)
// Keys in `auths` may be written as "host", "https://host", "http://host/v2/"; docker.io's is
// "https://index.docker.io/v1/". Kept out of the runtime-neutral path (it reads files and
// spawns processes); pass its result as the registry client's `credentials`.
// Format: https://docs.docker.com/reference/cli/docker/#docker-cli-configuration-file-configjson-properties
//         https://github.com/docker/docker-credential-helpers (helper protocol)

import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { LayerlensError } from "../errors.js";
import type { CredentialSource, Credentials } from "../sources/registry/auth.js";

export interface DockerConfigOptions {
  /** A config.json to read instead of the default location. */
  path?: string;
  /** Environment to read DOCKER_CONFIG and HOME from (default process.env). */
  env?: Record<string, string | undefined>;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** Where Docker keeps config.json for `env`. */
export function dockerConfigPath(env: Record<string, string | undefined> = process.env): string {
  const dir = env.DOCKER_CONFIG ?? path.join(env.HOME ?? homedir(), ".docker");
  return path.join(dir, "config.json");
}

/**
 * A CredentialSource reading Docker's config.json once, on first use. A missing file means
 * anonymous access; an unreadable one is an error naming the file.
 */
export function dockerConfigCredentials(options: DockerConfigOptions = {}): CredentialSource {
  const file = options.path ?? dockerConfigPath(options.env);
  let config: Promise<DockerConfig | undefined> | undefined;
  return async (registry) => {
    config ??= loadDockerConfig(file);
    const loaded = await config;
    return loaded ? credentialsFor(loaded, registry, options.env) : undefined;
  };
}

export async function loadDockerConfig(file: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new LayerlensError("DOCKER_CONFIG", `reading ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json !== "object" || json === null || Array.isArray(json)) throw new TypeError("not a JSON object");
    return json;
  } catch (err) {
    throw new LayerlensError("DOCKER_CONFIG", `reading ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** Credentials for `registry` ("host[:port]", "docker.io") from a parsed config. */
export async function credentialsFor(
  config: DockerConfig,
  registry: string,
  env?: Record<string, string | undefined>,
): Promise<Credentials | undefined> {
  const host = normalizeHost(registry);
  const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => normalizeHost(key) === host)?.[1];
  const entry = Object.entries(config.auths ?? {}).find(([key]) => normalizeHost(key) === host)?.[1];
  const store = helper ?? (entry && hasSecret(entry) ? undefined : config.credsStore);
  if (store) {
    // docker.io's helper entries are keyed by the legacy index URL.
    const server = host === "docker.io" ? "https://index.docker.io/v1/" : registry;
    const fromHelper = await runHelper(store, server, env);
    if (fromHelper) return fromHelper;
  }
  return entry ? fromEntry(entry, registry) : undefined;
}

function hasSecret(e: AuthEntry): boolean {
  return Boolean(e.auth || e.password || e.identitytoken || e.registrytoken);
}

function fromEntry(e: AuthEntry, registry: string): Credentials | undefined {
  if (e.registrytoken) return { registryToken: e.registrytoken };
  if (e.identitytoken) return { identityToken: e.identitytoken };
  if (e.auth) {
    const decoded = Buffer.from(e.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) throw new LayerlensError("DOCKER_CONFIG", `the "auth" entry for ${registry} is not base64 of user:password`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (e.username !== undefined && e.password !== undefined) return { username: e.username, password: e.password };
  return undefined;
}

/** "https://index.docker.io/v1/" -> "docker.io", "http://h:5000/v2/" -> "h:5000". */
export function normalizeHost(key: string): string {
  const host = key
    .replace(/^[a-z]+:\/\//i, "")
    .replace(/\/.*$/, "")
    .toLowerCase();
  return host === "index.docker.io" || host === "registry-1.docker.io" ? "docker.io" : host;
}

/** The credential-helper protocol: `docker-credential-NAME get`, server URL on stdin, JSON out. */
function runHelper(name: string, server: string, env?: Record<string, string | undefined>): Promise<Credentials | undefined> {
  return new Promise((resolve, reject) => {
    const child = execFile(`docker-credential-${name}`, ["get"], { env: env ?? process.env, timeout: 30_000 }, (err, stdout) => {
      // Helpers exit non-zero with "credentials not found in native keychain" for unknown hosts.
      if (err) {
        if (/not found/i.test(String(stdout)) || /not found/i.test(err.message)) return resolve(undefined);
        return reject(
          new LayerlensError("DOCKER_CONFIG", `credential helper docker-credential-${name} failed: ${err.message}`, { cause: err }),
        );
      }
      try {
        const out = JSON.parse(stdout) as { Username?: string; Secret?: string };
        if (!out.Secret) return resolve(undefined);
        // "<token>" as the user name marks an identity (refresh) token.
        resolve(out.Username === "<token>" ? { identityToken: out.Secret } : { username: out.Username ?? "", password: out.Secret });
      } catch {
        reject(new LayerlensError("DOCKER_CONFIG", `credential helper docker-credential-${name} printed something that is not JSON`));
      }
    });
    child.stdin?.end(server);
  });
}
