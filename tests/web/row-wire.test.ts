// Dive mode's rows as the page gets them: treeRows over a real merged view (directory sizes
// summed from the files below, marks of the layer, removed paths as rows of their own), and
// the columns the worker sends (web/src/row-wire.ts) decoding to the same rows, or refused
// with a RangeError when they do not fit together.

import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { LayerFS } from "../../src/fs/merge.js";
import { writeTar, type TarWriteEntry } from "../../src/fs/tar-write.js";
import type { LayerRecord, MergedImage } from "../../src/browser.js";
import type { LayerLike } from "../../src/oci/layer.js";
import { treeRows, type Row } from "../../web/src/dive-rows.js";
import { decodeRows, encodeRows } from "../../web/src/row-wire.js";
import { init } from "../../src/node.js";

const sha256 = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");
const data = (n: number) => new Uint8Array(n).fill(7);

function tarLayer(entries: TarWriteEntry[]): LayerLike {
  const tar = writeTar(entries);
  return {
    digest: sha256(tar),
    diffId: sha256(tar),
    size: tar.length,
    mediaType: "application/vnd.oci.image.layer.v1.tar",
    open: () =>
      (async function* () {
        yield tar;
      })(),
  };
}

let image: MergedImage;
let records: LayerRecord[];

beforeAll(async () => {
  await init();
  image = new LayerFS().image("rows");
  records = await image.mountBatch([
    tarLayer([
      { name: "etc/", type: "dir" },
      { name: "etc/hosts", data: data(10) },
      { name: "etc/ssl/", type: "dir" },
      { name: "etc/ssl/cert.pem", data: data(100) },
      { name: "usr/", type: "dir" },
      { name: "usr/lib/", type: "dir" },
      { name: "usr/lib/libc.so.6", data: data(1000) },
      { name: "usr/lib/old.so", data: data(5) },
    ]),
    tarLayer([
      { name: "etc/", type: "dir" },
      { name: "etc/hosts", data: data(20) },
      { name: "etc/ssl/", type: "dir" },
      { name: "etc/ssl/new.pem", data: data(3) },
      { name: "usr/", type: "dir" },
      { name: "usr/lib/", type: "dir" },
      { name: "usr/lib/.wh.old.so" },
      { name: "usr/lib/libc.so", type: "symlink", linkname: "libc.so.6" },
    ]),
  ]);
});

const byPath = (rows: Row[]) => new Map(rows.map((r) => [r.path, r]));

describe("dive rows of a merged view", () => {
  it("sums each directory from every file below it, and marks what the layer did", () => {
    const rows = byPath(treeRows(image.walk(), records[1]));
    expect(rows.get("etc")!.size).toBe(20 + 100 + 3);
    expect(rows.get("etc/ssl")!.size).toBe(103);
    expect(rows.get("usr")!.size).toBe(1000);
    expect(rows.get("usr/lib")!.size).toBe(1000);
    expect(rows.get("etc/hosts")).toMatchObject({ mark: "modified", size: 20, depth: 1, name: "hosts", layer: 1 });
    expect(rows.get("etc/ssl/new.pem")).toMatchObject({ mark: "added", depth: 2, name: "new.pem" });
    expect(rows.get("etc/ssl/cert.pem")).toMatchObject({ mark: "", layer: 0 });
    expect(rows.get("usr/lib/libc.so")).toMatchObject({ type: "symlink", linkname: "libc.so.6", mark: "added" });
    expect(rows.get("usr/lib/old.so")).toMatchObject({ mark: "removed", layer: -1, size: 5, depth: 2 });
  });

  it("as of the first layer, nothing above it counts", () => {
    const lower = new LayerFS().image("lower");
    return lower
      .mountBatch([
        tarLayer([
          { name: "a/", type: "dir" },
          { name: "a/b/", type: "dir" },
          { name: "a/b/c", data: data(4) },
          { name: "a/d", data: data(6) },
        ]),
      ])
      .then(([rec]) => {
        const rows = treeRows(lower.walk(), rec);
        expect(rows.map((r) => [r.path, r.size, r.mark])).toEqual([
          ["a", 10, "added"],
          ["a/b", 4, "added"],
          ["a/b/c", 4, "added"],
          ["a/d", 6, "added"],
        ]);
      });
  });
});

describe("dive rows as columns", () => {
  it("decode to the rows that were encoded, link targets and removed rows included", () => {
    const rows = treeRows(image.walk(), records[1]);
    const { columns, transfer } = encodeRows(rows);
    expect(transfer.length).toBeGreaterThan(0);
    const copy = structuredClone(columns, { transfer });
    expect(decodeRows(copy)).toEqual(rows);
  });

  it("keep paths with newlines and non-ASCII names whole", () => {
    const rows: Row[] = [
      { path: "a\nb", name: "a\nb", depth: 0, type: "file", size: 1, mark: "added", layer: 0 },
      { path: "dir/ünï", name: "ünï", depth: 1, type: "symlink", size: 0, mark: "", layer: 2, linkname: "../x\ny" },
    ];
    expect(decodeRows(encodeRows(rows).columns)).toEqual(rows);
  });

  it("refuse columns that do not fit together", () => {
    const { columns } = encodeRows(treeRows(image.walk(), records[1]));
    expect(() => decodeRows({ ...columns, sizes: columns.sizes.subarray(1) })).toThrow(RangeError);
    expect(() => decodeRows({ ...columns, paths: columns.paths + "x" })).toThrow(RangeError);
    expect(() => decodeRows({ ...columns, types: [] })).toThrow(RangeError);
    const marks = columns.marks.slice();
    marks[0] = 9;
    expect(() => decodeRows({ ...columns, marks })).toThrow(RangeError);
  });
});
