// Where the shared test fixtures are (OCI layouts, archives, the oracles' expected answers) and
// whether a suite that needs them runs. LAYERLENS_FIXTURES names another copy; by default they sit
// beside the repository, in ../shared/fixtures. Absent fixtures skip those suites with a message on
// a developer's machine; under CI=true the suites run anyway and fail, because a CI run that skipped
// them would claim coverage it does not have.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURES = resolve(process.env.LAYERLENS_FIXTURES ?? fileURLToPath(new URL("../../../shared/fixtures", import.meta.url)));
export const HAVE_FIXTURES = existsSync(resolve(FIXTURES, "README.md"));
export const MUST_RUN = process.env.CI === "true";
/** True when the fixture suites are skipped: fixtures absent and not in CI. */
export const SKIP_FIXTURES = !HAVE_FIXTURES && !MUST_RUN;

let warned = false;

/** SKIP_FIXTURES, saying once per test file why the suites are skipped. */
export function skipFixtures(): boolean {
  if (!SKIP_FIXTURES) return false;
  if (!warned) console.warn(`skipping: shared fixtures not found at ${FIXTURES} (set LAYERLENS_FIXTURES)`);
  warned = true;
  return true;
}

/** A path inside the fixtures. */
export const fixture = (...parts: string[]): string => resolve(FIXTURES, ...parts);
