// Path resolution inside one image's tree, the way filepath-securejoin resolves for umoci:
// symlinks are followed component by component, an absolute target restarts at the image
// root, ".." stops at the root. Nothing can name a node outside the image, whatever the links
// say; that is what keeps "symlink pointing out" entries contained.

import { splitPath } from "./path.js";
import { Kind, NIL, type PathTable } from "./table.js";

/** Symlinks followed before giving up (Linux's MAXSYMLINKS is 40; securejoin allows 255). */
export const MAX_SYMLINKS = 255;

export type Resolved = { ok: true; node: number } | { ok: false; why: "missing" | "notdir" | "loop"; at: string };

export interface ResolveOptions {
  /** Follow a symlink in the last component too (stat, cat), or not (lstat, tar entries). */
  followLast: boolean;
  /** Create missing directories on the way (MkdirAll), with this factory for their inode. */
  create?: () => number;
}

/** Resolve `path` (clean, relative to `root`) to a node. */
export function resolve(t: PathTable, root: number, path: string, opts: ResolveOptions): Resolved {
  const parts = splitPath(path);
  // Parts are consumed from the end of a reversed stack so a symlink's target can be pushed.
  const stack = parts.reverse();
  let cur = root;
  let links = 0;
  const seen: string[] = [];
  while (stack.length) {
    const part = stack.pop()!;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      const p = t.parent[cur];
      if (cur !== root && p !== NIL) cur = p;
      seen.pop();
      continue;
    }
    if (t.kind[t.inode[cur]] !== Kind.Dir) return { ok: false, why: "notdir", at: seen.join("/") };
    let c = t.child(cur, part);
    if (c === NIL) {
      if (!opts.create) return { ok: false, why: "missing", at: [...seen, part].join("/") };
      c = t.addChild(cur, part, opts.create());
    }
    const isLast = stack.length === 0;
    if (t.kind[t.inode[c]] === Kind.Symlink && (!isLast || opts.followLast)) {
      if (++links > MAX_SYMLINKS) return { ok: false, why: "loop", at: [...seen, part].join("/") };
      const target = t.linkTarget.get(t.inode[c]) ?? "";
      if (target.startsWith("/")) {
        cur = root;
        seen.length = 0;
      }
      const tparts = splitPath(target.replace(/^\/+/, "").replace(/\/+$/, ""));
      for (let k = tparts.length - 1; k >= 0; k--) stack.push(tparts[k]);
      continue;
    }
    cur = c;
    seen.push(part);
  }
  return { ok: true, node: cur };
}

/** The path of node `i` relative to `root` ("" for the root itself). */
export function pathOf(t: PathTable, root: number, i: number): string {
  const parts: string[] = [];
  while (i !== root && i !== NIL) {
    parts.push(t.nodeName(i));
    i = t.parent[i];
  }
  return parts.reverse().join("/");
}
