// Applying one staged layer to an image's tree: the OCI layer semantics, decided the way
// umoci's TarExtractor.UnpackEntry decides them (oci/layer/tar_extract.go), in memory.
//
// Per entry, in tar order:
// - the parent is resolved through symlinks inside the root and created if missing (MkdirAll);
//   the last component is never followed;
// - a whiteout removes what it names unless this layer wrote it ("upper" paths: every path this
//   layer wrote and its ancestors); an opaque marker does the same to its directory's children,
//   wherever it stands in the tar; neither creates anything;
// - a directory over a directory updates metadata in place; anything else replaces what was
//   there (the old subtree goes), so type changes and duplicate entries (last wins) just work;
// - a hard link shares its target's inode (no metadata of its own) and must name an existing
//   non-directory.
// Bad entries raise a typed error (policy "throw", the default, like umoci) or are skipped
// with a warning (policy "skip"). Names with "../" or a leading "/" are contained: cleaned
// into the root, applied, and reported as warnings. Every path the view creates is held to
// the limits (limits.ts) after symlinks are resolved, and so is the table's size: a symlink
// in a parent can place an entry deeper than its own name says. Those refusals are
// CapacityErrors whatever the policy (a budget is not a bad entry).

import { UnsafePathError } from "../errors.js";
import { LayerEntryError } from "./errors.js";
import { checkPath, checkTableBudget, DEFAULT_LIMITS, type LayerLimits } from "./limits.js";
import { basename, cleanPath, dirname, joinPath } from "./path.js";
import { pathOf, resolve } from "./resolve.js";
import type { StagedEntry, StagedLayer } from "./stage.js";
import { Kind, KIND_NAMES, NIL, type KindName, type PathTable } from "./table.js";
import { classifyParents, classifyWhiteout } from "./whiteout.js";

export type BadEntryPolicy = "throw" | "skip";

export interface Change {
  path: string;
  type: KindName;
  /** Regular-file bytes added or, for deletions, no longer visible. */
  bytes: number;
  /** For a modification that changed the path's type: the type it had before (a dir replaced by a file...). */
  was?: KindName;
}

/** What one layer did to the view below it. */
export interface Changeset {
  added: Change[];
  modified: Change[];
  /** Paths a whiteout or a replacement removed (top of each removed subtree). */
  deleted: Change[];
  /** Directories whose lower contents an opaque marker hid. */
  opaque: Change[];
  addedBytes: number;
  modifiedBytes: number;
  deletedBytes: number;
}

export interface ApplyResult {
  changes: Changeset;
  /** Regular-file versions this layer supplied: inode and size (for reclaimable bytes). */
  versions: { inode: number; size: number; path: string }[];
  /** Leaf paths of the layer as dive sees them, with dive's size for each. */
  diveLeaves: Map<string, number>;
  warnings: string[];
}

const TYPE_KIND: Record<string, Kind> = {
  file: Kind.File,
  directory: Kind.Dir,
  symlink: Kind.Symlink,
  chardev: Kind.CharDev,
  blockdev: Kind.BlockDev,
  fifo: Kind.Fifo,
};

/** The budgets the layer is held to and the layer's name for their messages. */
export interface ApplyLimits {
  limits: LayerLimits;
  what: string;
}

