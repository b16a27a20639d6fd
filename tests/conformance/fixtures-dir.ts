// Where the shared fixtures are, and whether a suite must skip: absent fixtures skip with a
// message, except under CI=true where they must be present (the suite then fails).
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURES = resolve(process.env.LAYERLENS_FIXTURES ?? fileURLToPath(new URL("../../../shared/fixtures", import.meta.url)));
export const HAVE_FIXTURES = existsSync(resolve(FIXTURES, "README.md"));
export const MUST_RUN = process.env.CI === "true";

/** True when the fixture suites should be skipped (and says why once). */
export function skipFixtures(): boolean {
  if (HAVE_FIXTURES || MUST_RUN) return false;
  console.warn(`skipping: shared fixtures not found at ${FIXTURES} (set LAYERLENS_FIXTURES)`);
  return true;
}

export const fixture = (...parts: string[]): string => resolve(FIXTURES, ...parts);
