// LayerFS API on the fixtures and on small layers built here: reads, listings, changesets,
// images side by side, diff against the expected rootfs listings, waste numbers, the pool.

import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { DigestMismatchError, NotFoundError } from "../../src/errors.js";
import { diffImages } from "../../src/fs/diff.js";
import { LayerFS } from "../../src/fs/merge.js";
import { analyzeWaste } from "../../src/fs/waste.js";
import { init } from "../../src/node.js";
import { LayerPool } from "../../src/pool.js";
import { main } from "../../src/cli/main.js";
import { expectedRootfs, FIXTURES, fixtureImage, SKIP_FIXTURES, type RootfsRow } from "./helpers/fixtures.js";
import { tarLayer } from "./helpers/layers.js";

const enc = new TextEncoder();
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function mounted(tag: string, opts: ConstructorParameters<typeof LayerFS>[0] = {}) {
  const fs = new LayerFS(opts);
  await fs.mountBatch(fixtureImage("layout", tag).layers);
  return fs;
}

describe.skipIf(SKIP_FIXTURES)("LayerFS on the fixtures", () => {
  test("readFile streams the visible version of every regular file", async () => {
    const fs = await mounted("gnutar");
    for (const row of expectedRootfs("gnutar").filter((r) => r.type === "f")) {
      expect(sha(await fs.image().readFileBytes(row.path)), row.path).toBe(row.sha256);
    }
    // Through a symlink, and a NotFound for what is not a file.
    expect(new TextDecoder().decode(await fs.image().readFileBytes("srv/link-rel"))).toBe("overwritten in layer 6\n");
    await expect(fs.image().readFileBytes("srv")).rejects.toBeInstanceOf(NotFoundError);
    await expect(fs.image().readFileBytes("nope")).rejects.toBeInstanceOf(NotFoundError);
  });

  test("stat, lstat, readdir, readlink, walk", async () => {
    const fs = await mounted("latest");
    expect(fs.readdir("bin")).toEqual(["busybox", "cat", "echo", "env", "ls", "sh"]);
    expect(fs.readlink("bin/sh")).toBe("busybox");
    expect(fs.lstat("bin/sh").type).toBe("symlink");
    expect(fs.stat("bin/sh").path).toBe("bin/busybox");
    expect(fs.stat("srv/link-abs").path).toBe("etc/hostname");
    expect(fs.stat("usr/bin/suid-demo").mode).toBe(0o4755);
    expect(fs.stat("tmp").mode).toBe(0o1777);
    expect(fs.stat("srv/null-device").rdev).toEqual([1, 3]);
    expect(fs.stat("etc/motd").touchedBy).toEqual([5]); // whited out in 1, back in 5
    expect(fs.stat("etc/hostname").touchedBy).toEqual([0, 1]);
    expect(fs.stat("etc").touchedBy).toEqual([0, 1, 5]);
    expect([...fs.walk("srv/data")].map((s) => s.path)).toEqual(
      expectedRootfs("latest")
        .map((r) => r.path)
        .filter((p) => p.startsWith("srv/data/")),
    );
    expect(() => fs.stat("srv/link-dangling")).toThrow(NotFoundError);
    expect(() => fs.readdir("etc/hostname")).toThrow(NotFoundError);
  });

  test("changesets: whiteouts, opaque markers, type changes, duplicates", async () => {
    const fs = await mounted("gnutar");
    const [l0, l1, l2, l3, , , l6] = fs.image().layers;
    expect(l0.changes.added.length).toBe(44);
    expect(l1.changes.deleted.map((c) => c.path).sort()).toEqual(["etc/motd", "usr/share/app/sub", "var/typechange-dir"]);
    expect(l1.changes.deletedBytes).toBe(26 + 14 + 14 + 6);
    // Type changes are modifications (the replaced directory's contents count as deleted).
    expect(
      l1.changes.modified
        .filter((c) => c.path.startsWith("var/typechange"))
        .map((c) => [c.path, c.type])
        .sort(),
    ).toEqual([
      ["var/typechange-dir", "file"],
      ["var/typechange-file", "directory"],
    ]);
    expect(l2.changes.opaque.map((c) => c.path)).toEqual(["opt/legacy"]);
    expect(l3.changes.deleted.map((c) => c.path)).toEqual(["usr/share/app/b.txt"]);
    expect(l6.changes.deleted.map((c) => c.path)).toEqual(["usr/share/app/a.txt"]);
    expect(l6.changes.opaque.map((c) => c.path)).toEqual(["srv/special"]);
    // etc/hostname appears twice in the GNU layer: one change, the last version.
    const host = l6.changes.modified.filter((c) => c.path === "etc/hostname");
    expect(host).toEqual([{ path: "etc/hostname", type: "file", bytes: 11 }]);
    expect(fs.image().layers.map((l) => l.warnings)).toEqual(fs.image().layers.map(() => []));
  });

  test("images side by side; diff equals the difference of umoci's listings", async () => {
    const fs = new LayerFS({ hashFiles: true });
    const pairs: [string, string][] = [
      ["v1", "v2"],
      ["v2", "v3"],
      ["v5", "v6"],
      ["latest", "gnutar"],
      ["multi-amd64", "multi-arm64"],
    ];
    for (const [a, b] of pairs) {
      for (const t of [a, b]) if (!fs.imageNames().includes(t)) await fs.image(t).mountBatch(fixtureImage("layout", t).layers);
      const d = diffImages(fs.image(a), fs.image(b));
      const want = listingDiff(expectedRootfs(a), expectedRootfs(b));
      expect(
        d.entries.map((e) => `${e.kind} ${e.path}${e.fields ? " " + e.fields.join(",") : ""}`),
        `${a} -> ${b}`,
      ).toEqual(want);
    }
    expect(fs.imageNames().length).toBe(9);
  });

  test("layer records live in the LayerPool", async () => {
    await init();
    const pool = new LayerPool();
    const fs = await mounted("v4", { pool });
    const img = fixtureImage("layout", "v4");
    for (const [i, l] of fs.image().layers.entries()) {
      expect(pool.digest(l.handle!)).toBe(img.manifest.layers[i].digest);
      expect(pool.diffId(l.handle!)).toBe(img.config.rootfs.diff_ids[i]);
      expect(pool.position(l.handle!)).toBe(i);
      expect(pool.compressedSize(l.handle!)).toBe(img.manifest.layers[i].size);
    }
    expect(pool.stats.inUse).toBe(4);
    fs.release();
    expect(pool.stats.inUse).toBe(0);
    pool.free?.();
  });

  test("mislabelled uncompressed layers are read by their bytes, with a warning", async () => {
    const fs = new LayerFS();
    await fs.mountBatch(fixtureImage("layout-uncompressed", "latest").layers);
    expect(fs.image().layers[0].compression).toBe("none");
    expect(fs.image().layers[0].warnings[0]).toMatch(/does not match the bytes/);
  });

  test("a wrong diff_id is refused and leaves the view unchanged", async () => {
    const [l0, l1] = fixtureImage("layout", "v2").layers;
    const fs = new LayerFS();
    await fs.mount(l0);
    const before = [...fs.walk()].length;
    await expect(fs.mount({ ...l1, diffId: l0.diffId })).rejects.toBeInstanceOf(DigestMismatchError);
    await expect(fs.mount({ ...l1, digest: l0.digest })).rejects.toBeInstanceOf(DigestMismatchError);
    expect([...fs.walk()].length).toBe(before);
    await fs.mount(l1);
    expect(fs.image().layers.length).toBe(2);
  });

  test("CLI: ls, cat, layers, diff, export", async () => {
    const L = `oci:${FIXTURES}/layout`;
    const run = async (...argv: string[]) => {
      let out = "";
      let err = "";
      const bytes: Uint8Array[] = [];
      const code = await main(argv, {
        stdout: (t: string) => void (out += t),
        stderr: (t: string) => void (err += t),
        stdoutBytes: (b: Uint8Array) => void bytes.push(b.slice()),
      } as never);
      return { code, out, err, bytes: Buffer.concat(bytes) };
    };
    const ls = await run("ls", `${L}:v2`, "srv/data", "--json");
    expect(ls.code).toBe(0);
    expect(JSON.parse(ls.out).map((s: { path: string }) => s.path)).toEqual(
      expectedRootfs("v2")
        .map((r) => r.path)
        .filter((p) => /^srv\/data\/[^/]+$/.test(p)),
    );
    expect((await run("ls", `${L}:v2`, "--layer", "0")).out).not.toContain("srv");
    expect((await run("ls", `${L}:v2`, "-l", "usr/bin")).out).toMatch(/-rwsr-xr-x .* suid-demo/);
    const cat = await run("cat", `${L}:latest`, "etc/os-release");
    expect(sha(cat.bytes)).toBe(expectedRootfs("latest").find((r) => r.path === "etc/os-release")!.sha256);
    const missing = await run("cat", `${L}:latest`, "etc/nope");
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/NOT_FOUND/);
    const layers = JSON.parse((await run("layers", `${L}:gnutar`, "--json")).out);
    expect(layers.layers).toHaveLength(7);
    expect(layers.waste.wastedBytes).toBeLessThan(layers.waste.diveReportedWastedBytes);
    const diff = JSON.parse((await run("diff", `${L}:v5`, `${L}:v6`, "--json")).out);
    expect(diff.entries.map((e: { path: string }) => e.path)).toContain("etc/motd");
  });
});

