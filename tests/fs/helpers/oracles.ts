// The reference tools run on a tar, for the conformance tables: GNU tar extracting into a fresh
// directory, umoci unpacking the tar as the one layer of an OCI image, Python's tarfile listing
// it. Each returns what it saw as plain rows (or that it refused), so the tables compare
// layerlens with the tool's own answer instead of typed-in literals.

import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface FileRow {
  path: string;
  type: "file" | "directory" | "symlink" | "hardlink" | "other";
  size: number;
  sha256: string;
  mtime: number;
  uid: number;
  linkname: string;
}

export type Verdict = { ok: true; rows: FileRow[] } | { ok: false; error: string };

export function have(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;
}

export function scratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `layerlens-${prefix}-`));
}

function sha256File(p: string): string {
  return createHash("sha256").update(readFileSync(p)).digest("hex");
}

/** Every path under `root` (sorted), as the kernel reports it. */
export function rowsOfTree(root: string): FileRow[] {
  const out: FileRow[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const full = join(root, path);
      const st = lstatSync(full);
      const type = st.isFile() ? "file" : st.isDirectory() ? "directory" : st.isSymbolicLink() ? "symlink" : "other";
      out.push({
        path,
        type,
        size: type === "file" ? st.size : 0,
        sha256: type === "file" ? sha256File(full) : "",
        mtime: Math.floor(st.mtimeMs / 1000),
        uid: st.uid,
        linkname: type === "symlink" ? readlinkSync(full) : "",
      });
      if (type === "directory") walk(path);
    }
  };
  walk("");
  return out;
}

/** GNU tar -x of `tar` into a fresh directory (owners kept: the tests run as whoever runs them). */
export function gnuTarExtract(tar: Uint8Array): Verdict {
  const dir = scratch("gnutar");
  try {
    writeFileSync(join(dir, "in.tar"), tar);
    mkdirSync(join(dir, "out"));
    const r = spawnSync("tar", ["--numeric-owner", "-p", "-xf", join(dir, "in.tar"), "-C", join(dir, "out")], { encoding: "utf8" });
    if (r.status !== 0) return { ok: false, error: r.stderr.trim() };
    return { ok: true, rows: rowsOfTree(join(dir, "out")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let umociLayout: string | null = null;
let umociCount = 0;

/** umoci unpack of an image whose one layer is `tar` (uncompressed). */
export function umociUnpack(tar: Uint8Array): Verdict {
  if (!umociLayout) {
    umociLayout = join(scratch("umoci"), "layout");
    execFileSync("umoci", ["init", "--layout", umociLayout]);
    execFileSync("umoci", ["new", "--image", `${umociLayout}:base`]);
  }
  const tag = `case${umociCount++}`;
  const work = scratch("umoci-case");
  try {
    writeFileSync(join(work, "layer.tar"), tar);
    execFileSync("umoci", ["raw", "add-layer", "--image", `${umociLayout}:base`, "--tag", tag, join(work, "layer.tar")], { stdio: "pipe" });
    const r = spawnSync("umoci", ["unpack", "--image", `${umociLayout}:${tag}`, join(work, "bundle")], { encoding: "utf8" });
    if (r.status !== 0) return { ok: false, error: r.stderr.trim().split("\n").pop() ?? "" };
    return { ok: true, rows: rowsOfTree(join(work, "bundle", "rootfs")) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const PY_LIST = `
import hashlib, sys, tarfile
t = tarfile.open(sys.argv[1])
for m in t:
    h = "-"
    if m.isreg() and sys.argv[2] == "1":
        f = t.extractfile(m)
        d = hashlib.sha256()
        while True:
            b = f.read(1 << 20)
            if not b: break
            d.update(b)
        h = d.hexdigest()
    if not m.isreg(): h = ""
    print("\\t".join([m.name, str(m.size), h]))
`;

/** Python's tarfile: name, size and content sha256 ("-" without `content`) of every regular member. */
export function pythonList(tar: Uint8Array, content = true): { name: string; size: number; sha256: string }[] | { error: string } {
  const dir = scratch("python");
  try {
    writeFileSync(join(dir, "in.tar"), tar);
    const r = spawnSync("python3", ["-c", PY_LIST, join(dir, "in.tar"), content ? "1" : "0"], { encoding: "utf8" });
    if (r.status !== 0) return { error: r.stderr.trim().split("\n").pop() ?? "" };
    return r.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => {
        const [name, size, sha256] = l.split("\t");
        return { name, size: Number(size), sha256 };
      })
      .filter((e) => e.sha256 !== "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