export function applyLayer(
  t: PathTable,
  root: number,
  layerId: number,
  staged: StagedLayer,
  policy: BadEntryPolicy,
  budget: ApplyLimits = { limits: DEFAULT_LIMITS, what: `layer ${layerId}` },
): ApplyResult {
  const upper = new Set<number>();
  const createdHere = new Set<number>();
  const changes: Changeset = { added: [], modified: [], deleted: [], opaque: [], addedBytes: 0, modifiedBytes: 0, deletedBytes: 0 };
  const changed = new Map<string, { list: Change[]; change: Change }>();
  const versions: ApplyResult["versions"] = [];
  const diveLeaves = new Map<string, number>();
  const warnings: string[] = [];

  const bad = (e: LayerEntryError | UnsafePathError) => {
    if (policy === "throw") throw e;
    warnings.push(e.message + " (skipped)");
  };
  const markUpper = (i: number) => {
    for (let n = i; n !== NIL && !upper.has(n); n = t.parent[n]) {
      upper.add(n);
      if (n === root) break;
    }
  };
  const record = (list: Change[], change: Change) => {
    const prev = changed.get(change.path);
    if (prev) {
      // Duplicate entry in one layer: the first says added or modified, the last what it is.
      list = prev.list;
      prev.list.splice(prev.list.indexOf(prev.change), 1);
      if (prev.list === changes.added) changes.addedBytes -= prev.change.bytes;
      if (prev.list === changes.modified) changes.modifiedBytes -= prev.change.bytes;
    }
    list.push(change);
    if (list === changes.added) changes.addedBytes += change.bytes;
    if (list === changes.modified) changes.modifiedBytes += change.bytes;
    changed.set(change.path, { list, change });
  };
  /** Remove a subtree, counting the file bytes whose last visible link goes. */
  const removeCounting = (n: number): number => {
    let bytes = 0;
    t.remove(n, (m) => {
      const ino = t.inode[m];
      if (t.kind[ino] === Kind.File && t.links[ino] === 1) bytes += t.size[ino];
    });
    return bytes;
  };
  // Directories made on the way to the current entry, so a refused entry can take them back.
  const madeDirs = new Set<number>();
  const newDirInode = (mtime: number) => () => {
    const ino = t.newInode(Kind.Dir);
    madeDirs.add(ino);
    t.mode[ino] = 0o755;
    t.mtime[ino] = mtime;
    t.layer[ino] = layerId;
    return ino;
  };

  for (const e of staged.entries) {
    if (e.unsafe)
      warnings.push(`entry ${JSON.stringify(e.name)} names a path outside the root; contained as ${JSON.stringify(e.path || "/")}`);
    const parents = classifyParents(e.path);
    if (parents.kind === "meta") continue;
    if (parents.kind === "invalid") {
      bad(new UnsafePathError(e.name, parents.why));
      continue;
    }
    const base = basename(e.path);
    const wh = e.path === "" ? { kind: "none" as const } : classifyWhiteout(base);
    if (wh.kind !== "none") {
      if (wh.kind === "meta") continue;
      if (wh.kind === "invalid") {
        bad(new UnsafePathError(e.name, wh.why));
        continue;
      }
      const dir = resolve(t, root, dirname(e.path), { followLast: true });
      if (!dir.ok || t.kind[t.inode[dir.node]] !== Kind.Dir) continue; // nothing below to hide
      const dirNode = dir.node;
      const target = wh.kind === "opaque" ? dirNode : t.child(dirNode, wh.target);
      const targetPath = wh.kind === "opaque" ? pathOf(t, root, dirNode) : joinPath(pathOf(t, root, dirNode), wh.target);
      diveLeaves.set(
        cleanPath(wh.kind === "opaque" ? dirname(e.path) : joinPath(dirname(e.path), wh.target)).path,
        target !== NIL && t.kind[t.inode[target]] === Kind.Dir ? subtreeBytes(t, target) : 0,
      );
      if (target === NIL) continue;
      const type = KIND_NAMES[t.kind[t.inode[target]]];
      const bytes = whiteoutWalk(t, target, wh.kind === "opaque", upper, removeCounting);
      if (wh.kind === "opaque") changes.opaque.push({ path: targetPath, type, bytes });
      else if (!upper.has(target)) changes.deleted.push({ path: targetPath, type, bytes });
      changes.deletedBytes += bytes;
      continue;
    }
    if (e.type === "other") {
      bad(new LayerEntryError(e.name, "unsupported tar entry type"));
      continue;
    }

    diveLeaves.set(e.path, e.size);
    if (e.path === "") {
      // The root itself: only metadata of a directory may apply (umoci refuses other types).
      if (e.type !== "directory") bad(new UnsafePathError(e.name, `a ${e.type} cannot replace the root directory`));
      else setMeta(t, t.inode[root], e, layerId);
      continue;
    }
    // A hard link's target is checked before any parent is created, so a refused (skipped)
    // link leaves no trace.
    let linked = NIL;
    if (e.type === "hardlink") {
      const r = resolveHardlink(t, root, e);
      if (typeof r === "string") {
        bad(new LayerEntryError(e.name, r));
        continue;
      }
      linked = r;
    }
    madeDirs.clear();
    const parent = resolve(t, root, dirname(e.path), { followLast: true, create: newDirInode(e.mtime) });
    if (!parent.ok || t.kind[t.inode[parent.node]] !== Kind.Dir) {
      const why = !parent.ok && parent.why === "loop" ? `too many symlinks at ${parent.at}` : `${dirname(e.path)} is not a directory`;
      bad(new LayerEntryError(e.name, why));
      continue;
    }
    const dir = parent.node;
    const existing = t.child(dir, base);
    const path = joinPath(pathOf(t, root, dir), base);
    // Where symlinks led the entry: the same rules as for its name, checked before it is linked
    // in, with the directories made on the way taken back when it is refused.
    try {
      checkPath(budget.limits, budget.what, `resolved path of ${JSON.stringify(e.name)}`, path);
      checkTableBudget(budget.limits, budget.what, t.nodeCount, 1);
    } catch (err) {
      unmake(t, dir, madeDirs);
      throw err;
    }
    const resolvedParents = path === e.path ? parents : classifyParents(path);
    if (resolvedParents.kind !== "none") {
      unmake(t, dir, madeDirs);
      bad(
        new UnsafePathError(
          e.name,
          `its parent resolves to ${JSON.stringify(dirname(path))}: ${resolvedParents.kind === "invalid" ? resolvedParents.why : "an AUFS metadata directory"}`,
        ),
      );
      continue;
    }

    let inode: number;
    if (e.type === "hardlink") {
      if (linked === existing) {
        bad(new LayerEntryError(e.name, "hard link to itself"));
        continue;
      }
      inode = t.inode[linked];
    } else if (existing !== NIL && e.type === "directory" && t.kind[t.inode[existing]] === Kind.Dir) {
      const ino = t.inode[existing];
      const differs = metaDiffers(t, ino, e);
      setMeta(t, ino, e, layerId);
      t.touched(existing, layerId);
      markUpper(existing);
      if (differs && !createdHere.has(existing)) record(changes.modified, { path, type: "directory", bytes: 0 });
      continue;
    } else {
      inode = t.newInode(TYPE_KIND[e.type]);
      setMeta(t, inode, e, layerId);
    }

    const wasThere = existing !== NIL && !createdHere.has(existing);
    const oldType = existing !== NIL ? KIND_NAMES[t.kind[t.inode[existing]]] : undefined;
    if (existing !== NIL) {
      const replacedBytes = removeCounting(existing);
      // A replaced directory's contents are gone too: report them as deleted.
      if (oldType === "directory" && wasThere) {
        changes.deleted.push({ path, type: oldType, bytes: replacedBytes });
        changes.deletedBytes += replacedBytes;
      }
    }
    const history = existing !== NIL ? t.touch[existing] : NIL;
    const node = t.addChild(dir, base, inode);
    // A replaced path keeps the layers that wrote it before (a whiteout ends that history).
    t.touch[node] = history;
    t.touched(node, layerId);
    markUpper(node);
    createdHere.add(node);
    const kind = KIND_NAMES[t.kind[inode]];
    const bytes = e.type === "file" ? e.size : 0;
    if (e.type === "file") versions.push({ inode, size: e.size, path });
    if (wasThere && oldType !== kind) record(changes.modified, { path, type: kind, bytes, was: oldType });
    else record(wasThere ? changes.modified : changes.added, { path, type: kind, bytes });
  }
  pruneDiveDirs(diveLeaves);
  return { changes, versions, diveLeaves, warnings };
}

