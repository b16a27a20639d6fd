// Extractors and listers for the export tables, all seeing names as bytes: umoci unpacking a
// multi-layer image, GNU tar / bsdtar / Python's tarfile extracting a tar into a fresh
// directory, the tree they left read back by Python with os.lstat on bytes paths, and Python's
// tarfile listing the members of a tar (uname, gname, device numbers, the PAX mtime text).
// Node's readdir decodes names as UTF-8 and replaces what does not decode, so it cannot say
// whether a name kept its bytes; Python's bytes API can. Names and link targets travel as hex.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratch } from "./oracles.js";

export interface TreeRow {
  /** The path's bytes, hex. */
  name: string;
  type: "file" | "directory" | "symlink" | "chardev" | "blockdev" | "fifo" | "other";
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeNs: string;
  sha256: string;
  /** Symlink target bytes, hex. */
  link: string;
  /** For a file with several links: the first of its paths in byte order (hex). */
  hardlink: string;
  rdev: string;
}

export type Tree = { ok: true; rows: TreeRow[] } | { ok: false; error: string };

const PY_TREE = String.raw`
import hashlib, json, os, stat, sys
root = os.fsencode(sys.argv[1])
rows, inodes = [], {}
for d, dirs, files in os.walk(root):
    for n in dirs + files:
        full = os.path.join(d, n)
        rel = os.path.relpath(full, root)
        st = os.lstat(full)
        m = st.st_mode
        t = ("file" if stat.S_ISREG(m) else "directory" if stat.S_ISDIR(m) else "symlink" if stat.S_ISLNK(m)
             else "chardev" if stat.S_ISCHR(m) else "blockdev" if stat.S_ISBLK(m) else "fifo" if stat.S_ISFIFO(m) else "other")
        h = ""
        if t == "file":
            with open(full, "rb") as f:
                h = hashlib.file_digest(f, "sha256").hexdigest() if hasattr(hashlib, "file_digest") else hashlib.sha256(f.read()).hexdigest()
            if st.st_nlink > 1: inodes.setdefault(st.st_ino, []).append(rel)
        rows.append({"name": rel.hex(), "type": t, "mode": stat.S_IMODE(m) if t != "symlink" else 0o777, "uid": st.st_uid,
                     "gid": st.st_gid, "size": st.st_size if t == "file" else 0, "mtimeNs": str(st.st_mtime_ns), "sha256": h,
                     "link": os.readlink(full).hex() if t == "symlink" else "", "ino": st.st_ino, "nlink": st.st_nlink,
                     "rdev": "%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev)) if t in ("chardev", "blockdev") else ""})
first = {ino: min(paths) for ino, paths in inodes.items()}
for r in rows:
    r["hardlink"] = first[r["ino"]].hex() if r["type"] == "file" and r["nlink"] > 1 else ""
    del r["ino"], r["nlink"]
rows.sort(key=lambda r: bytes.fromhex(r["name"]))
print(json.dumps(rows))
`;

/** Every path under `root` as the kernel reports it, names as bytes. */
export function treeRows(root: string): TreeRow[] {
  return JSON.parse(execFileSync("python3", ["-c", PY_TREE, root], { encoding: "utf8", maxBuffer: 1 << 28 })) as TreeRow[];
}

const PY_EXTRACT = `
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    kw = {"filter": "fully_trusted"} if hasattr(tarfile, "fully_trusted_filter") else {}
    t.extractall(sys.argv[2], numeric_owner=True, **kw)
`;

export type Extractor = "gnutar" | "bsdtar" | "python";

