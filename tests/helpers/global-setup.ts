// Runs once before the vitest suites: the .wasm and dist/ must exist (npm test builds them).
import { existsSync } from "node:fs";

export default function setup(): void {
  for (const f of ["build/release.wasm", "build/debug.wasm", "dist/node.js"]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run 'npm run build' (npm test does it)`);
  }
}
