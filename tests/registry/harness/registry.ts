// Starts a real Debian docker-registry (distribution 2.8) on a free 127.0.0.1 port with its
// storage in a fresh temp dir, in one of three auth modes, and stops it by PID.
//   anonymous  no auth section
//   basic      htpasswd file made with `htpasswd -Bbn` (bcrypt, what distribution requires)
//   token      auth: token, verifying JWTs from a TokenIssuer the test runs in-process
// Optional: the `redirect` storage middleware, which answers blob GETs with a 307 to
// `redirectBase` + the blob's storage path (what S3/CDN-backed registries do).
// Recipe: ../shared/recipes/registry-auth.md

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TokenIssuer } from "./token-issuer.js";
import { freePort } from "./tools.js";

export type RegistryAuth =
  | { mode: "anonymous" }
  | { mode: "basic"; users: Record<string, string> }
  /** realm: where the registry sends clients for tokens (default the issuer; e.g. a proxy in front of it). */
  | { mode: "token"; issuer: TokenIssuer; realm?: string };

export interface RegistryOptions {
  auth?: RegistryAuth;
  /** Base URL the redirect middleware sends blob GETs to. */
  redirectBase?: string;
  /** Answer with CORS headers so a page on another origin may read (recipe: one comma-joined string each). */
  cors?: boolean;
}

export interface RunningRegistry {
  /** "127.0.0.1:PORT" */
  host: string;
  url: string;
  dir: string;
  /** Blob storage root (what a redirect target serves). */
  dataDir: string;
  log(): string;
  stop(): Promise<void>;
}

export async function startRegistry(options: RegistryOptions = {}): Promise<RunningRegistry> {
  const dir = mkdtempSync(path.join(tmpdir(), "layerlens-registry-"));
  const dataDir = path.join(dir, "data");
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const auth = options.auth ?? { mode: "anonymous" };
  let authYaml = "";
  if (auth.mode === "basic") {
    const lines = Object.entries(auth.users).map(([u, p]) => execFileSync("htpasswd", ["-Bbn", u, p], { encoding: "utf8" }).trim());
    writeFileSync(path.join(dir, "htpasswd"), lines.join("\n") + "\n");
    authYaml = `auth:\n  htpasswd: {realm: test-realm, path: "${path.join(dir, "htpasswd")}"}\n`;
  } else if (auth.mode === "token") {
    writeFileSync(path.join(dir, "issuer.crt"), auth.issuer.key.certPem);
    authYaml = [
      "auth:",
      "  token:",
      `    realm: "${auth.realm ?? auth.issuer.realm}"`,
      `    service: ${auth.issuer.service}`,
      `    issuer: ${auth.issuer.issuer}`,
      `    rootcertbundle: "${path.join(dir, "issuer.crt")}"`,
      "",
    ].join("\n");
  }
  const middleware = options.redirectBase
    ? `middleware:\n  storage:\n    - name: redirect\n      options: {baseurl: "${options.redirectBase}"}\n`
    : "";
  const cors = options.cors
    ? `  headers:
    Access-Control-Allow-Origin: ["*"]
    Access-Control-Allow-Methods: ["HEAD, GET, OPTIONS"]
    Access-Control-Allow-Headers: ["Authorization, Accept, Range"]
    Access-Control-Expose-Headers: ["Docker-Content-Digest, Docker-Distribution-Api-Version, WWW-Authenticate, Location, Content-Range, Content-Length, Link"]
`
    : "";
  const config = `version: 0.1
log: {level: info, formatter: text, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: "${dataDir}"}
  delete: {enabled: true}
  cache: {blobdescriptor: inmemory}
http:
  addr: "${host}"
  secret: test-only-secret
${cors}health: {storagedriver: {enabled: false}}
${authYaml}${middleware}`;
  const configPath = path.join(dir, "config.yml");
  writeFileSync(configPath, config);
  const logPath = path.join(dir, "registry.log");
  const { openSync } = await import("node:fs");
  const out = openSync(logPath, "a");
  const child: ChildProcess = spawn("docker-registry", ["serve", configPath], { stdio: ["ignore", out, out] });
  // Set by the exit listener; the cast keeps tsc from narrowing it to null for the loop below.
  let exited = null as number | null;
  child.on("exit", (code) => {
    exited = code ?? -1;
  });
  const log = (): string => readFileSync(logPath, "utf8");
  for (let i = 0; ; i++) {
    if (exited !== null) throw new Error(`docker-registry exited with ${exited}:\n${log()}`);
    try {
      const res = await fetch(`http://${host}/v2/`);
      await res.arrayBuffer();
      break;
    } catch {
      if (i > 400) throw new Error(`docker-registry did not answer on ${host}:\n${log()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return {
    host,
    url: `http://${host}`,
    dir,
    dataDir,
    log,
    async stop() {
      if (exited === null) {
        const gone = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
