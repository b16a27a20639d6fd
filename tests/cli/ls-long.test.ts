// `ls -l` against GNU ls on the same layers extracted in order by GNU tar: the mode, link count
// (hard links of a file in the merged view, 2 + subdirectories for a directory), the size of a
// file and of a symlink (its target's length in bytes) and the link target are what `ls -ln`
// prints for the extracted tree. Directory sizes are the filesystem's there (4096 on ext4) and
// 0 here, as in the tar, so they are not compared.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dir, file, hardlink, symlink, writeLayout } from "./build-image.js";
import { ok } from "./in-process.js";
import { writeTar } from "../../src/fs/tar-write.js";

const tmp = mkdtempSync(join(tmpdir(), "layerlens-ls-long-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const layers = [
  {
    entries: [
      dir("etc"),
      dir("etc/sub1"),
      dir("etc/sub2"),
      dir("etc/sub2/deeper"),
      file("etc/hosts", "127.0.0.1 localhost\n"),
      hardlink("etc/hosts.link", "etc/hosts"),
      symlink("etc/short", "hosts"),
      symlink("etc/long", "/a/much/longer/target/path/ünïcode"),
      file("etc/single", "1\n"),
    ],
  },
  { entries: [dir("etc"), hardlink("etc/hosts.third", "etc/hosts"), file("etc/single", "replaced\n"), dir("etc/sub1/new")] },
];
const layout = join(tmp, "layout");
writeLayout(layout, { latest: { layers } });

/** GNU tar -x of each layer, bottom first, then GNU ls -ln of `dir` in the extracted tree. */
function gnuLs(dirPath: string): Map<string, { mode: string; nlink: number; size: number; target?: string }> {
  const root = join(tmp, "rootfs");
  mkdirSync(root, { recursive: true });
  layers.forEach((l, i) => {
    const tar = join(tmp, `layer${i}.tar`);
    writeFileSync(tar, writeTar(l.entries));
    execFileSync("tar", ["-x", "-f", tar, "-C", root]);
  });
  const out = execFileSync("ls", ["-ln", "--time-style=+", join(root, dirPath)], {
    encoding: "utf8",
    env: { ...process.env, LC_ALL: "C.UTF-8" },
  });
  const rows = new Map<string, { mode: string; nlink: number; size: number; target?: string }>();
  for (const line of out.trim().split("\n").slice(1)) {
    const m = /^(\S{10})\S?\s+(\d+)\s+\d+\s+\d+\s+(\d+)\s+(.*)$/.exec(line)!;
    const [name, target] = m[4].split(" -> ");
    rows.set(name, { mode: m[1], nlink: Number(m[2]), size: Number(m[3]), ...(target ? { target } : {}) });
  }
  return rows;
}

describe("ls -l counts as GNU ls does on the extracted rootfs", () => {
  it("link counts of files and directories, sizes of files and symlinks, link targets", async () => {
    const want = gnuLs("etc");
    const text = await ok("ls", `oci:${layout}:latest`, "-l", "etc");
    const got = new Map<string, { mode: string; nlink: number; size: number; target?: string }>();
    for (const line of text.trim().split("\n")) {
      const m = /^(\S{10})\s+(\d+)\s+\d+\s+\d+\s+(\d+)\s+\S+ \S+\s+L\d+\s+(.*)$/.exec(line);
      expect(m, line).not.toBeNull();
      const [name, target] = m![4].split(" -> ");
      got.set(name, { mode: m![1], nlink: Number(m![2]), size: Number(m![3]), ...(target ? { target } : {}) });
    }
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [name, w] of want) {
      const g = got.get(name)!;
      if (w.mode.startsWith("d")) expect({ name, mode: g.mode, nlink: g.nlink }).toEqual({ name, mode: w.mode, nlink: w.nlink });
      else expect({ name, ...g }).toEqual({ name, ...w });
    }
    // The cases the oracle covers, so the comparison above cannot pass vacuously.
    expect(want.get("hosts")!.nlink).toBe(3);
    expect(want.get("single")!.nlink).toBe(1);
    expect(want.get("sub2")!.nlink).toBe(3);
    expect(want.get("long")!.size).toBe(Buffer.byteLength("/a/much/longer/target/path/ünïcode"));
    expect(readFileSync(join(tmp, "rootfs", "etc", "single"), "utf8")).toBe("replaced\n");
  });
});
