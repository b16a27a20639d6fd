// dive's CI gate (`dive --ci`, wagoodman/dive runtime/ci): three rules over an image's wasted
// space, each set from a flag, the `.dive-ci` file or dive's default, in that order of
// precedence (dive binds its flags over the file through viper the same way).
//
//   lowestEfficiency          fails when efficiency < the ratio (0..1; default 0.9)
//   highestWastedBytes        fails when wasted bytes > the size (default disabled)
//   highestUserWastedPercent  fails when wasted / user file bytes > the ratio (0..1; default 0.1)
//
// "disabled" skips a rule. The boundary passes, as in dive's code (its README says "met or
// crossed" for the last rule; its evaluator fails only strictly above). Sizes read as
// go-humanize's ParseBytes reads them (dive parses with it): "20MB" = 20 * 1000^2, "20MiB" =
// 20 * 1024^2, "20M" = "20MB", a bare number is bytes. The numbers compared are the ones
// src/fs/waste.ts defines: wasted bytes are dive's without its double count (that header says
// exactly how they differ), and user file bytes are dive's user size (layers above the first).
//
// Every setting is parsed before the image is read; a bad one is a UsageError naming where it
// came from (the flag, or the file and line).

import { UsageError } from "../errors.js";
import type { WasteReport } from "../fs/waste.js";
import { RULE_NAMES, type CiFileRules, type RuleName } from "./dive-ci.js";
import { formatEfficiency, formatUserWasted, userWastedRatio } from "./efficiency.js";

export const DIVE_DEFAULT_RULES: Readonly<Record<RuleName, string>> = {
  lowestEfficiency: "0.9",
  highestWastedBytes: "disabled",
  highestUserWastedPercent: "0.1",
};

/** A rule's setting: the value as written and where it came from. */
export interface RuleSetting {
  value: string;
  /** "--lowest-efficiency", ".dive-ci:3" or "default". */
  from: string;
  /** The parsed threshold; null when disabled. */
  threshold: number | null;
}

export type RuleSettings = Record<RuleName, RuleSetting>;

/** Flags over the file over dive's defaults; every value parsed (a bad one throws). */
export function ruleSettings(
  flags: Partial<Record<RuleName, { value: string; flag: string }>>,
  file?: { name: string; rules: CiFileRules },
): RuleSettings {
  const out = {} as RuleSettings;
  for (const rule of RULE_NAMES) {
    const flag = flags[rule];
    const inFile = file?.rules[rule];
    const [value, from] = flag
      ? [flag.value, flag.flag]
      : inFile
        ? [inFile.value, `${file.name}:${inFile.line}`]
        : [DIVE_DEFAULT_RULES[rule], "default"];
    out[rule] = { value, from, threshold: parseThreshold(rule, value, from) };
  }
  return out;
}

/** A rule's value as a number (ratio or bytes), null for "disabled". */
export function parseThreshold(rule: RuleName, value: string, from: string): number | null {
  if (value === "disabled") return null;
  if (rule === "highestWastedBytes") {
    const bytes = parseSize(value);
    if (bytes === undefined) {
      throw new UsageError(`${from}: ${rule} takes a size (20MB, 1.5GiB, 4096) or "disabled", not ${JSON.stringify(value)}`);
    }
    return bytes;
  }
  const ratio = /^(?:\d+(?:\.\d*)?|\.\d+)$/.test(value) ? Number(value) : NaN;
  if (!(ratio >= 0 && ratio <= 1)) {
    throw new UsageError(`${from}: ${rule} takes a ratio between 0 and 1 (0.9 = 90 %) or "disabled", not ${JSON.stringify(value)}`);
  }
  return ratio;
}

// go-humanize's table: SI with or without "b", IEC with "i" or "ib", case-insensitive.
const SIZE_UNITS: Record<string, number> = { "": 1, b: 1 };
["k", "m", "g", "t", "p"].forEach((p, i) => {
  SIZE_UNITS[p] = SIZE_UNITS[p + "b"] = 1000 ** (i + 1);
  SIZE_UNITS[p + "i"] = SIZE_UNITS[p + "ib"] = 1024 ** (i + 1);
});