/** Remove the directories `made` for one entry: the highest made ancestor of `dir` and all below it. */
function unmake(t: PathTable, dir: number, made: Set<number>): void {
  let top = NIL;
  for (let n = dir; n !== NIL && made.has(t.inode[n]); n = t.parent[n]) top = n;
  if (top !== NIL) t.remove(top);
  made.clear();
}

function setMeta(t: PathTable, ino: number, e: StagedEntry, layerId: number): void {
  t.mode[ino] = e.mode;
  t.uid[ino] = e.uid;
  t.gid[ino] = e.gid;
  t.mtime[ino] = e.mtime;
  t.layer[ino] = layerId;
  if (e.xattrs) t.xattrs.set(ino, e.xattrs);
  else t.xattrs.delete(ino);
  if (e.uname || e.gname) t.ownerNames.set(ino, [e.uname, e.gname]);
  else t.ownerNames.delete(ino);
  if (e.mtimeNsec) t.mtimeNsec.set(ino, e.mtimeNsec);
  else t.mtimeNsec.delete(ino);
  switch (e.type) {
    case "file":
      t.size[ino] = e.size;
      t.offset[ino] = e.dataOffset;
      if (e.digest) t.digest.set(ino, e.digest);
      if (e.sparse) t.sparse.set(ino, e.sparse);
      break;
    case "symlink":
      t.linkTarget.set(ino, e.linkname);
      // Linux symlinks have no mode of their own (lstat says 0777 whatever the tar header
      // said; go-containerregistry's overwritten_file.tar carries a 0755 one).
      t.mode[ino] = 0o777;
      break;
    case "chardev":
    case "blockdev":
      t.rdev.set(ino, [e.devmajor, e.devminor]);
      break;
  }
}

