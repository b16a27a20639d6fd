// `layerlens check IMAGE`: dive's CI gate (`dive --ci`). Measures the image's wasted space
// (src/fs/waste.ts) and holds it to three rules set by flags, a `.dive-ci` file or dive's
// defaults (src/report/ci-rules.ts); prints each rule's PASS, FAIL or SKIP with the measured
// value and the threshold. Exit status: 0 every rule passed, 1 one failed, 2 trouble (a bad
// setting, a malformed CI file, an image that cannot be read), so a CI step can tell "the image
// is wasteful" from "the check could not run".

import { readFile } from "node:fs/promises";
import { NotFoundError, UsageError } from "../errors.js";
import { analyzeWaste } from "../fs/waste.js";
import { type CheckReport, evaluateRules, ruleSettings } from "../report/ci-rules.js";
import { type CiFileRules, parseDiveCi, type RuleName } from "../report/dive-ci.js";
import { formatEfficiency, formatUserWasted } from "../report/efficiency.js";
import { parseArgs } from "./args.js";
import type { CliIO, Command } from "./command.js";
import { humanBytes, mountImage } from "./mount.js";
import { takeWorkersFlag, WORKERS_FLAG_USAGE } from "./workers-flag.js";

/** dive's default CI file, read from the current directory when present. */
export const DEFAULT_CI_FILE = ".dive-ci";

// Each rule's flag, and dive's own spelling of it so a dive command line carries over.
const RULE_FLAGS: Record<RuleName, [string, string]> = {
  lowestEfficiency: ["lowest-efficiency", "lowestEfficiency"],
  highestWastedBytes: ["highest-wasted-bytes", "highestWastedBytes"],
  highestUserWastedPercent: ["highest-user-wasted-percent", "highestUserWastedPercent"],
};

export const command: Command = {
  summary: "Hold an image's wasted space to dive's CI rules (.dive-ci); exit 1 when one fails.",
  usage:
    "layerlens check IMAGE [--lowest-efficiency RATIO] [--highest-wasted-bytes SIZE] [--highest-user-wasted-percent RATIO]" +
    ` [--ci-config FILE] [--top N] [--platform os/arch[/variant]] [--json] ${WORKERS_FLAG_USAGE}`,
  help:
    'rules (flags override the CI file, which overrides dive\'s defaults; each takes "disabled"):\n' +
    "  --lowest-efficiency RATIO            fail when the efficiency is below RATIO (0..1, default 0.9)\n" +
    "  --highest-wasted-bytes SIZE          fail when wasted bytes exceed SIZE (20MB, 1.5GiB, 4096; default disabled)\n" +
    "  --highest-user-wasted-percent RATIO  fail when wasted bytes exceed RATIO of the bytes the layers above\n" +
    "                                       the base add (0..1, default 0.1)\n" +
    "  --ci-config FILE                     dive's YAML rules file (default: ./.dive-ci when present)\n" +
    "  dive's spellings (--lowestEfficiency, --highestWastedBytes, --highestUserWastedPercent) work too.\n" +
    "exit status: 0 every rule passed, 1 a rule failed, 2 trouble (a bad setting or CI file, an unreadable image)\n",
  errorExit: 2,
  async run(argv: string[], io: CliIO): Promise<number> {
    const ruleFlags = Object.values(RULE_FLAGS).flat();
    const { rest, workers } = takeWorkersFlag(argv, "check");
    const args = parseArgs(rest, { boolean: ["json"], string: [...ruleFlags, "ci-config", "top", "platform"] }, "check");
    const [spec, ...extra] = args.positionals;
    if (!spec) throw new UsageError(`check: name an IMAGE\nusage: ${this.usage}`);
    if (extra.length) throw new UsageError("check: one IMAGE at a time");
    const top = args.options.top === undefined ? 10 : Number(args.options.top);
    if (!Number.isInteger(top) || top < 0) throw new UsageError(`check: --top takes a count, not ${JSON.stringify(args.options.top)}`);

    const flags: Partial<Record<RuleName, { value: string; flag: string }>> = {};
    for (const [rule, names] of Object.entries(RULE_FLAGS) as [RuleName, [string, string]][]) {
      const given = names.filter((n) => args.options[n] !== undefined);
      if (given.length > 1) throw new UsageError(`check: --${given[0]} and --${given[1]} set the same rule`);
      if (given.length) flags[rule] = { value: args.options[given[0]], flag: `--${given[0]}` };
    }
    // Every setting is checked before the image is read: a typo fails in a second, not after a pull.
    const file = await readCiFile(args.options["ci-config"]);
    const settings = ruleSettings(flags, file);

    const m = await mountImage(spec, io, { platform: args.options.platform, workers });
    try {
      const report = evaluateRules(spec, analyzeWaste(m.image, top), settings, file?.name ?? null);
      io.stdout(args.flags.json ? JSON.stringify(report, null, 2) + "\n" : format(report));
      return report.result === "PASS" ? 0 : 1;
    } finally {
      await m.close();
    }
  },
};

/** The named CI file (which must exist), or ./.dive-ci when there is one, as dive does. */
async function readCiFile(named: string | undefined): Promise<{ name: string; rules: CiFileRules } | undefined> {
  const name = named ?? DEFAULT_CI_FILE;
  let text: string;
  try {
    text = await readFile(name, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && named === undefined) return undefined;
    if (code === "ENOENT") throw new NotFoundError(`--ci-config ${name}: no such file`, name);
    throw new UsageError(`reading CI config ${name}: ${(e as Error).message}`);
  }
  return { name, rules: parseDiveCi(text, name) };
}

function format(r: CheckReport): string {
  let out = `Image ${r.image}\n`;
  out += r.config ? `  Using CI config: ${r.config}\n` : `  No CI config file: flags and dive's defaults\n`;
  out += `  efficiency: ${formatEfficiency(r)}\n`;
  out += `  wastedBytes: ${r.wastedBytes} bytes (${humanBytes(r.wastedBytes)}); dive would report ${humanBytes(r.diveReportedWastedBytes)}, counting every copy\n`;
  out +=
    r.userWastedRatio === null
      ? `  userWastedPercent: infinite (${humanBytes(r.wastedBytes)} wasted, 0 B added above the base layer)\n`
      : `  userWastedPercent: ${formatUserWasted(r)} of ${humanBytes(r.userFileBytes)} added above the base layer\n`;
  out += `  reclaimableBytes: ${r.reclaimableBytes} bytes (${humanBytes(r.reclaimableBytes)}) stored but not visible\n`;
  out += `Inefficient files:\n`;
  if (!r.inefficientFiles.length) out += r.wastedBytes ? `  (not listed: --top 0)\n` : `  none\n`;
  else {
    out += `Count  Wasted      Path\n`;
    for (const f of r.inefficientFiles) out += `${String(f.count).padStart(5)}  ${humanBytes(f.wastedBytes).padEnd(10)}  /${f.path}\n`;
  }
  out += `Results:\n`;
  for (const x of r.rules) out += `  ${x.status}: ${x.rule}: ${x.message}\n`;
  const c = r.counts;
  return out + `Result: ${r.result} [Total:${c.total}] [Passed:${c.passed}] [Failed:${c.failed}] [Skipped:${c.skipped}]\n`;
}
