// Differential tests against umoci run live: images built here (umoci init/new/unpack/repack/
// insert/raw add-layer, including a layer written by the project's own tar writer) and the
// go-containerregistry test images (converted by skopeo), unpacked by `umoci unpack`; the
// merged view must equal the unpacked rootfs row by row, and so must the GNU tar extraction
// of `export`. Needs umoci, skopeo and GNU tar (Debian packages; CI installs them).

import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { exportImage } from "../../src/fs/export.js";
import { LayerFS } from "../../src/fs/merge.js";
import { FIXTURES, fixtureImage, SKIP_FIXTURES } from "./helpers/fixtures.js";
import { tarOf } from "./helpers/layers.js";
import { diffRows, formatDiffs, rowsOfDir, rowsOfImage } from "./helpers/rootfs.js";

function have(tool: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const TOOLS = have("umoci") && have("skopeo") && have("tar");
const SKIP = !TOOLS && process.env.CI !== "true";
if (SKIP) console.warn("umoci-live: umoci/skopeo not installed, live differential tests skipped");

const TMP = mkdtempSync(join(tmpdir(), "layerlens-umoci-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });

/** umoci unpack of layout:tag, listed. */
function umociRows(layout: string, tag: string): ReturnType<typeof rowsOfDir> {
  const bundle = join(TMP, `unpack-${tag}-${Math.random().toString(36).slice(2)}`);
  run("umoci", "unpack", "--image", `${layout}:${tag}`, bundle);
  return rowsOfDir(join(bundle, "rootfs"));
}

async function compare(layout: string, tag: string, withExport = true): Promise<void> {
  const img = fixtureImage(layout, tag);
  const fs = new LayerFS({ hashFiles: true });
  await fs.mountBatch(img.layers);
  const expected = umociRows(layout, tag);
  const diffs = diffRows(expected, rowsOfImage(fs.image()));
  expect(diffs, `${tag}: merged view vs umoci unpack\n${formatDiffs(diffs)}`).toEqual([]);
  if (!withExport) return;
  const parts: Uint8Array[] = [];
  await exportImage(fs.image(), (c) => parts.push(c));
  const out = join(TMP, `export-${tag}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(out);
  writeFileSync(out + ".tar", Buffer.concat(parts));
  run("tar", "--numeric-owner", "-p", "--xattrs", "--xattrs-include=user.*", "-xf", out + ".tar", "-C", out);
  const ex = diffRows(expected, rowsOfDir(out));
  expect(ex, `${tag}: export extracted by GNU tar vs umoci unpack\n${formatDiffs(ex)}`).toEqual([]);
}

describe.skipIf(SKIP)("live: images built with umoci here", () => {
  const L = join(TMP, "layout");
  const T = 1700000000;

  test("build v1..v5 and compare each", async () => {
    run("umoci", "init", "--layout", L);
    run("umoci", "new", "--image", `${L}:base`);
    // v1: a little tree with every kind of entry.
    run("umoci", "unpack", "--image", `${L}:base`, join(TMP, "b1"));
    let R = join(TMP, "b1", "rootfs");
    for (const d of ["etc", "usr/bin", "usr/share/doc/pkg", "var/lib/x", "opt/app/deep/er", "dir2file", "srv"])
      mkdirSync(join(R, d), { recursive: true });
    writeFileSync(join(R, "etc/conf"), "conf v1\n");
    writeFileSync(join(R, "usr/bin/tool"), "#!/bin/sh\n");
    chmodSync(join(R, "usr/bin/tool"), 0o4755);
    writeFileSync(join(R, "usr/share/doc/pkg/README"), "x".repeat(5000));
    writeFileSync(join(R, "opt/app/deep/er/f"), "deep");
    writeFileSync(join(R, "file2dir"), "i was a file");
    writeFileSync(join(R, "dir2file/inner"), "inner");
    writeFileSync(join(R, "srv/a"), "shared");
    linkSync(join(R, "srv/a"), join(R, "srv/b"));
    symlinkSync("../etc/conf", join(R, "srv/conf-link"));
    symlinkSync("/nonexistent", join(R, "srv/dangling"));
    writeFileSync(join(R, "srv/" + "n".repeat(120)), "long name");
    writeFileSync(join(R, "srv/ünï 🐳"), "unicode");
    run("find", R, "-exec", "touch", "-h", "-d", `@${T}`, "{}", "+");
    run("umoci", "repack", "--image", `${L}:v1`, join(TMP, "b1"));
    await compare(L, "v1");

    // v2: modify, chmod, delete a file and a directory, change types both ways.
    run("umoci", "unpack", "--image", `${L}:v1`, join(TMP, "b2"));
    R = join(TMP, "b2", "rootfs");
    writeFileSync(join(R, "etc/conf"), "conf v2, longer\n");
    chmodSync(join(R, "usr/share/doc/pkg/README"), 0o600);
    unlinkSync(join(R, "srv/dangling"));
    rmSync(join(R, "opt/app/deep"), { recursive: true });
    unlinkSync(join(R, "file2dir"));
    mkdirSync(join(R, "file2dir"));
    writeFileSync(join(R, "file2dir/now"), "a dir now");
    rmSync(join(R, "dir2file"), { recursive: true });
    writeFileSync(join(R, "dir2file"), "a file now");
    writeFileSync(join(R, "srv/a"), "rewritten through the link");
    run("find", R, "-newer", join(TMP, "b1", "config.json"), "-exec", "touch", "-h", "-d", `@${T + 86400}`, "{}", "+");
    run("umoci", "repack", "--image", `${L}:v2`, join(TMP, "b2"));
    await compare(L, "v2");

    // v3: opaque directory replacement; v4: explicit whiteout.
    const nd = join(TMP, "newdoc");
    mkdirSync(join(nd, "sub"), { recursive: true });
    writeFileSync(join(nd, "sub/new"), "new doc");
    run("find", nd, "-exec", "touch", "-h", "-d", `@${T + 2 * 86400}`, "{}", "+");
    run("umoci", "insert", "--image", `${L}:v2`, "--tag", "v3", "--opaque", nd, "/usr/share/doc");
    await compare(L, "v3");
    run("umoci", "insert", "--image", `${L}:v3`, "--tag", "v4", "--whiteout", "/etc/conf");
    await compare(L, "v4");

    // v5: a layer written by the project's tar writer: './' names, no parent entries,
    // whiteout after a same-layer file, opaque marker after new content, duplicate entry,
    // in-layer hard link, symlink replaced by a directory.
    const enc = new TextEncoder();
    const tar = tarOf([
      { name: "./var/lib/x/new", data: enc.encode("new"), mtime: T },
      { name: "./var/lib/x/.wh.new", mtime: T },
      { name: "./usr/share/doc/.wh..wh..opq", mtime: T },
      { name: "./usr/share/doc/after", data: enc.encode("after opq"), mtime: T },
      { name: "./srv/conf-link", type: "dir", mtime: T, mode: 0o750 },
      { name: "./srv/conf-link/f", data: enc.encode("in"), mtime: T },
      { name: "./etc/dup", data: enc.encode("first"), mtime: T },
      { name: "./etc/dup", data: enc.encode("second!"), mtime: T },
      { name: "./etc/dup-link", type: "hardlink", linkname: "etc/dup", mtime: T },
    ]);
    writeFileSync(join(TMP, "own.tar"), tar);
    run("umoci", "raw", "add-layer", "--image", `${L}:v4`, "--tag", "v5", join(TMP, "own.tar"));
    await compare(L, "v5");
  });
});

const GGCR = join(FIXTURES, "third-party/ggcr/pkg/v1");
const GGCR_IMAGES = [
  "mutate/testdata/whiteout_image.tar",
  "mutate/testdata/whiteout_dir.tar",
  "mutate/testdata/overwritten_file.tar",
  "mutate/testdata/source_image.tar",
  "tarball/testdata/test_image_1.tar",
  "tarball/testdata/test_image_2.tar",
];

describe.skipIf(SKIP || SKIP_FIXTURES)("live: go-containerregistry test images (via skopeo) vs umoci unpack", () => {
  for (const rel of GGCR_IMAGES) {
    test(rel, async () => {
      const src = join(GGCR, rel);
      expect(existsSync(src)).toBe(true);
      const layout = join(TMP, "ggcr-" + rel.replace(/\W+/g, "-"));
      run("skopeo", "copy", "-q", `docker-archive:${src}`, `oci:${layout}:t`);
      await compare(layout, "t");
    });
  }
});
