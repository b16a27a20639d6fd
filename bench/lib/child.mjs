// Runs one benchmark row in a fresh Node process, so no row inherits another's JIT state,
// heap or hidden classes. The child prints exactly one JSON line prefixed with RESULT_TAG
// on stdout (anything else it prints is passed through as progress); a child that exits
// non-zero, or prints no result, fails the row loudly.

import { spawn } from "node:child_process";

export const RESULT_TAG = "@@bench-result ";

// Children still running when the orchestrator is interrupted are ended with it.
const running = new Set();
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    for (const child of running) child.kill("SIGTERM");
    process.exit(130);
  });
}

/**
 * Run `script` with `args` (an object, passed as one JSON argument) under `nodeFlags`.
 * Resolves to the object the child reported with reportResult().
 */
export function runChild(script, args, { nodeFlags = [], label = script } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, script, JSON.stringify(args)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    running.add(child);
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      running.delete(child);
      const line = out.split("\n").find((l) => l.startsWith(RESULT_TAG));
      if (code !== 0 || !line) {
        reject(new Error(`bench row ${label} failed (exit ${code ?? signal}):\n${out.slice(-2000)}`));
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_TAG.length)));
    });
  });
}

/** In a child script: the JSON argument runChild() passed. */
export function childArgs() {
  return JSON.parse(process.argv[2] ?? "{}");
}

/** In a child script: hand the result back to the parent. */
export function reportResult(result) {
  process.stdout.write(RESULT_TAG + JSON.stringify(result) + "\n");
}
