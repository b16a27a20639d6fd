// Path handling for layer entries: every name a tar can carry becomes a clean path relative to
// the image root, or the root itself (""). Lexical only; symlinks are resolved by the merged
// view (merge.ts), inside the root.
//
// Same rule as umoci's CleanPath (oci/layer/utils.go) and Go's filepath.Clean: "./", "//" and a
// trailing "/" vanish, "." components drop, ".." pops a component and stops at the root, so
// "../../etc/passwd" and "/etc/passwd" both mean "etc/passwd" inside the image. Such names are
// reported (`escaped`, `absolute`) so callers can warn or refuse.

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
 * Byte order of the UTF-8 encodings (what `LC_ALL=C sort` and Go's sort.Strings give), which
 * is code point order; JavaScript's < compares UTF-16 units and differs above U+D7FF.
 */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only when one side is a surrogate and the other a BMP unit at or above U+E000 does
    // UTF-16 order disagree with code point order.
    if (x >= 0xd800 && y >= 0xd800) {
      const cx = a.codePointAt(i)!;
      const cy = b.codePointAt(i)!;
      if (cx !== cy) return cx < cy ? -1 : 1;
      continue;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
