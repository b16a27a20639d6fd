// Loads the release and debug cores once per test file.
import { init } from "../../src/node.js";
import type { Core } from "../../src/wasm/core.js";

export const release: Core = await init();
export const debug: Core = await init({ debug: true });

/** A valid sha256 digest string for a small integer. */
export function digestOf(n: number): string {
  return "sha256:" + n.toString(16).padStart(64, "0");
}
