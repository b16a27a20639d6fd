// Conformance table, sparse files: files with holes written by GNU tar in every sparse format
// it has (PAX 0.0, 0.1, 1.0 and the old GNU 'S' entries), read by layerlens (stat, content
// hash, readFile, export) and by the oracles (GNU tar -x into a fresh directory, Python's
// tarfile). Every case must give the real name, size and content the oracles give, and the
// export must extract to the same files with GNU tar and list the same with Python.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, ftruncateSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { afterAll, describe, expect, test } from "vitest";
import { exportImage } from "../../src/fs/export.js";
import { LayerFS } from "../../src/fs/merge.js";
import { TarReader } from "../../src/fs/tar.js";
import { layerOf } from "./helpers/layers.js";
import { gnuTarExtract, have, pythonList, scratch, type FileRow } from "./helpers/oracles.js";

const SKIP = !(have("tar") && have("python3")) && process.env.CI !== "true";
const TMP = scratch("sparse");
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const KiB = 1024;
const MiB = 1024 * KiB;

/** Files to make sparse: name, real size, and the data written (offset, text). */
interface Layout {
  title: string;
  file: string;
  size: number;
  data: [number, string][];
}

const LAYOUTS: Layout[] = [
  {
    title: "hole, data, hole",
    file: "f",
    size: 3 * MiB,
    data: [
      [MiB, "hello"],
      [2_500_000, "end"],
    ],
  },
  {
    title: "data at both ends",
    file: "ends",
    size: MiB,
    data: [
      [0, "start"],
      [MiB - 3, "end"],
    ],
  },
  { title: "all hole", file: "empty-inside", size: 2 * MiB, data: [] },
  {
    title: "64 segments (map over one block)",
    file: "many",
    size: 64 * 64 * KiB,
    data: Array.from({ length: 64 }, (_, i) => [i * 64 * KiB + 7, `segment ${i}`] as [number, string]),
  },
  { title: "long name", file: "n".repeat(120) + "/" + "s".repeat(140), size: 300 * KiB, data: [[200 * KiB, "x".repeat(5000)]] },
];

const FORMATS: [string, string[]][] = [
  ["pax 0.0", ["--format=posix", "--sparse-version=0.0"]],
  ["pax 0.1", ["--format=posix", "--sparse-version=0.1"]],
  ["pax 1.0", ["--format=posix", "--sparse-version=1.0"]],
  ["old gnu", ["--format=gnu"]],
];

function makeTree(dir: string, l: Layout): void {
  const path = join(dir, "d", l.file);
  mkdirSync(join(path, ".."), { recursive: true });
  const fd = openSync(path, "w");
  try {
    ftruncateSync(fd, l.size);
    for (const [at, text] of l.data) writeSync(fd, Buffer.from(text), 0, text.length, at);
  } finally {
    closeSync(fd);
  }
}

/** What layerlens sees: the merged view, readFile and the export extracted by GNU tar. */
async function ours(tar: Uint8Array): Promise<{ view: FileRow[]; read: Record<string, string>; exported: Uint8Array }> {
  const fs = new LayerFS({ hashFiles: true });
  await fs.mount(layerOf(tar, { chunk: 4099 }));
  const view: FileRow[] = [];
  const read: Record<string, string> = {};
  for (const s of fs.walk()) {
    const type = s.type === "file" || s.type === "directory" || s.type === "symlink" ? s.type : "other";
    view.push({
      path: s.path,
      type,
      size: s.size,
      sha256: s.digest?.slice(7) ?? "",
      mtime: Math.floor(s.mtime),
      uid: s.uid,
      linkname: s.linkname ?? "",
    });
    if (s.type === "file")
      read[s.path] = createHash("sha256")
        .update(await fs.image().readFileBytes(s.path))
        .digest("hex");
  }
  const parts: Uint8Array[] = [];
  await exportImage(fs.image(), (c) => parts.push(c));
  return { view, read, exported: Buffer.concat(parts) };
}

