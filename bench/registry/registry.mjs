// Bench-side helpers: start Debian's docker-registry on a free loopback port (anonymous or
// htpasswd Basic auth), storage in the run's temp dir, and push the shared fixtures with
// skopeo. The tests' harness (tests/registry/harness) does the same in TypeScript; the bench
// runs plain node on the built code, so it keeps this small copy of the startup.

import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, openSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** auth: undefined | { user, password } */
export async function startRegistry(dir, auth) {
  mkdirSync(dir, { recursive: true });
  const host = `127.0.0.1:${await freePort()}`;
  let authYaml = "";
  if (auth) {
    writeFileSync(path.join(dir, "htpasswd"), execFileSync("htpasswd", ["-Bbn", auth.user, auth.password], { encoding: "utf8" }));
    authYaml = `auth:\n  htpasswd: {realm: bench, path: "${path.join(dir, "htpasswd")}"}\n`;
  }
  writeFileSync(
    path.join(dir, "config.yml"),
    `version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: "${path.join(dir, "data")}"}
  cache: {blobdescriptor: inmemory}
http: {addr: "${host}", secret: bench-only}
health: {storagedriver: {enabled: false}}
${authYaml}`,
  );
  const log = openSync(path.join(dir, "registry.log"), "a");
  const child = spawn("docker-registry", ["serve", path.join(dir, "config.yml")], { stdio: ["ignore", log, log] });
  for (let i = 0; ; i++) {
    try {
      await (await fetch(`http://${host}/v2/`)).arrayBuffer();
      break;
    } catch {
      if (i > 400 || child.exitCode !== null) throw new Error(`docker-registry did not start on ${host}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return {
    host,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", resolve);
        child.kill("SIGTERM");
      }),
  };
}

export function skopeoCopy(source, dest, creds, all = false) {
  const args = ["copy", "--quiet", "--dest-tls-verify=false", "--preserve-digests"];
  if (creds) args.push("--dest-creds", creds);
  if (all) args.push("--all");
  execFileSync("skopeo", [...args, source, `docker://${dest}`], { stdio: ["ignore", "ignore", "inherit"] });
}
