// `cat` on an image built here: the user's image name in errors, a directory refused as one,
// symlinks followed inside the merged view (relative, absolute, chained, through a linked
// directory, ".." clamped at the root), loops and dangling links refused naming the path, and
// `--layer N` printing a file as of layer N.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dir, file, symlink, writeLayout } from "./build-image.js";
import { cli, ok } from "./in-process.js";

const tmp = mkdtempSync(join(tmpdir(), "layerlens-cat-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const layout = join(tmp, "layout");
writeLayout(layout, {
  latest: {
    layers: [
      {
        entries: [
          dir("etc"),
          file("etc/os-release", "release 0\n"),
          file("etc/hosts", "127.0.0.1 localhost\n"),
          symlink("etc/rel", "hosts"),
          symlink("abs", "/etc/hosts"),
          symlink("chain1", "chain2"),
          symlink("chain2", "etc/rel"),
          symlink("loop1", "loop2"),
          symlink("loop2", "loop1"),
          symlink("dangling", "/nowhere/at/all"),
          symlink("etcdir", "etc"),
          symlink("up", "../../../etc/hosts"),
        ],
      },
      { entries: [dir("etc"), file("etc/os-release", "release 1\n"), file("etc/new", "new in 1\n")] },
    ],
  },
});
const IMG = `oci:${layout}:latest`;

describe("cat", () => {
  it("prints the visible version, and with --layer N the version as of layer N", async () => {
    expect(await ok("cat", IMG, "etc/os-release")).toBe("release 1\n");
    expect(await ok("cat", IMG, "/etc/os-release", "--layer", "1")).toBe("release 1\n");
    expect(await ok("cat", IMG, "etc/os-release", "--layer", "0")).toBe("release 0\n");
    const before = await cli("cat", IMG, "etc/new", "--layer", "0");
    expect(before.code).toBe(1);
    expect(before.err).toMatch(/^layerlens: NOT_FOUND: .*"etc\/new": no such file or directory/);
  });

  it("refuses a --layer the image does not have, or that is not an index", async () => {
    for (const bad of ["2", "-1", "x", ""]) {
      const r = await cli("cat", IMG, "etc/hosts", "--layer", bad);
      expect(r.code, bad).toBe(1);
      expect(r.err, bad).toMatch(/^layerlens: USAGE: cat: --layer /);
      expect(r.out).toBe("");
    }
    expect((await cli("cat", IMG, "etc/hosts", "--layer", "2")).err).toContain("the image has 2 layers");
  });

  it("names the image as the user typed it, never an internal name", async () => {
    const r = await cli("cat", IMG, "no/such/file");
    expect(r.code).toBe(1);
    expect(r.err).toBe(`layerlens: NOT_FOUND: ${IMG}: "no/such/file": no such file or directory\n`);
    expect(r.err).not.toContain("default");
  });

  it("says a directory is a directory, through a link too", async () => {
    const r = await cli("cat", IMG, "etc");
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(new RegExp(`^layerlens: USAGE: cat: ${IMG.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: etc is a directory`));
    const viaLink = await cli("cat", IMG, "etcdir");
    expect(viaLink.err).toMatch(/USAGE: cat: .*: etcdir is a directory \(etcdir -> etc\)/);
  });

  it("follows relative, absolute and chained links, links in the path, and clamps .. at the root", async () => {
    const hosts = "127.0.0.1 localhost\n";
    for (const p of ["etc/rel", "abs", "chain1", "etcdir/hosts", "etcdir/rel", "up", "/chain2"])
      expect(await ok("cat", IMG, p), p).toBe(hosts);
  });

  it("a loop and a dangling link are NOT_FOUND errors naming the path and the chain", async () => {
    const loop = await cli("cat", IMG, "loop1");
    expect(loop.code).toBe(1);
    expect(loop.err).toBe(`layerlens: NOT_FOUND: ${IMG}: loop1: too many levels of symbolic links (loop1 -> loop2 -> loop1)\n`);
    const dangling = await cli("cat", IMG, "dangling");
    expect(dangling.code).toBe(1);
    expect(dangling.err).toBe(
      `layerlens: NOT_FOUND: ${IMG}: dangling: dangling symbolic link (dangling -> /nowhere/at/all: no such file or directory)\n`,
    );
  });
});
