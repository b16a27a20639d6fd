// diff(a, b): what differs between two merged views (two images, two tags, two platforms):
// paths only in b (added), only in a (removed), and in both with another type, mode, owner,
// size, link target, device, xattrs or content. Content is compared by sha256 when both
// images were mounted with hashFiles; otherwise two versions are known equal only when they
// are the same bytes of the same layer (same diff_id and offset), and are reported with
// "content?" when that cannot be told. fieldValues gives each changed field's value on both
// sides (modes in octal, content as sha256), for --json and for "before → after" text.

import type { MergedImage, Stat } from "./merge.js";
import { comparePaths } from "./path.js";

export type DiffField = "type" | "mode" | "uid" | "gid" | "size" | "link" | "rdev" | "xattrs" | "content" | "content?";

export interface DiffEntry {
  path: string;
  kind: "added" | "removed" | "changed";
  /** For "changed": which fields differ. */
  fields?: DiffField[];
  a?: Stat;
  b?: Stat;
}

export interface DiffSummary {
  added: number;
  removed: number;
  changed: number;
  entries: DiffEntry[];
}

export function diffImages(a: MergedImage, b: MergedImage): DiffSummary {
  const left = new Map<string, Stat>();
  for (const s of a.walk()) left.set(s.path, s);
  const entries: DiffEntry[] = [];
  const seen = new Set<string>();
  for (const sb of b.walk()) {
    seen.add(sb.path);
    const sa = left.get(sb.path);
    if (!sa) {
      entries.push({ path: sb.path, kind: "added", b: sb });
      continue;
    }
    const fields = compare(a, sa, b, sb);
    if (fields.length) entries.push({ path: sb.path, kind: "changed", fields, a: sa, b: sb });
  }
  for (const [path, sa] of left) if (!seen.has(path)) entries.push({ path, kind: "removed", a: sa });
  entries.sort((x, y) => comparePaths(x.path, y.path));
  const count = (k: DiffEntry["kind"]) => entries.filter((e) => e.kind === k).length;
  return { added: count("added"), removed: count("removed"), changed: count("changed"), entries };
}

function compare(ia: MergedImage, a: Stat, ib: MergedImage, b: Stat): DiffField[] {
  const f: DiffField[] = [];
  if (a.type !== b.type) return ["type"];
  if (a.mode !== b.mode) f.push("mode");
  if (a.uid !== b.uid) f.push("uid");
  if (a.gid !== b.gid) f.push("gid");
  if (a.size !== b.size) f.push("size");
  if ((a.linkname ?? "") !== (b.linkname ?? "")) f.push("link");
  if (String(a.rdev ?? "") !== String(b.rdev ?? "")) f.push("rdev");
  if (JSON.stringify(sortKeys(a.xattrs)) !== JSON.stringify(sortKeys(b.xattrs))) f.push("xattrs");
  if (a.type === "file" && a.size === b.size) {
    if (a.digest && b.digest) {
      if (a.digest !== b.digest) f.push("content");
    } else if (!sameBytes(ia, a, ib, b)) {
      f.push("content?");
    }
  }
  return f;
}

function sameBytes(ia: MergedImage, a: Stat, ib: MergedImage, b: Stat): boolean {
  if (a.size === 0) return true;
  const la = ia.locate(a.path);
  const lb = ib.locate(b.path);
  const ida = la.layer.diffId;
  return !!ida && ida === lb.layer.diffId && la.offset === lb.offset;
}

function sortKeys(x: Record<string, string> | undefined): [string, string][] | null {
  return x ? Object.entries(x).sort(([p], [q]) => comparePaths(p, q)) : null;
}

/** A changed field's value in a and in b; null where a side has none (no digest, no link). */
export interface FieldChange {
  old: string | number | Record<string, string> | null;
  new: string | number | Record<string, string> | null;
}

/** The old and new value of each field a "changed" entry lists. */
export function fieldValues(e: DiffEntry): Partial<Record<DiffField, FieldChange>> {
  const out: Partial<Record<DiffField, FieldChange>> = {};
  if (!e.a || !e.b || !e.fields) return out;
  for (const f of e.fields) out[f] = { old: valueOf(e.a, f), new: valueOf(e.b, f) };
  return out;
}

function valueOf(s: Stat, f: DiffField): FieldChange["old"] {
  switch (f) {
    case "type":
      return s.type;
    case "mode":
      return s.mode.toString(8).padStart(4, "0");
    case "uid":
      return s.uid;
    case "gid":
      return s.gid;
    case "size":
      return s.size;
    case "link":
      return s.linkname ?? null;
    case "rdev":
      return s.rdev ? `${s.rdev[0]},${s.rdev[1]}` : null;
    case "xattrs":
      return s.xattrs ?? null;
    case "content":
    case "content?":
      return s.digest ?? null;
  }
}
