// A reader for dive's CI file (`.dive-ci`): exactly the YAML that format uses and nothing more,
// so a file means the same here as in dive or is refused, never half-read.
//
//   # comments, blank lines, an optional leading "---"
//   rules:
//     lowestEfficiency: 0.95          # plain, 'single' or "double" quoted scalars
//     highestWastedBytes: "20MB"
//     highestUserWastedPercent: disabled
//
// One top-level key, `rules`, holding a block mapping of dive's three rule names to scalars,
// all indented alike with spaces (YAML forbids tabs there). Anything else (another key, a
// nested mapping, a flow collection, anchors, tags, block scalars, a repeated key, an unknown
// rule) is a UsageError naming the file and line. Values are returned as written; what each
// rule accepts is ci-rules.ts's business.

import { UsageError } from "../errors.js";

export const RULE_NAMES = ["lowestEfficiency", "highestWastedBytes", "highestUserWastedPercent"] as const;
export type RuleName = (typeof RULE_NAMES)[number];

export interface CiFileRule {
  value: string;
  /** 1-based line of the value in the file. */
  line: number;
}

export type CiFileRules = Partial<Record<RuleName, CiFileRule>>;

/** The rules a `.dive-ci` file sets; `file` names it in errors. */
export function parseDiveCi(text: string, file: string): CiFileRules {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const rules: CiFileRules = {};
  const fail = (n: number, why: string): never => {
    throw new UsageError(`${file}:${n}: ${why}`);
  };
  let inRules = false;
  let sawRules = false;
  let sawContent = false;
  let indent = "";
  lines.forEach((raw, i) => {
    const n = i + 1;
    const body = stripComment(raw, n, fail);
    if (body.trim() === "") return;
    if (/^ *\t/.test(raw)) fail(n, "tabs are not YAML indentation; indent with spaces");
    if (body === "---") {
      if (sawContent) fail(n, "one YAML document only");
      sawContent = true;
      return;
    }
    sawContent = true;
    const lead = /^ */.exec(body)![0];
    if (lead === "") {
      if (!/^rules\s*:\s*$/.test(body)) {
        const key = /^([^:\s]+)\s*:/.exec(body)?.[1];
        if (key === "rules") fail(n, `"rules:" takes its rules on the indented lines below it, not ${JSON.stringify(body)}`);
        fail(
          n,
          key
            ? `unknown key ${JSON.stringify(key)} (a dive CI file has only "rules:")`
            : `expected "rules:", found ${JSON.stringify(body)}`,
        );
      }
      if (sawRules) fail(n, `"rules" given twice`);
      sawRules = inRules = true;
      return;
    }
    if (!inRules) fail(n, `indented line outside "rules:"`);
    if (indent === "") indent = lead;
    else if (lead !== indent)
      fail(n, `indentation differs from the first rule's (${indent.length} spaces); nested mappings are not part of the format`);
    const m = /^([A-Za-z]+)\s*:(?:\s+(.*))?$/.exec(body.slice(lead.length));
    if (!m) fail(n, `expected "NAME: VALUE", found ${JSON.stringify(body.trim())}`);
    const [, key, rawValue] = m!;
    if (!(RULE_NAMES as readonly string[]).includes(key)) fail(n, `unknown rule ${JSON.stringify(key)} (rules: ${RULE_NAMES.join(", ")})`);
    const name = key as RuleName;
    if (rules[name]) fail(n, `${name} given twice (first on line ${rules[name].line})`);
    if (rawValue === undefined || rawValue.trim() === "") fail(n, `${name} has no value`);
    rules[name] = { value: scalar(rawValue.trimEnd(), n, fail), line: n };
  });
  return rules;
}

/** The line without its comment: "#" at the start or after a space, outside quotes. */
function stripComment(line: string, n: number, fail: (n: number, why: string) => never): string {
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (quote === '"' && c === "\\") i++;
      else if (quote === "'" && c === "'" && line[i + 1] === "'") i++;
      else if (c === quote) quote = "";
    } else if (c === '"' || c === "'") {
      // A quote opens a quoted scalar only where a value starts (after ": ").
      if (/:\s+$/.test(line.slice(0, i))) quote = c;
    } else if (c === "#" && (i === 0 || line[i - 1] === " " || line[i - 1] === "\t")) {
      return line.slice(0, i).trimEnd();
    }
  }
  if (quote) fail(n, `unterminated ${quote === '"' ? "double" : "single"}-quoted value`);
  return line.trimEnd();
}

/** A scalar value: plain, 'single-quoted' ('' is a quote) or "double-quoted" (\" and \\). */
function scalar(text: string, n: number, fail: (n: number, why: string) => never): string {
  if (text.startsWith("'")) {
    const m = /^'((?:[^']|'')*)'$/.exec(text);
    if (!m) fail(n, `malformed single-quoted value ${text}`);
    return m[1].replace(/''/g, "'");
  }
  if (text.startsWith('"')) {
    const m = /^"((?:[^"\\]|\\["\\])*)"$/.exec(text);
    if (!m) fail(n, `malformed double-quoted value ${text} (only \\" and \\\\ escapes are read)`);
    return m[1].replace(/\\(["\\])/g, "$1");
  }
  if (/^[[\]{}&*!|>%@`]/.test(text)) fail(n, `${JSON.stringify(text)}: only plain or quoted scalars are part of the format`);
  if (/:\s|:$/.test(text)) fail(n, `${JSON.stringify(text)}: a nested mapping is not part of the format`);
  return text;
}
