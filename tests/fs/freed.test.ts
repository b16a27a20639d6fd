// LayerFS.free(): the pool records go back and the tables are dropped, so every later use of
// the LayerFS or of an image it made throws FreedError (code FREED), never an answer from
// memory that is gone. release() is the lighter call: records back, views still readable.

import { describe, expect, test } from "vitest";
import { FreedError } from "../../src/errors.js";
import { LayerFS } from "../../src/fs/merge.js";
import { init } from "../../src/node.js";
import { LayerPool } from "../../src/pool.js";
import { tarLayer } from "./helpers/layers.js";

await init();

const enc = new TextEncoder();
const layer = () =>
  tarLayer([
    { name: "etc/", type: "dir" },
    { name: "etc/hostname", data: enc.encode("box\n") },
    { name: "bin/sh", type: "symlink", linkname: "busybox" },
  ]);

function expectFreed(call: () => unknown, doing: RegExp): void {
  let err: unknown;
  try {
    call();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FreedError);
  expect((err as FreedError).code).toBe("FREED");
  expect((err as Error).message).toMatch(doing);
}

describe("LayerFS.free()", () => {
  test("every call on the LayerFS and its images throws FreedError afterwards", async () => {
    const pool = new LayerPool();
    const fs = new LayerFS({ pool });
    const img = fs.image("box");
    await img.mount(layer());
    expect(img.readdir("etc")).toEqual(["hostname"]);
    expect(pool.stats.inUse).toBe(1);
    fs.free();
    expect(fs.freed).toBe(true);
    expect(pool.stats.inUse).toBe(0);
    expectFreed(() => img.stat("etc/hostname"), /^LayerFS image "box" used after free\(\)$/);
    expectFreed(() => img.lstat("bin/sh"), /image "box"/);
    expectFreed(() => img.exists("etc"), /image "box"/);
    expectFreed(() => img.readdir("etc"), /image "box"/);
    expectFreed(() => img.readlink("bin/sh"), /image "box"/);
    expectFreed(() => img.walk(), /image "box"/);
    expectFreed(() => img.readFile("etc/hostname"), /readFile\("etc\/hostname"\)/);
    expectFreed(() => img.locate("etc/hostname"), /image "box"/);
    expectFreed(() => img.hardlinkGroups(), /image "box"/);
    expectFreed(() => fs.image("box"), /image\("box"\)/);
    expectFreed(() => fs.image("other"), /image\("other"\)/);
    expectFreed(() => fs.imageNames(), /imageNames/);
    expectFreed(() => fs.stat("etc"), /image\("default"\)/);
    expectFreed(() => fs.table, /table/);
    await expect(img.mount(layer())).rejects.toThrow(/^LayerFS image "box" mounted into after free\(\)$/);
    await expect(img.mountBatch([layer()])).rejects.toBeInstanceOf(FreedError);
    await expect(img.readFileBytes("etc/hostname")).rejects.toBeInstanceOf(FreedError);
    fs.free(); // a second free does nothing
    pool.free();
  });

  test("freed while layers are being read: nothing is applied, the batch throws FreedError", async () => {
    const fs = new LayerFS();
    const img = fs.image();
    const slow = {
      ...layer(),
      open: async () => {
        fs.free();
        return layer().open();
      },
    };
    await expect(img.mountBatch([slow])).rejects.toBeInstanceOf(FreedError);
  });

  test("release() gives the records back but keeps the views readable", async () => {
    const pool = new LayerPool();
    const fs = new LayerFS({ pool });
    await fs.mount(layer());
    fs.release();
    expect(pool.stats.inUse).toBe(0);
    expect(fs.freed).toBe(false);
    expect(await new Response(fs.readFile("etc/hostname")).text()).toBe("box\n");
    fs.free();
    pool.free();
  });
});
