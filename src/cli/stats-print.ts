// The global `--stats` option: run a command in a stats window (report/stats.ts) and show
// what it cost after its output.
// - text: a table on stderr once the command is done (failed too), stdout left as it was;
// - with --json: when stdout is one JSON object, the same object gains a "stats" key (the
//   output is held back until the command is done, which it already builds whole before
//   printing); when it is anything else (ls --json and tags --json print arrays), stdout is
//   left untouched and the stats go to stderr as one JSON line. The rule is the first
//   character of the output: "{" or not.
// - `--stats=json` without --json (cat, export -o -, any text output): stdout untouched, the
//   stats as one JSON line on stderr, for scripts.

import { UsageError } from "../errors.js";
import { formatBytes } from "../format.js";
import { type Stats, startStats } from "../report/stats.js";
import { timed } from "../report/work-clock.js";
import type { CliIO, Command } from "./command.js";

export type StatsMode = "text" | "json";
const FLAGS: Record<string, StatsMode> = { "--stats": "text", "--stats=text": "text", "--stats=json": "json" };

/** Take the global --stats[=text|json] flag out of a command's arguments (not after "--"). */
export function takeStatsFlag(argv: string[]): { rest: string[]; stats: StatsMode | null } {
  const end = argv.includes("--") ? argv.indexOf("--") : argv.length;
  const before = argv.slice(0, end);
  const given = before.filter((a) => a.startsWith("--stats"));
  if (!given.length) return { rest: argv, stats: null };
  const bad = given.find((a) => !(a in FLAGS));
  if (bad) throw new UsageError(`--stats takes text or json, not ${JSON.stringify(bad.slice("--stats=".length))}`);
  return { rest: [...before.filter((a) => !(a in FLAGS)), ...argv.slice(end)], stats: FLAGS[given[given.length - 1]] };
}

const encoder = new TextEncoder();

/** Run `command` with stats taken and shown as the header says; resolves to its exit code. */
export async function runWithStats(command: Command, argv: string[], io: CliIO, json: boolean, mode: StatsMode): Promise<number> {
  const recorder = startStats();
  let held: string[] | null = json ? [] : null; // JSON output held until the stats are known
  const write = (text: string) => timed("writing", encoder.encode(text).length, () => io.stdout(text));
  const measured: CliIO = {
    ...io,
    stdout(text) {
      if (held && held.length === 0 && text.trimStart() !== "" && !text.trimStart().startsWith("{")) {
        held = null; // not an object: pass it through, stats go to stderr
      }
      if (held) held.push(text);
      else write(text);
    },
  };
  let failed = true;
  try {
    const code = await command.run(argv, measured);
    failed = false;
    return code;
  } finally {
    const stats = recorder.finish();
    const out = held?.join("") ?? "";
    if (held && !failed && out.trim()) {
      const value = JSON.parse(out) as Record<string, unknown>;
      io.stdout(JSON.stringify({ ...value, stats }, null, 2) + "\n");
    } else {
      if (out) io.stdout(out);
      io.stderr(json || mode === "json" ? JSON.stringify({ stats }) + "\n" : formatStats(stats));
    }
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const percent = (x: number) => `${(x * 100).toFixed(1)} %`;

/** The --stats table. */
export function formatStats(s: Stats): string {
  const lines = ["", `stats: ${seconds(s.wallMs)} wall`];
  if (s.process) {
    const p = s.process;
    lines[1] += `, ${seconds(p.cpuMs)} CPU (user ${seconds(p.cpuUserMs)}, system ${seconds(p.cpuSystemMs)}), peak RSS ${formatBytes(p.peakRssBytes)}`;
  }
  lines.push(`  ${"phase".padEnd(10)}${"time".padStart(10)}${"share".padStart(9)}${"bytes".padStart(12)}${"throughput".padStart(13)}`);
  for (const p of s.phases) {
    const rate = p.bytesPerSecond === null ? "-" : `${formatBytes(Math.round(p.bytesPerSecond))}/s`;
    lines.push(
      `  ${p.phase.padEnd(10)}${seconds(p.ms).padStart(10)}${percent(p.share).padStart(9)}${formatBytes(p.bytes).padStart(12)}${rate.padStart(13)}`,
    );
  }
  lines.push(`  ${"other".padEnd(10)}${seconds(s.otherMs).padStart(10)}${percent(s.wallMs > 0 ? s.otherMs / s.wallMs : 0).padStart(9)}`);
  const c = s.cache;
  lines.push(
    c
      ? `  document cache  ${c.lookups} lookups: ${c.hits} hits, ${c.misses} misses, ${c.evictions} evictions (${c.entries} entries, ${formatBytes(c.bytes)})`
      : "  document cache  not used (no core loaded)",
  );
  const l2 = s.l2;
  lines.push(
    l2
      ? `  blob cache (L2) ${l2.lookups} lookups: ${l2.hits} hits, ${l2.misses} misses, ${formatBytes(l2.bytesServed)} served, ${formatBytes(l2.bytesWritten)} written, ${l2.evictions} evictions, ${l2.corrupt} corrupt`
      : "  blob cache (L2) not used",
  );
  const p = s.pool;
  lines.push(
    p
      ? `  layer pool      ${p.inUse} of ${p.capacity} records in use, high water ${p.highWater} (${percent(p.utilisation)}), ${p.acquires} acquires, ${p.releases} releases`
      : "  layer pool      not used (no LayerFS kept a LayerPool)",
  );
  lines.push(`  wasm memory     ${s.wasm ? formatBytes(s.wasm.memoryBytes) : "no core loaded"}`);
  lines.push(`  ${s.bottleneck.line}`);
  return lines.join("\n") + "\n";
}