function metaDiffers(t: PathTable, ino: number, e: StagedEntry): boolean {
  return (
    t.mode[ino] !== e.mode ||
    t.uid[ino] !== e.uid ||
    t.gid[ino] !== e.gid ||
    t.mtime[ino] !== e.mtime ||
    (t.mtimeNsec.get(ino) ?? 0) !== e.mtimeNsec ||
    JSON.stringify(t.xattrs.get(ino) ?? null) !== JSON.stringify(e.xattrs)
  );
}

/** The node a hard link entry names, or why it cannot link. */
function resolveHardlink(t: PathTable, root: number, e: StagedEntry): number | string {
  const target = cleanPath(e.linkname).path;
  if (target === "") return "hard link to the root directory";
  const dir = resolve(t, root, dirname(target), { followLast: true });
  if (!dir.ok) return `hard link target ${JSON.stringify(e.linkname)} does not exist (yet)`;
  const node = t.child(dir.node, basename(target));
  if (node === NIL) return `hard link target ${JSON.stringify(e.linkname)} does not exist (yet)`;
  if (t.kind[t.inode[node]] === Kind.Dir) return `hard link to a directory (${JSON.stringify(e.linkname)})`;
  return node;
}

/**
 * umoci's whiteout walk: remove every node under `start` that this layer did not write; for a
 * plain whiteout `start` itself goes unless this layer wrote it, an opaque marker keeps it.
 */
function whiteoutWalk(t: PathTable, start: number, opaque: boolean, upper: Set<number>, remove: (n: number) => number): number {
  let bytes = 0;
  const stack = [start];
  while (stack.length) {
    const n = stack.pop()!;
    if (!upper.has(n) && !(opaque && n === start)) {
      bytes += remove(n);
      continue;
    }
    if (t.kind[t.inode[n]] === Kind.Dir) for (const c of t.childNodes(n)) stack.push(c);
  }
  return bytes;
}

function subtreeBytes(t: PathTable, n: number): number {
  let bytes = 0;
  const stack = [n];
  while (stack.length) {
    const m = stack.pop()!;
    const ino = t.inode[m];
    if (t.kind[ino] === Kind.File) bytes += t.size[ino];
    for (const c of t.childNodes(m)) stack.push(c);
  }
  return bytes;
}

/** dive visits leaves only: a directory with entries below it in the same layer is not one. */
function pruneDiveDirs(leaves: Map<string, number>): void {
  const inner = new Set<string>();
  for (const p of leaves.keys())
    for (let d = dirname(p); d !== ""; d = dirname(d)) {
      if (inner.has(d)) break;
      inner.add(d);
    }
  for (const d of inner) leaves.delete(d);
  leaves.delete("");
}
