// What differs between two image configs, for `diff --config`: the platform, author, created,
// and the run settings of config.md's "config" (User, WorkingDir, Entrypoint, Cmd, StopSignal,
// Shell, Healthcheck...). Env, Labels, ExposedPorts and Volumes are compared key by key (Env by
// variable name), so one added label is one line rather than a whole new map.
// Spec: https://github.com/opencontainers/image-spec/blob/main/config.md

import type { ImageConfig } from "../oci/types.js";

export interface ConfigChange {
  /** "User", "Env.PATH", "Labels.org.example.x", "ExposedPorts.80/tcp"... */
  field: string;
  kind: "added" | "removed" | "changed";
  old?: unknown;
  new?: unknown;
}

/** Top-level config fields compared as one value each. */
const TOP_FIELDS = ["architecture", "os", "variant", "os.version", "author", "created"] as const;
/** config.config fields keyed by name: compared key by key. */
const KEYED = ["Labels", "ExposedPorts", "Volumes"] as const;

export function diffConfigs(a: ImageConfig | null, b: ImageConfig | null): ConfigChange[] {
  const out: ConfigChange[] = [];
  const one = (field: string, x: unknown, y: unknown) => {
    if (same(x, y)) return;
    if (x === undefined) out.push({ field, kind: "added", new: y });
    else if (y === undefined) out.push({ field, kind: "removed", old: x });
    else out.push({ field, kind: "changed", old: x, new: y });
  };
  for (const f of TOP_FIELDS) one(f, a?.[f] ?? undefined, b?.[f] ?? undefined);
  const ca = a?.config ?? {};
  const cb = b?.config ?? {};
  keyed(out, "Env", envMap(ca.Env), envMap(cb.Env));
  for (const k of KEYED) keyed(out, k, ca[k] ?? undefined, cb[k] ?? undefined);
  const rest = [...new Set([...Object.keys(ca), ...Object.keys(cb)])]
    .filter((k) => k !== "Env" && !(KEYED as readonly string[]).includes(k))
    .sort();
  for (const k of rest) one(k, emptyAsAbsent(ca[k]), emptyAsAbsent(cb[k]));
  return out;
}

function keyed(out: ConfigChange[], field: string, x: Record<string, unknown> | undefined, y: Record<string, unknown> | undefined): void {
  const xa = x ?? {};
  const yb = y ?? {};
  for (const key of [...new Set([...Object.keys(xa), ...Object.keys(yb)])].sort()) {
    const f = `${field}.${key}`;
    if (!(key in xa)) out.push({ field: f, kind: "added", new: yb[key] });
    else if (!(key in yb)) out.push({ field: f, kind: "removed", old: xa[key] });
    else if (!same(xa[key], yb[key])) out.push({ field: f, kind: "changed", old: xa[key], new: yb[key] });
  }
}

/** Env as name -> value; a later duplicate wins, as in the container's environment. */
function envMap(env: string[] | undefined): Record<string, string> {
  const m: Record<string, string> = {};
  for (const e of env ?? []) {
    const i = e.indexOf("=");
    if (i < 0) m[e] = "";
    else m[e.slice(0, i)] = e.slice(i + 1);
  }
  return m;
}

/** "" and [] and null say what an absent field says. */
function emptyAsAbsent(v: unknown): unknown {
  if (v === null || v === "" || (Array.isArray(v) && v.length === 0)) return undefined;
  return v;
}

/** Equal as JSON values, whatever order their object keys were written in. */
function same(x: unknown, y: unknown): boolean {
  return JSON.stringify(x, sortedKeys) === JSON.stringify(y, sortedKeys);
}

function sortedKeys(this: unknown, _key: string, v: unknown): unknown {
  if (!v || typeof v !== "object" || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)));
}
