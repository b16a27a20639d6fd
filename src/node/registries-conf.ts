// Which registries speak plain http, read from the files skopeo, podman and buildah read:
// containers-registries.conf(5). Only what decides plain http is taken:
//   v2:  [[registry]] location = "host:port" (or prefix = "...") insecure = true
//   v1:  [registries.insecure] registries = ["host:port", ...]
// Everything else (mirrors, search lists, aliases, blocked) is parsed for syntax and ignored.
// Where: $CONTAINERS_REGISTRIES_CONF alone when set (as containers/image honours it); else
// $HOME/.config/containers/registries.conf if it exists, otherwise /etc/containers/registries.conf,
// then the drop-ins of /etc/containers/registries.conf.d/ and $HOME/.config/containers/registries.conf.d/
// (*.conf in name order, a later file overriding an earlier one for the same prefix).
// The TOML reader below handles the subset these files use (tables, arrays of tables, strings,
// booleans, numbers, arrays spanning lines, comments); anything it cannot read is a typed error
// naming the file and line, never a silent "no setting".
// Spec: https://github.com/containers/image/blob/main/docs/containers-registries.conf.5.md

import { readFileSync, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { LayerlensError } from "../errors.js";

/** A registries.conf file that is not TOML we can read, or holds a setting of the wrong type. */
export class RegistriesConfError extends LayerlensError {
  constructor(
    readonly file: string,
    readonly line: number,
    why: string,
  ) {
    super("REGISTRIES_CONF", `${file}:${line}: ${why}`);
  }
}

/** One entry: a reference prefix ("host:port", "host/ns", "*.example.com") and whether it is insecure. */
export interface InsecureRule {
  prefix: string;
  insecure: boolean;
  file: string;
}

type TomlValue = string | number | boolean | TomlValue[];
type Table = Record<string, TomlValue>;

/** The files registries.conf settings come from, in the order they apply. */
export function registriesConfFiles(env: Record<string, string | undefined> = process.env): string[] {
  const override = env.CONTAINERS_REGISTRIES_CONF;
  if (override) return [override];
  const home = env.HOME ?? homedir();
  const user = join(home, ".config/containers/registries.conf");
  const main = readable(user) ? user : "/etc/containers/registries.conf";
  const dropIns = ["/etc/containers/registries.conf.d", join(home, ".config/containers/registries.conf.d")].flatMap((dir) =>
    listConf(dir).map((f) => join(dir, f)),
  );
  return [main, ...dropIns];
}

/** Every insecure rule of the files that exist (missing files are simply absent, as for skopeo). */
export function loadInsecureRules(files: string[] = registriesConfFiles()): InsecureRule[] {
  const rules: InsecureRule[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT" || (err as { code?: string }).code === "ENOTDIR") continue;
      throw new RegistriesConfError(file, 0, `cannot read: ${(err as Error).message}`);
    }
    rules.push(...insecureRulesOf(text, file));
  }
  return rules;
}

/**
 * Whether `registry/repository` is insecure by the rules: the longest matching prefix wins
 * (a later file's rule for the same prefix replaces an earlier one); undefined when no rule matches.
 */
export function isInsecure(rules: InsecureRule[], registry: string, repository = ""): boolean | undefined {
  const name = repository ? `${registry}/${repository}` : registry;
  let best: InsecureRule | undefined;
  for (const rule of rules) {
    if (!prefixMatches(rule.prefix, name)) continue;
    if (!best || rule.prefix.length >= best.prefix.length) best = rule;
  }
  return best?.insecure;
}

function prefixMatches(prefix: string, name: string): boolean {
  if (prefix.startsWith("*.")) {
    // "*.example.com" matches any subdomain's registry, not example.com itself.
    const host = name.split("/")[0].replace(/:\d+$/, "");
    return host.endsWith(prefix.slice(1));
  }
  return name === prefix || name.startsWith(prefix.endsWith("/") ? prefix : prefix + "/");
}

/** The insecure rules one file's text gives. */
export function insecureRulesOf(text: string, file: string): InsecureRule[] {
  const { root, registries } = parseToml(text, file);
  const rules: InsecureRule[] = [];
  for (const { table, line } of registries) {
    const prefix = table.prefix ?? table.location;
    if (typeof prefix !== "string" || prefix === "")
      throw new RegistriesConfError(file, line, "a [[registry]] needs a location or prefix string");
    const insecure = table.insecure ?? false;
    if (typeof insecure !== "boolean") throw new RegistriesConfError(file, line, "insecure must be true or false");
    rules.push({ prefix, insecure, file });
  }
  const v1 = root["registries.insecure.registries"];
  if (v1 !== undefined) {
    if (!Array.isArray(v1) || v1.some((h) => typeof h !== "string"))
      throw new RegistriesConfError(file, 0, "[registries.insecure] registries must be a list of strings");
    for (const host of v1 as string[]) rules.push({ prefix: host, insecure: true, file });
  }
  return rules;
}

