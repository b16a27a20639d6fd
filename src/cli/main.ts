#!/usr/bin/env node
// The layerlens command line: `layerlens COMMAND [ARGS] [--json]`.
// Commands live one per file and register in COMMANDS below (loaded lazily, so a command's
// dependencies cost nothing to the others). User errors are LayerlensErrors and print as
// "layerlens: CODE: message" with exit code 1 and no stack trace; anything else is a bug and
// prints its stack only when LAYERLENS_DEBUG is set. Nothing is written to stdout unless the
// command succeeded (a command builds its whole output before printing it).

import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LayerlensError, UsageError } from "../errors.js";
import type { CliIO, Command } from "./command.js";

/** The dispatch table: add a line per command (name -> lazy module with `command`). */
export const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  inspect: () => import("./inspect.js"),
  ls: () => import("./ls.js"),
  cat: () => import("./cat.js"),
  layers: () => import("./layers.js"),
  export: () => import("./export.js"),
  diff: () => import("./diff.js"),
  manifest: () => import("./manifest.js"),
  config: () => import("./config.js"),
  tags: () => import("./tags.js"),
  referrers: () => import("./referrers.js"),
};

function help(): string {
  return (
    [
      "usage: layerlens COMMAND [ARGS] [--json]",
      "",
      "commands:",
      ...Object.keys(COMMANDS).map((name) => `  ${name}`),
      "",
      "images: oci:DIR[:TAG]  oci-archive:FILE[:TAG]  docker-archive:FILE[:REPO:TAG]  docker://REF  or a path",
      "run 'layerlens COMMAND --help' for a command's options",
    ].join("\n") + "\n"
  );
}

/** Run the CLI on `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CliIO = defaultIO): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (!name || name === "--help" || name === "-h" || name === "help") {
      io.stdout(help());
      return name ? 0 : 1;
    }
    const load = COMMANDS[name];
    if (!load) throw new UsageError(`unknown command ${JSON.stringify(name)} (commands: ${Object.keys(COMMANDS).join(", ")})`);
    const { command } = await load();
    if (rest.includes("--help") || rest.includes("-h")) {
      io.stdout(`${command.summary}\n\nusage: ${command.usage}\n`);
      return 0;
    }
    return await command.run(rest, io);
  } catch (err) {
    io.stderr(formatError(err));
    return 1;
  }
}

/** "layerlens: CODE: message" for our errors; internal errors say so. */
export function formatError(err: unknown): string {
  if (err instanceof LayerlensError) return `layerlens: ${err.code}: ${err.message}\n`;
  const debug = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.LAYERLENS_DEBUG;
  const e = err as Error;
  return `layerlens: INTERNAL: ${e?.message ?? String(err)}\n${debug && e?.stack ? e.stack + "\n" : ""}`;
}

const defaultIO: CliIO = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};

function isEntry(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
