// Run skopeo itself (the reference tool) and give its answer; absent skopeo skips the live
// comparisons, except under CI=true where it must be installed.
import { execFileSync } from "node:child_process";
import { MUST_RUN } from "./fixtures-dir.js";

function which(bin: string): boolean {
  try {
    execFileSync(bin, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export const HAVE_SKOPEO = which("skopeo");
export const HAVE_UMOCI = which("umoci");
export const skipLive = !HAVE_SKOPEO && !MUST_RUN;
if (skipLive) console.warn("skipping live skopeo comparisons: skopeo is not installed");

export function skopeo(...args: string[]): string {
  return execFileSync("skopeo", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

export function skopeoInspect(spec: string, ...flags: string[]): Record<string, unknown> {
  return JSON.parse(skopeo("inspect", ...flags, spec));
}
