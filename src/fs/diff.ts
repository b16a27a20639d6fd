// diff(a, b): what differs between two merged views (two images, two tags, two platforms):
// paths only in b (added), only in a (removed), and in both with another type, mode, owner,
// size, link target, device, xattrs or content. Content is compared by sha256 when both
// images were mounted with hashFiles; otherwise two versions are known equal only when they
// are the same bytes of the same layer (same diff_id and offset), and are reported with
// "content?" when that cannot be told.

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
