// Path handling for layer entries: every name a tar can carry becomes a clean path relative to
// the image root, or the root itself (""). Lexical only; symlinks are resolved by the merged
// view (merge.ts), inside the root.
//
// Same rule as umoci's CleanPath (oci/layer/utils.go) and Go's filepath.Clean: "./", "//" and a
// trailing "/" vanish, "." components drop, ".." pops a component and stops at the root, so
// "../../etc/passwd" and "/etc/passwd" both mean "etc/passwd" inside the image. Such names are
// reported (`escaped`, `absolute`) so callers can warn or refuse. Names are byte strings kept
// as name-bytes.ts maps them; "/" and "." are ASCII, so the rules above work on them unchanged.

import { encodeName } from "./name-bytes.js";

export interface CleanPath {
  /** Components joined by "/", no leading or trailing slash; "" is the root. */
  path: string;
  /** A ".." tried to climb above the root. */
  escaped: boolean;
  /** The name began with "/". */
  absolute: boolean;
}

export function cleanPath(name: string): CleanPath {
  const absolute = name.startsWith("/");
  // Fast path: already clean (the common case in real layers).
  if (!absolute && name !== "" && !name.includes("//") && !name.endsWith("/") && !/(^|\/)\.\.?(\/|$)/.test(name)) {
    return { path: name, escaped: false, absolute: false };
  }
  const out: string[] = [];
  let escaped = false;
  for (const part of name.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length === 0) escaped = true;
      else out.pop();
      continue;
    }
    out.push(part);
  }
  return { path: out.join("/"), escaped, absolute };
}

/** Components of a clean path ([] for the root). */
export function splitPath(path: string): string[] {
  return path === "" ? [] : path.split("/");
}

/** Parent of a clean path ("" for top-level names and the root). */
export function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

/** Last component of a clean path. */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export function joinPath(dir: string, name: string): string {
  return dir === "" ? name : dir + "/" + name;
}

/**
 * Byte order of the names' bytes (what `LC_ALL=C sort` and Go's sort.Strings give). For
 * characters below U+D800 that is UTF-16 unit order; past it (astral characters, and the
 * U+DC80..U+DCFF stand-ins for raw bytes, see name-bytes.ts) the rest of both names is
 * compared as bytes.
 */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x < y ? -1 : 1;
    // Start at the character holding unit i (a low surrogate's pair began one unit earlier).
    const at = i > 0 && a.charCodeAt(i - 1) >= 0xd800 && a.charCodeAt(i - 1) <= 0xdbff ? i - 1 : i;
    return compareBytes(encodeName(a.slice(at)), encodeName(b.slice(at)));
  }
  return a.length - b.length;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
