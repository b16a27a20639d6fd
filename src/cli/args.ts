// A small argument parser for the CLI: positionals, boolean flags and string options
// ("--platform linux/arm64" or "--platform=linux/arm64"). Unknown flags are usage errors,
// never silently ignored.

import { UsageError } from "../errors.js";

export interface ArgSpec {
  boolean?: readonly string[];
  string?: readonly string[];
}

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, boolean>;
  options: Record<string, string>;
}

export function parseArgs(argv: readonly string[], spec: ArgSpec, command: string): ParsedArgs {
  const out: ParsedArgs = { positionals: [], flags: {}, options: {} };
  const booleans = new Set(spec.boolean ?? []);
  const strings = new Set(spec.string ?? []);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--") || arg === "-") {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (booleans.has(name)) {
      if (eq >= 0) throw new UsageError(`${command}: --${name} takes no value`);
      out.flags[name] = true;
    } else if (strings.has(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === "") throw new UsageError(`${command}: --${name} needs a value`);
      out.options[name] = value;
    } else {
      throw new UsageError(`${command}: unknown option --${name}`);
    }
  }
  return out;
}
