// The rows of dive mode, as plain data: the merged tree as of one layer flattened depth first,
// each path marked with what that layer did to it (added / modified, and the paths it removed,
// which are no longer in the tree, as rows of their own), directory sizes summed from the
// files below, then filtered (changed in this layer only, wasted only, a path search) and
// sorted (by name, or by size with each directory's children largest first). Pure functions,
// so the page and its tests agree on what a filter keeps.

import { comparePaths, type LayerRecord, type Stat } from "../../src/browser.js";

export type Mark = "added" | "modified" | "removed" | "";

export interface Row {
  path: string;
  name: string;
  depth: number;
  type: string;
  /** A file's bytes; a directory's, the sum of the files below it. */
  size: number;
  mark: Mark;
  /** Layer the visible version came from (-1 for a removed path). */
  layer: number;
  linkname?: string;
}

export interface RowQuery {
  changedOnly: boolean;
  wastedOnly: boolean;
  /** Substring, or a glob when it holds * ? or [ (`*` within a name, `**` across names). */
  search: string;
  sort: "name" | "size";
}

const parentOf = (p: string) => p.slice(0, Math.max(0, p.lastIndexOf("/")));

/** A path's last name (the whole path at the top). */
export const nameOf = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/** How many `/` a path holds: its depth below the root. */
export function depthOf(path: string): number {
  let n = 0;
  for (let at = path.indexOf("/"); at >= 0; at = path.indexOf("/", at + 1)) n++;
  return n;
}

/**
 * The tree as of `record`'s layer (`walk` of the view mounted up to it) as marked rows. The walk
 * is depth first with every directory before what it holds, so a file's bytes go to its own
 * directory only, and each directory's total is passed up once, children before parents: a
 * tree of 100k paths is summed in one pass instead of a climb to the root per file.
 */
export function treeRows(walk: Iterable<Stat>, record: LayerRecord): Row[] {
  const added = new Set(record.changes.added.map((c) => c.path));
  const modified = new Set(record.changes.modified.map((c) => c.path));
  const rows: Row[] = [];
  /** Directory path → its index in dirRows. */
  const dirIndex = new Map<string, number>();
  const dirRows: Row[] = [];
  /** Bytes of the files below each directory (whole subtree once passed up), and its parent's index. */
  const below: number[] = [];
  const parentIndex: number[] = [];
  /** The directories open above the walk's place, innermost last: the parent is nearly always one of them. */
  const open: number[] = [];
  const parentOfEntry = (path: string, slash: number): number => {
    while (open.length) {
      const dir = dirRows[open[open.length - 1]].path;
      if (dir.length === slash && path.startsWith(dir)) return open[open.length - 1];
      if (dir.length < slash && path.charCodeAt(dir.length) === 47 && path.startsWith(dir)) break;
      open.pop();
    }
    return dirIndex.get(path.slice(0, slash)) ?? -1;
  };
  for (const s of walk) {
    const slash = s.path.lastIndexOf("/");
    const name = s.path.slice(slash + 1);
    const parent = slash < 0 ? -1 : parentOfEntry(s.path, slash);
    const mark: Mark = s.layer !== record.index ? "" : added.has(s.path) ? "added" : modified.has(s.path) ? "modified" : "";
    const row: Row = { path: s.path, name, depth: depthOf(s.path), type: s.type, size: s.size, mark, layer: s.layer };
    if (s.linkname !== undefined) row.linkname = s.linkname;
    rows.push(row);
    if (s.type === "directory") {
      dirIndex.set(s.path, dirRows.length);
      open.push(dirRows.length);
      dirRows.push(row);
      below.push(0);
      parentIndex.push(parent);
    } else if (s.size && parent >= 0) below[parent] += s.size;
  }
  // A directory's descendants come after it in the walk, so from the last one back each total is complete when passed up.
  for (let i = dirRows.length - 1; i >= 0; i--) {
    dirRows[i].size += below[i];
    if (parentIndex[i] >= 0) below[parentIndex[i]] += below[i];
  }
  for (const c of record.changes.deleted) {
    rows.push({ path: c.path, name: nameOf(c.path), depth: depthOf(c.path), type: c.type, size: c.bytes, mark: "removed", layer: -1 });
  }
  return rows;
}

/** The search as it is matched: no spaces around it, no leading slash (paths are relative). */
const searchText = (search: string) => search.trim().replace(/^\/+/, "");

/** A search as a test on a path: a glob when it has glob characters, else a substring. */
export function pathMatcher(search: string): (path: string) => boolean {
  const q = searchText(search);
  if (!q) return () => true;
  if (!/[*?[]/.test(q)) return (p) => p.includes(q);
  let re = "";
  for (let i = 0; i < q.length; i++) {
    const c = q[i];
    if (c === "*" && q[i + 1] === "*") {
      re += ".*";
      i++;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = q.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        re += "[" + q.slice(i + 1, end).replace(/\\/g, "\\\\") + "]";
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  // A glob without a slash matches a name anywhere in the tree, as `find -name` does.
  const rx = new RegExp(q.includes("/") ? `^${re}$` : `(^|/)${re}$`);
  return (p) => rx.test(p);
}

/** The rows the query keeps, with the directories above each kept row, in the order asked. */
export function queryRows(rows: Row[], q: RowQuery, wasted: ReadonlySet<string>): Row[] {
  // Nothing to filter (the view as it opens): every row is kept, so there is no set of kept paths to build.
  if (!q.changedOnly && !q.wastedOnly && !searchText(q.search)) return ordered(rows, q);
  const matches = pathMatcher(q.search);
  const keep = new Set<string>();
  for (const r of rows) {
    if (q.changedOnly && !r.mark) continue;
    if (q.wastedOnly && !wasted.has(r.path)) continue;
    if (!matches(r.path)) continue;
    keep.add(r.path);
    for (let d = parentOf(r.path); d && !keep.has(d); d = parentOf(d)) keep.add(d);
  }
  return ordered(
    rows.filter((r) => keep.has(r.path)),
    q,
  );
}

const ordered = (rows: Row[], q: RowQuery) => (q.sort === "size" ? bySize(rows) : byName(rows));

/** Depth first, each directory's children in the order `compare` gives. */
function treeOrder(rows: Row[], compare: (a: Row, b: Row) => number): Row[] {
  const children = new Map<string, Row[]>();
  for (const r of rows) {
    const p = parentOf(r.path);
    let list = children.get(p);
    if (!list) children.set(p, (list = []));
    list.push(r);
  }
  const out: Row[] = [];
  const visit = (dir: string) => {
    const list = children.get(dir);
    if (!list) return;
    list.sort(compare);
    for (const r of list) {
      out.push(r);
      if (r.type === "directory") visit(r.path);
    }
  };
  visit("");
  return out;
}

const byName = (rows: Row[]) => treeOrder(rows, (a, b) => comparePaths(a.name, b.name));
/** Each directory's children largest first (ties by name). */
const bySize = (rows: Row[]) => treeOrder(rows, (a, b) => b.size - a.size || comparePaths(a.name, b.name));