/** The diff of two rootfs listings, as "kind path fields" lines in path order. */
function listingDiff(a: RootfsRow[], b: RootfsRow[]): string[] {
  const ma = new Map(a.map((r) => [r.path, r]));
  const mb = new Map(b.map((r) => [r.path, r]));
  const out: [string, string][] = [];
  for (const r of b) {
    const x = ma.get(r.path);
    if (!x) {
      out.push([r.path, `added ${r.path}`]);
      continue;
    }
    if (x.type !== r.type) {
      out.push([r.path, `changed ${r.path} type`]);
      continue;
    }
    const f: string[] = [];
    if (x.mode !== r.mode) f.push("mode");
    if (x.uid !== r.uid) f.push("uid");
    if (x.gid !== r.gid) f.push("gid");
    if (x.size !== r.size) f.push("size");
    if (x.linkname !== r.linkname) f.push("link");
    if (x.rdev !== r.rdev) f.push("rdev");
    if (x.xattrs !== r.xattrs) f.push("xattrs");
    if (r.type === "f" && x.size === r.size && x.sha256 !== r.sha256) f.push("content");
    if (f.length) out.push([r.path, `changed ${r.path} ${f.join(",")}`]);
  }
  for (const r of a) if (!mb.has(r.path)) out.push([r.path, `removed ${r.path}`]);
  return out.sort((p, q) => (Buffer.from(p[0]) < Buffer.from(q[0]) ? -1 : 1)).map((x) => x[1]);
}