// ---- the TOML subset ----

interface Parsed {
  /** Keys outside [[registry]], dotted with their table's name ("registries.insecure.registries"). */
  root: Table;
  /** Each [[registry]] table with the line it starts on ([[registry.mirror]] keys are dropped). */
  registries: { table: Table; line: number }[];
}

function parseToml(text: string, file: string): Parsed {
  const out: Parsed = { root: {}, registries: [] };
  let target: Table | undefined = out.root;
  let tablePrefix = "";
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = stripComment(lines[i]).trim();
    if (line === "") continue;
    const header = /^(\[\[?)\s*([A-Za-z0-9_.\-" ]+?)\s*(\]\]?)$/.exec(line);
    if (header) {
      const [, open, name, close] = header;
      if (open.length !== close.length) throw new RegistriesConfError(file, lineNo, `unbalanced table header ${line}`);
      const key = name.replace(/\s*\.\s*/g, ".").replace(/"/g, "");
      if (open === "[[" && key === "registry") {
        target = {};
        out.registries.push({ table: target, line: lineNo });
      } else if (open === "[[") {
        target = undefined; // [[registry.mirror]] and other arrays of tables: not ours
      } else {
        target = out.root;
        tablePrefix = key + ".";
        continue;
      }
      tablePrefix = "";
      continue;
    }
    const kv = /^([A-Za-z0-9_.-]+|"[^"]*")\s*=\s*(.*)$/.exec(line);
    if (!kv) throw new RegistriesConfError(file, lineNo, `not a TOML key = value or [table]: ${JSON.stringify(line.slice(0, 80))}`);
    let rest = kv[2];
    // An array may go on over several lines until its brackets balance.
    while (rest.startsWith("[") && !bracketsClosed(rest)) {
      if (++i >= lines.length) throw new RegistriesConfError(file, lineNo, "an array is not closed");
      rest += " " + stripComment(lines[i]).trim();
    }
    const [value, after] = parseValue(rest, file, lineNo);
    if (after.trim() !== "")
      throw new RegistriesConfError(file, lineNo, `unexpected ${JSON.stringify(after.trim().slice(0, 40))} after the value`);
    if (target) target[tablePrefix + kv[1].replace(/"/g, "")] = value;
  }
  return out;
}

function parseValue(s: string, file: string, line: number): [TomlValue, string] {
  s = s.trimStart();
  if (s.startsWith('"')) return parseBasicString(s, file, line);
  if (s.startsWith("'")) {
    const end = s.indexOf("'", 1);
    if (end < 0) throw new RegistriesConfError(file, line, "a literal string is not closed");
    return [s.slice(1, end), s.slice(end + 1)];
  }
  if (s.startsWith("[")) {
    const items: TomlValue[] = [];
    let rest = s.slice(1).trimStart();
    while (!rest.startsWith("]")) {
      const [v, after] = parseValue(rest, file, line);
      items.push(v);
      rest = after.trimStart();
      if (rest.startsWith(",")) rest = rest.slice(1).trimStart();
      else if (!rest.startsWith("]")) throw new RegistriesConfError(file, line, "array items must be separated by commas");
    }
    return [items, rest.slice(1)];
  }
  const word = /^(true|false|[+-]?\d[\d_]*(?:\.\d+)?)/.exec(s);
  if (!word) throw new RegistriesConfError(file, line, `not a TOML value: ${JSON.stringify(s.slice(0, 40))}`);
  const w = word[1];
  return [w === "true" ? true : w === "false" ? false : Number(w.replace(/_/g, "")), s.slice(w.length)];
}

const ESCAPES: Record<string, string> = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", '"': '"', "\\": "\\" };

function parseBasicString(s: string, file: string, line: number): [string, string] {
  let out = "";
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (c === '"') return [out, s.slice(i + 1)];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = s[++i];
    if (e in ESCAPES) out += ESCAPES[e];
    else if (e === "u" || e === "U") {
      const n = e === "u" ? 4 : 8;
      const hex = s.slice(i + 1, i + 1 + n);
      if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== n) throw new RegistriesConfError(file, line, `bad \\${e} escape in a string`);
      out += String.fromCodePoint(parseInt(hex, 16));
      i += n;
    } else throw new RegistriesConfError(file, line, `unknown escape \\${e ?? ""} in a string`);
  }
  throw new RegistriesConfError(file, line, "a string is not closed");
}

/** The line without its # comment (a # inside a string is kept). */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#") return line.slice(0, i);
  }
  return line;
}

function bracketsClosed(s: string): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "[") depth++;
    else if (c === "]") depth--;
  }
  return depth <= 0;
}

function readable(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function listConf(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith(".conf"))
      .sort();
  } catch {
    return [];
  }
}
