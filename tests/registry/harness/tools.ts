// What the registry tests need from the machine, and the rule for when it is missing:
// skip with a message on a developer machine, FAIL under CI=true (a CI run that silently
// skips the registry tests would claim coverage it does not have).

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FIXTURES } from "../../helpers/fixtures.js";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export { FIXTURES } from "../../helpers/fixtures.js";

const NEEDED = ["docker-registry", "skopeo", "htpasswd"];

/** Why the registry tests cannot run here, or undefined when they can. */
export function missing(): string | undefined {
  const absent = NEEDED.filter((tool) => {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
      return false;
    } catch {
      return true;
    }
  });
  if (absent.length) return `missing tools: ${absent.join(", ")} (Debian: apt-get install -y docker-registry skopeo apache2-utils)`;
  if (!existsSync(path.join(FIXTURES, "layout", "index.json"))) return `fixtures not found at ${FIXTURES}`;
  return undefined;
}

/**
 * True when the suite should run. Under CI=true a missing tool throws, failing the file;
 * elsewhere the suite is skipped with the reason printed.
 */
export function canRun(suite: string): boolean {
  const why = missing();
  if (!why) return true;
  if (process.env.CI === "true") throw new Error(`${suite}: ${why}; CI must run these tests, not skip them`);
  console.warn(`skipping ${suite}: ${why}`);
  return false;
}

/** A TCP port free on `host` right now. */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
