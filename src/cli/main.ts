#!/usr/bin/env node
// The layerlens command line: `layerlens COMMAND [ARGS] [--json] [--progress=auto|plain|none]`.
// Commands live one per file and register in COMMANDS below (loaded lazily, so a command's
// dependencies cost nothing to the others). User errors are LayerlensErrors and print as
// "layerlens: CODE: message" with exit code 1 (2 for a command whose 1 is an answer, as diff's
// is) and no stack trace; anything else is a bug and prints its stack only when LAYERLENS_DEBUG
// is set. Nothing is written to stdout unless the command succeeded (a command builds its whole
// output before printing it).
//
// A closed stdout (`layerlens cat IMG F | head -c 64`) ends the process at once, silently, with
// status 141: what the shell reports for cat(1) or ls(1) killed by SIGPIPE (128 + 13), so a
// `set -o pipefail` script sees layerlens exactly as it sees them. Node ignores SIGPIPE and
// reports EPIPE instead, which is where this is caught.

import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LayerlensError, UsageError } from "../errors.js";
import type { CliIO, Command } from "./command.js";
import { clearProgressLines, configureProgress, PROGRESS_MODES, type ProgressMode } from "./progress.js";
import { runWithStats, takeStatsFlag } from "./stats-print.js";

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
  check: () => import("./check.js"),
  serve: () => import("./serve.js"),
};

/** The status of a process whose reader went away: 128 + SIGPIPE, as the shell shows cat's. */
export const CLOSED_PIPE_EXIT = 141;

async function overview(): Promise<string> {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  const lines: string[] = [];
  for (const name of names) lines.push(`  ${name.padEnd(width)}${(await COMMANDS[name]()).command.summary}`);
  return (
    [
      "usage: layerlens COMMAND [ARGS] [--json] [--progress=auto|plain|none] [--stats[=json]]",
      "",
      "commands:",
      ...lines,
      "",
      "images: oci:DIR[:TAG]  oci-archive:FILE[:TAG]  docker-archive:FILE[:REPO:TAG]  docker://REF  or a path",
      "progress (stderr): auto = a live line on a terminal, nothing on a pipe or with --json;",
      "  plain = one line per step, for CI logs; none = nothing",
      "stats (stderr): --stats = after the output, time, bytes and throughput per phase, cache, pool, memory,",
      '  CPU and the bottleneck; with --json, under a "stats" key of a JSON object, else one JSON line on stderr;',
      "  --stats=json = that JSON line, whatever the output",
      "exit status: 0 done, 1 failed (diff: 1 = the images differ, check: 1 = a rule failed; for both 2 = failed)",
      "run 'layerlens help COMMAND' or 'layerlens COMMAND --help' for a command's options;",
      "'layerlens --version' for the version",
    ].join("\n") + "\n"
  );
}

function commandHelp(command: Command): string {
  const global = "\nglobal options: --progress=auto|plain|none, --stats[=json] (see layerlens help)\n";
  return `${command.summary}\n\nusage: ${command.usage}\n${command.help ? `\n${command.help}` : ""}${global}`;
}

/** The version in package.json (two folders up from src/cli and from dist/cli alike). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** Take the global --progress option out of a command's arguments (not after "--"). */
function takeProgress(argv: string[]): { rest: string[]; mode: ProgressMode } {
  const rest: string[] = [];
  let mode: ProgressMode = "auto";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    let value: string | undefined;
    if (a === "--progress") value = argv[++i];
    else if (a.startsWith("--progress=")) value = a.slice("--progress=".length);
    else {
      rest.push(a);
      continue;
    }
    if (!PROGRESS_MODES.includes(value as ProgressMode)) {
      throw new UsageError(`--progress takes ${PROGRESS_MODES.join(", ")}, not ${JSON.stringify(value ?? "")}`);
    }
    mode = value as ProgressMode;
  }
  return { rest, mode };
}

/** Run the CLI on `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CliIO = defaultIO): Promise<number> {
  let command: Command | undefined;
  try {
    const [name, ...args] = argv;
    if (!name) {
      // Like a usage error: the overview goes to stderr, stdout stays clean for a pipe.
      io.stderr(await overview());
      return 1;
    }
    if (name === "--version" || name === "-V") {
      io.stdout(`layerlens ${version()}\n`);
      return 0;
    }
    if (name === "--help" || name === "-h" || (name === "help" && args.length === 0)) {
      io.stdout(await overview());
      return 0;
    }
    const verb = name === "help" ? args[0] : name;
    const load = COMMANDS[verb];
    if (!load) throw new UsageError(`unknown command ${JSON.stringify(verb)} (commands: ${Object.keys(COMMANDS).join(", ")})`);
    command = (await load()).command;
    if (name === "help") {
      if (args.length > 1) throw new UsageError("help: one COMMAND at a time");
      io.stdout(commandHelp(command));
      return 0;
    }
    const { rest: withoutStats, stats } = takeStatsFlag(args);
    const { rest, mode } = takeProgress(withoutStats);
    if (rest.includes("--help") || rest.includes("-h")) {
      io.stdout(commandHelp(command));
      return 0;
    }
    const json = rest.slice(0, rest.includes("--") ? rest.indexOf("--") : undefined).includes("--json");
    configureProgress(mode, { json, stderrIsTerminal: io === defaultIO && !!(process.stderr as { isTTY?: boolean }).isTTY });
    return await (stats ? runWithStats(command, rest, io, json, stats) : command.run(rest, io));
  } catch (err) {
    clearProgressLines();
    io.stderr(formatError(err));
    return command?.errorExit ?? 1;
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

/**
 * A reader that went away ends the process quietly (see the header); any other failure to write
 * our own output is reported in one line, never as an uncaught stream error with a trace.
 */
function exitQuietlyOnClosedPipe(): void {
  const onError = (stream: "stdout" | "stderr") => (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE" && stream === "stdout") {
      clearProgressLines();
      process.stderr.write(`layerlens: WRITE: writing to stdout: ${err.message}\n`);
      process.exit(1);
    }
    if (stream === "stdout") clearProgressLines();
    process.exit(err.code === "EPIPE" ? CLOSED_PIPE_EXIT : 1);
  };
  process.stdout.on("error", onError("stdout"));
  process.stderr.on("error", onError("stderr"));
}

function isEntry(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  exitQuietlyOnClosedPipe();
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // main() reports every error itself, so this runs only when reporting failed (stderr closed, a thrown
      // value String() cannot convert): console.error can inspect any value and ignores a closed stream.
      console.error(err);
      process.exitCode = 1;
    },
  );
}
