// Starting and stopping the runtimes the suites drive (deno, bun, workerd, chromium).
//
// Every child gets a clean environment whose HOME and cache directories point into a temp
// dir, so a test run writes nothing under the user's home; every child is tracked and killed
// by its pid when the suite ends, including after a failure or a timeout.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../../..");
export const BIN = join(ROOT, "node_modules/.bin");
export const CI = process.env.CI === "true";

/** A temp dir removed by cleanup(). */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `layerlens-${prefix}-`));
}

/** An environment with nothing inherited but PATH/locale, HOME and caches under `home`. */
export function isolatedEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    LANG: process.env.LANG ?? "C.UTF-8",
    HOME: home,
    TMPDIR: home,
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local/share"),
    NO_COLOR: "1",
    ...extra,
  };
}

/**
 * Why `binary` cannot run here, or undefined when `binary --version` works. The suites skip
 * on a reason outside CI and fail on it under CI=true.
 */
export function unavailable(binary: string, args = ["--version"]): string | undefined {
  if (!existsSync(binary)) return `${binary} is not installed`;
  const r = spawnSync(binary, args, { timeout: 20_000, encoding: "utf8", env: isolatedEnv(tmpdir()) });
  if (r.error) return `${binary} ${args.join(" ")}: ${r.error.message}`;
  if (r.status !== 0) return `${binary} ${args.join(" ")} exited ${r.status}: ${r.stderr.trim()}`;
  return undefined;
}

const children = new Set<ChildProcess>();
const dirs = new Set<string>();

/** Remember a temp dir for cleanup(). */
export function track(dir: string): string {
  dirs.add(dir);
  return dir;
}

/** Kill every child still running (by pid) and remove the temp dirs. */
export function cleanup(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }
  children.clear();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command to completion; kills it after `timeoutMs` and rejects. */
export function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env: Record<string, string>; timeoutMs?: number },
): Promise<Finished> {
  const child = start(cmd, args, options);
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolvePromise, reject) => {
    let stdout = "",
      stderr = "";
    child.stdout?.on("data", (d) => (stdout += d));
    child.stderr?.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      if (child.pid)
        try {
          process.kill(child.pid, "SIGKILL");
        } catch {
          /* gone */
        }
      reject(new Error(`${cmd} ${args.join(" ")} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Start a long-running command (a server); cleanup() kills it. */
export function start(cmd: string, args: string[], options: { cwd?: string; env: Record<string, string> }): ChildProcess {
  const child = spawn(cmd, args, { cwd: options.cwd ?? ROOT, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolvePromise(port));
    });
  });
}

/** The last line of `stdout` that parses as JSON (harnesses print their report last). */
export function lastJson<T>(stdout: string, what: string): T {
  const lines = stdout.trim().split("\n").reverse();
  for (const line of lines) {
    if (!line.startsWith("{")) continue;
    try {
      return JSON.parse(line) as T;
    } catch {
      /* keep looking */
    }
  }
  throw new Error(`${what} printed no JSON report; stdout was:\n${stdout.slice(-2000)}`);
}