describe("wasted space", () => {
  test("dive's score and wasted bytes (without #684) and reclaimable bytes on known layers", async () => {
    const fs = new LayerFS();
    const bytes = (n: number) => new Uint8Array(n);
    await fs.mountBatch([
      tarLayer([
        { name: "a", data: bytes(100) },
        { name: "d", type: "dir" },
        { name: "d/x", data: bytes(30) },
        { name: "d/y", data: bytes(20) },
        { name: "keep", data: bytes(7) },
      ]),
      tarLayer([{ name: "a", data: bytes(40) }, { name: ".wh.d" }]),
      tarLayer([{ name: "a", data: bytes(60) }]),
    ]);
    const w = analyzeWaste(fs.image());
    // Paths: a (100, 40, 60), d/x 30, d/y 20, keep 7, whiteout d (dive weighs the 50 it hid).
    // "d" appears as a leaf only in layer 1 (in layer 0 it has children): one node.
    expect(w.topWasted.map((p) => [p.path, p.layers, p.cumulativeBytes, p.minBytes, p.wastedBytes])).toEqual([
      ["a", [0, 1, 2], 200, 40, 160],
    ]);
    expect(w.wastedBytes).toBe(160);
    expect(w.diveReportedWastedBytes).toBe(200);
    expect(w.efficiency).toBeCloseTo((40 + 30 + 20 + 7 + 50) / (200 + 30 + 20 + 7 + 50), 10);
    expect(w.reclaimableBytes).toBe(100 + 30 + 20 + 40);
    expect(w.visibleBytes).toBe(60 + 7);
    expect(w.fileBytes).toBe(100 + 30 + 20 + 7 + 40 + 60);
    expect(w.layers.map((l) => l.reclaimableBytes)).toEqual([150, 40, 0]);
    expect(w.topReclaimable[0]).toEqual({ path: "a", layer: 0, bytes: 100 });
  });

  test("an empty image is perfectly efficient", () => {
    const w = analyzeWaste(new LayerFS().image());
    expect([w.efficiency, w.wastedBytes, w.reclaimableBytes]).toEqual([1, 0, 0]);
  });
});

void enc;