const content = (rows: FileRow[]) =>
  rows.map(({ path, type, size, sha256, mtime }) => ({ path, type, size, sha256, mtime: type === "file" ? mtime : 0 }));

describe.skipIf(SKIP)("sparse files: layerlens vs GNU tar -x and Python's tarfile", () => {
  for (const l of LAYOUTS) {
    for (const [fmt, flags] of FORMATS) {
      test(`${l.title}, ${fmt}`, async () => {
        const dir = join(TMP, `${fmt}-${l.title}`.replace(/\W+/g, "_"));
        makeTree(dir, l);
        const tar = execFileSync("tar", ["--sparse", ...flags, "-cf", "-", "-C", dir, "d"], { maxBuffer: 1 << 30 });
        const oracle = gnuTarExtract(tar);
        expect(oracle.ok, JSON.stringify(oracle)).toBe(true);
        if (!oracle.ok) return;
        const py = pythonList(tar);
        const got = await ours(tar);
        expect(content(got.view)).toEqual(content(oracle.rows));
        const files = oracle.rows.filter((r) => r.type === "file");
        expect(got.read).toEqual(Object.fromEntries(files.map((r) => [r.path, r.sha256])));
        // Python is the second oracle: where it reads the tar as GNU tar does (it does not for a
        // 0.1 entry with a long name: it keeps the GNUSparseFile.N name), it must match too.
        const pyAgrees = isDeepStrictEqual(
          py,
          files.map((r) => ({ name: r.path, size: r.size, sha256: r.sha256 })),
        );
        if (!(fmt === "pax 0.1" && l.title === "long name")) expect(pyAgrees, JSON.stringify(py)).toBe(true);
        // The export, read back by both oracles, is the same tree.
        const back = gnuTarExtract(got.exported);
        expect(back.ok && content(back.rows)).toEqual(content(oracle.rows));
        if (pyAgrees) expect(pythonList(got.exported)).toEqual(py);
      });
    }
  }
});

describe.skipIf(SKIP)("a 60 GiB sparse file costs what its data costs", () => {
  test("stat, export and hole() see the real size without materialising the holes", async () => {
    const size = 60 * 1024 * MiB;
    const l: Layout = {
      title: "big",
      file: "big",
      size,
      data: [
        [0, "head"],
        [size / 2, "middle"],
        [size - 4, "tail"],
      ],
    };
    const dir = join(TMP, "big");
    makeTree(dir, l);
    const tar = execFileSync("tar", ["--sparse", "--format=posix", "-cf", "-", "-C", dir, "d"]);
    rmSync(dir, { recursive: true, force: true });
    // The reader hands holes to hole() as lengths: data bytes + hole bytes = the real size.
    let data = 0;
    let holes = 0;
    const r = new TarReader({
      entry: () => {},
      data: (c) => {
        data += c.length;
      },
      hole: (n) => {
        holes += n;
      },
    });
    r.push(tar);
    r.end();
    expect(data + holes).toBe(size);
    expect(data).toBeLessThan(64 * KiB);
    // The view and the export carry the real size; the export stays as small as the layer.
    const fs = new LayerFS();
    await fs.mount(layerOf(tar));
    expect(fs.stat("d/big").size).toBe(size);
    const parts: Uint8Array[] = [];
    await exportImage(fs.image(), (c) => parts.push(c));
    const exported = Buffer.concat(parts);
    expect(exported.length).toBeLessThan(64 * KiB);
    const listed = pythonList(exported, false);
    expect(Array.isArray(listed) ? listed.map((e) => [e.name, e.size]) : listed).toEqual([["d/big", size]]);
    // And the bytes readFile streams are bounded chunks, the first ones the file's head.
    const reader = fs.readFile("d/big").getReader();
    const first = (await reader.read()).value!;
    expect(new TextDecoder().decode(first.subarray(0, 4))).toBe("head");
    let chunks = 0;
    while (chunks++ < 8) expect((await reader.read()).value!.length).toBeLessThanOrEqual(64 * KiB);
    await reader.cancel();
  });
});