/** "20MB" -> 20000000 (whole bytes, rounded down), undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d*)?|\.\d+) ?([A-Za-z]*)$/.exec(text.trim());
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) return undefined;
  const bytes = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

export type RuleStatus = "PASS" | "FAIL" | "SKIP";

export interface RuleResult {
  rule: RuleName;
  status: RuleStatus;
  /** The figure compared: the efficiency or user wasted ratio, or wasted bytes; null = infinite. */
  measured: number | null;
  /** The threshold it was compared with; null when the rule is disabled. */
  threshold: number | null;
  /** The setting as written, and where it came from. */
  setting: string;
  from: string;
  /** One line, as the report prints it after the status and rule name. */
  message: string;
}

export interface CheckReport {
  image: string;
  /** The CI file read, if any. */
  config: string | null;
  efficiency: number;
  efficiencyPercent: number;
  wastedBytes: number;
  diveReportedWastedBytes: number;
  reclaimableBytes: number;
  userFileBytes: number;
  /** wastedBytes / userFileBytes; null when wasted bytes stand over 0 user bytes (infinite). */
  userWastedRatio: number | null;
  /** Paths stored in more than one layer, most wasted first (dive's "Inefficient Files"). */
  inefficientFiles: { path: string; count: number; wastedBytes: number }[];
  rules: RuleResult[];
  result: "PASS" | "FAIL";
  counts: { total: number; passed: number; failed: number; skipped: number };
}

export function evaluateRules(image: string, w: WasteReport, settings: RuleSettings, config: string | null): CheckReport {
  const ratio = userWastedRatio(w);
  const rules = RULE_NAMES.map((rule): RuleResult => {
    const s = settings[rule];
    const base = { rule, threshold: s.threshold, setting: s.value, from: s.from };
    const measured = rule === "lowestEfficiency" ? w.efficiency : rule === "highestWastedBytes" ? w.wastedBytes : ratio;
    const shown = Number.isFinite(measured) ? measured : null;
    if (s.threshold === null) return { ...base, status: "SKIP", measured: shown, message: "rule disabled" };
    const t = s.threshold;
    const from = s.from === "default" ? "dive's default" : s.from;
    if (rule === "lowestEfficiency") {
      const fail = w.efficiency < t;
      return {
        ...base,
        status: fail ? "FAIL" : "PASS",
        measured: shown,
        message: `efficiency ${formatEfficiency(w)} (${w.efficiency}) ${fail ? "<" : ">="} threshold ${s.value} (${from})`,
      };
    }
    if (rule === "highestWastedBytes") {
      const fail = w.wastedBytes > t;
      return {
        ...base,
        status: fail ? "FAIL" : "PASS",
        measured: shown,
        message: `wasted ${w.wastedBytes} B ${fail ? ">" : "<="} threshold ${s.value} = ${t} B (${from})`,
      };
    }
    const fail = ratio > t;
    return {
      ...base,
      status: fail ? "FAIL" : "PASS",
      measured: shown,
      message: Number.isFinite(ratio)
        ? `wasted ${formatUserWasted(w)} of the ${w.userFileBytes} B the layers above the base add ${fail ? ">" : "<="} threshold ${s.value} (${from})`
        : `wasted ${w.wastedBytes} B while the layers above the base add 0 B (an infinite share) > threshold ${s.value} (${from})`,
    };
  });
  const count = (s: RuleStatus) => rules.filter((r) => r.status === s).length;
  const failed = count("FAIL");
  return {
    image,
    config,
    efficiency: w.efficiency,
    efficiencyPercent: w.efficiencyPercent,
    wastedBytes: w.wastedBytes,
    diveReportedWastedBytes: w.diveReportedWastedBytes,
    reclaimableBytes: w.reclaimableBytes,
    userFileBytes: w.userFileBytes,
    userWastedRatio: Number.isFinite(ratio) ? ratio : null,
    inefficientFiles: w.topWasted.map((p) => ({ path: p.path, count: p.layers.length, wastedBytes: p.wastedBytes })),
    rules,
    result: failed ? "FAIL" : "PASS",
    counts: { total: rules.length, passed: count("PASS"), failed, skipped: count("SKIP") },
  };
}
