// Rootfs listings in the format of fixtures/expected/*/rootfs.tsv (path type mode uid gid size
// mtime sha256 linkname hardlink_group xattrs rdev), made from a merged view or from a real
// directory (umoci unpack, GNU tar extraction), and compared row by row.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import type { MergedImage } from "../../../src/fs/merge.js";
import { comparePaths } from "../../../src/fs/path.js";
import { ROW_FIELDS, type RootfsRow } from "./fixtures.js";

const TYPE_LETTER: Record<string, string> = {
  file: "f",
  directory: "d",
  symlink: "l",
  chardev: "c",
  blockdev: "b",
  fifo: "p",
};

function xattrText(x: Record<string, string> | undefined): string {
  if (!x) return "-";
  const user = Object.keys(x)
    .filter((k) => k.startsWith("user."))
    .sort();
  return user.length ? user.map((k) => `${k}=${JSON.stringify(x[k])}`).join(",") : "-";
}

/** Rows of a merged view (mounted with hashFiles: true). */
export function rowsOfImage(img: MergedImage): RootfsRow[] {
  const groups = img.hardlinkGroups();
  const rows: RootfsRow[] = [];
  for (const s of img.walk()) {
    const g = s.type === "file" && s.nlink > 1 ? groups.get(s.inode)?.[0] : undefined;
    rows.push({
      path: s.path,
      type: TYPE_LETTER[s.type],
      mode: s.mode.toString(8).padStart(4, "0"),
      uid: String(s.uid),
      gid: String(s.gid),
      size: s.type === "file" ? String(s.size) : "-",
      mtime: String(Math.floor(s.mtime)),
      sha256: s.type === "file" ? (s.digest ?? "?").replace(/^sha256:/, "") : "-",
      linkname: s.type === "symlink" ? s.linkname! : "-",
      hardlink: g ?? "-",
      xattrs: xattrText(s.xattrs),
      rdev: s.rdev ? `${s.rdev[0]}:${s.rdev[1]}` : "-",
    });
  }
  return rows.sort((a, b) => comparePaths(a.path, b.path));
}

/** user.* xattrs of every path under `root`, from one recursive getfattr run. */
function userXattrsUnder(root: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  let text: string;
  try {
    text = execFileSync("getfattr", ["-R", "-P", "-h", "-d", "-m", "^user\\.", "--absolute-names", root], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 1 << 28,
    });
  } catch (e) {
    const err = e as { stdout?: string; code?: string };
    // getfattr exits 1 when some path has no xattrs support; only a missing tool is fatal.
    if (err.code === "ENOENT") throw new Error("getfattr not found: install the Debian package 'attr'", { cause: e });
    text = err.stdout ?? "";
  }
  let current = "";
  for (const line of text.split("\n")) {
    if (line.startsWith("# file: ")) current = line.slice(8);
    const m = /^([^#=][^=]*)="(.*)"$/.exec(line);
    if (m && current) out.set(current, { ...(out.get(current) ?? {}), [m[1]]: m[2] });
  }
  return out;
}

/** Rows of a real directory tree (what umoci unpack or tar -x produced). */
export function rowsOfDir(root: string, opts: { xattrs?: boolean } = {}): RootfsRow[] {
  const rows: RootfsRow[] = [];
  const inodes = new Map<number, string[]>();
  const xattrs = opts.xattrs === false ? new Map() : userXattrsUnder(root);
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel))) {
      const p = rel ? rel + "/" + name : name;
      const abs = join(root, p);
      const st = lstatSync(abs);
      const type = st.isFile()
        ? "f"
        : st.isDirectory()
          ? "d"
          : st.isSymbolicLink()
            ? "l"
            : st.isCharacterDevice()
              ? "c"
              : st.isBlockDevice()
                ? "b"
                : st.isFIFO()
                  ? "p"
                  : "s";
      if (type === "f" && st.nlink > 1) inodes.set(st.ino, [...(inodes.get(st.ino) ?? []), p]);
      rows.push({
        path: p,
        type,
        mode: (st.mode & 0o7777).toString(8).padStart(4, "0"),
        uid: String(st.uid),
        gid: String(st.gid),
        size: type === "f" ? String(st.size) : "-",
        mtime: String(Math.floor(st.mtimeMs / 1000)),
        sha256: type === "f" ? createHash("sha256").update(readFileSync(abs)).digest("hex") : "-",
        linkname: type === "l" ? readlinkSync(abs) : "-",
        hardlink: type === "f" && st.nlink > 1 ? String(st.ino) : "-",
        xattrs: type === "l" ? "-" : xattrText(xattrs.get(abs)),
        rdev: type === "c" || type === "b" ? `${Math.floor(st.rdev / 256) & 0xfff}:${(st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00)}` : "-",
      });
      if (type === "d") walk(p);
    }
  };
  walk("");
  const first = new Map<string, string>();
  for (const paths of inodes.values()) {
    paths.sort(comparePaths);
    for (const p of paths) first.set(p, paths[0]);
  }
  for (const r of rows) if (r.hardlink !== "-") r.hardlink = first.get(r.path)!;
  return rows.sort((a, b) => comparePaths(a.path, b.path));
}

export interface RowDiff {
  path: string;
  field: string;
  expected: string;
  actual: string;
}

/** Every difference between two listings, by path; `ignore` leaves fields out. */
export function diffRows(expected: RootfsRow[], actual: RootfsRow[], ignore: string[] = []): RowDiff[] {
  const out: RowDiff[] = [];
  const a = new Map(actual.map((r) => [r.path, r]));
  const e = new Map(expected.map((r) => [r.path, r]));
  for (const r of expected) {
    const x = a.get(r.path);
    if (!x) {
      out.push({ path: r.path, field: "exists", expected: "yes", actual: "missing" });
      continue;
    }
    for (const f of ROW_FIELDS) {
      if (ignore.includes(f)) continue;
      if (r[f] !== x[f]) out.push({ path: r.path, field: f, expected: r[f], actual: x[f] });
    }
  }
  for (const r of actual) if (!e.has(r.path)) out.push({ path: r.path, field: "exists", expected: "missing", actual: "yes" });
  return out;
}

export function formatDiffs(d: RowDiff[]): string {
  return d.map((x) => `${x.path}: ${x.field} expected ${JSON.stringify(x.expected)} got ${JSON.stringify(x.actual)}`).join("\n");
}
