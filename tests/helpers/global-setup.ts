// Runs once before the vitest suites: the .wasm and dist/ must exist (npm test builds them).
// The CLI keeps registry blobs in a persistent cache ($LAYERLENS_CACHE); suites that do not
// choose their own get one temporary directory for the run, never the user's own cache.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  for (const f of ["build/release.wasm", "build/debug.wasm", "dist/node.js"]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run 'npm run build' (npm test does it)`);
  }
  if (process.env.LAYERLENS_CACHE) return () => {};
  const dir = mkdtempSync(join(tmpdir(), "layerlens-test-cache-"));
  process.env.LAYERLENS_CACHE = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