/** `tool` extracting `tar` into a fresh directory, owners and modes kept (the tests run as root). */
export function extract(tool: Extractor, tar: Uint8Array): Tree {
  const dir = scratch(`extract-${tool}`);
  try {
    const file = join(dir, "in.tar");
    const out = join(dir, "out");
    writeFileSync(file, tar);
    mkdirSync(out);
    const argv: Record<Extractor, [string, string[]]> = {
      gnutar: ["tar", ["--numeric-owner", "-p", "-xf", file, "-C", out]],
      bsdtar: ["bsdtar", ["--numeric-owner", "-p", "-xf", file, "-C", out]],
      python: ["python3", ["-c", PY_EXTRACT, file, out]],
    };
    const [cmd, args] = argv[tool];
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    if (r.status !== 0) return { ok: false, error: `${tool}: ${r.stderr.trim()}` };
    return { ok: true, rows: treeRows(out) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let layout: string | null = null;
let cases = 0;

/** umoci unpack of an image whose layers (bottom first, uncompressed) are `tars`. */
export function umociUnpackLayers(tars: Uint8Array[]): Tree {
  if (!layout) {
    layout = join(scratch("umoci-layers"), "layout");
    execFileSync("umoci", ["init", "--layout", layout]);
    execFileSync("umoci", ["new", "--image", `${layout}:base`]);
  }
  const work = scratch("umoci-layers-case");
  try {
    let from = "base";
    for (const [i, tar] of tars.entries()) {
      const tag = `c${cases}-${i}`;
      writeFileSync(join(work, `${i}.tar`), tar);
      execFileSync("umoci", ["raw", "add-layer", "--image", `${layout}:${from}`, "--tag", tag, join(work, `${i}.tar`)], { stdio: "pipe" });
      from = tag;
    }
    cases++;
    const r = spawnSync("umoci", ["unpack", "--image", `${layout}:${from}`, join(work, "bundle")], { encoding: "utf8" });
    if (r.status !== 0) return { ok: false, error: r.stderr.trim().split("\n").pop() ?? "" };
    return { ok: true, rows: treeRows(join(work, "bundle", "rootfs")) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The OCI layout umoci builds for `tars` (tag "img"), for running the CLI on it; caller removes it. */
export function umociLayout(tars: Uint8Array[]): string {
  const dir = scratch("umoci-cli");
  const lay = join(dir, "layout");
  execFileSync("umoci", ["init", "--layout", lay]);
  execFileSync("umoci", ["new", "--image", `${lay}:img`]);
  for (const [i, tar] of tars.entries()) {
    writeFileSync(join(dir, `${i}.tar`), tar);
    execFileSync("umoci", ["raw", "add-layer", "--image", `${lay}:img`, join(dir, `${i}.tar`)], { stdio: "pipe" });
  }
  return lay;
}

export interface MemberRow {
  name: string;
  type: string;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  size: number;
  mtime: string;
  link: string;
  dev: string;
}

const PY_MEMBERS = String.raw`
import json, sys, tarfile
out = []
t = tarfile.open(sys.argv[1])
def members():
    # A tar cut after its last header (a body too big to build) still lists what came before.
    try:
        yield from t
    except tarfile.ReadError:
        if not out: raise
for m in members():
        enc = lambda s: s.encode("utf-8", "surrogateescape").hex()
        out.append({"name": enc(m.name.rstrip("/")), "type": m.type.decode("latin-1"), "uid": m.uid, "gid": m.gid,
                    "uname": m.uname, "gname": m.gname, "size": m.size if m.isreg() else 0,
                    "mtime": m.pax_headers.get("mtime", str(int(m.mtime))), "link": enc(m.linkname),
                    "dev": "%d:%d" % (m.devmajor, m.devminor) if m.ischr() or m.isblk() else ""})
print(json.dumps(out))
`;

/** Python's tarfile listing of every member of `tar` (names as bytes, hex). */
export function pythonMembers(tar: Uint8Array): MemberRow[] | { error: string } {
  const dir = scratch("py-members");
  try {
    writeFileSync(join(dir, "in.tar"), tar);
    const r = spawnSync("python3", ["-c", PY_MEMBERS, join(dir, "in.tar")], { encoding: "utf8", maxBuffer: 1 << 28 });
    if (r.status !== 0) return { error: r.stderr.trim().split("\n").pop() ?? "" };
    return JSON.parse(r.stdout) as MemberRow[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A tar written by Python's tarfile from a JSON description (see PY_WRITE). */
export function pythonTar(spec: unknown): Uint8Array {
  return execFileSync("python3", ["-c", PY_WRITE, JSON.stringify(spec)], { maxBuffer: 1 << 28 });
}

// {"format": "ustar"|"gnu"|"pax", "encoding": "utf-8"|"latin-1", "members": [{"name": hex, "type":
// "0"|"2"|"5"|..., "link": hex, "data": text, "mtime": number, "pax": {...}, uid, gid, uname, gname,
// mode, devmajor, devminor}]}: names given as bytes, decoded with surrogateescape, so
// whatever bytes are asked for are what tarfile writes.
const PY_WRITE = String.raw`
import io, json, sys, tarfile
spec = json.loads(sys.argv[1])
fmt = {"ustar": tarfile.USTAR_FORMAT, "gnu": tarfile.GNU_FORMAT, "pax": tarfile.PAX_FORMAT}[spec["format"]]
enc = spec.get("encoding", "utf-8")
dec = lambda h: bytes.fromhex(h).decode(enc, "surrogateescape")
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=fmt, encoding=enc, errors="surrogateescape") as t:
    for m in spec["members"]:
        ti = tarfile.TarInfo(dec(m["name"]))
        ti.type = m.get("type", "0").encode()
        ti.linkname = dec(m.get("link", ""))
        ti.mode = m.get("mode", 0o755 if ti.type == b"5" else 0o644)
        ti.mtime = m.get("mtime", 1600000000)
        for k in ("uid", "gid", "uname", "gname", "devmajor", "devminor"):
            if k in m: setattr(ti, k, m[k])
        if "pax" in m: ti.pax_headers = m["pax"]
        data = m.get("data", "").encode()
        ti.size = len(data) if ti.type in (b"0", b"\0") else 0
        t.addfile(ti, io.BytesIO(data) if ti.size else None)
sys.stdout.buffer.write(buf.getvalue())
`;
