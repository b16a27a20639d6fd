// The LayerFS budgets (src/fs/limits.ts): each refused with CAPACITY naming the layer, at the
// limit accepted, and the walks (ls -R, export) bounded by them. The 10^5-deep tree below ran
// V8 out of memory in `ls -R` and `export` before the limits existed.

import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { main } from "../../src/cli/main.js";
import { CapacityError, LayerlensError } from "../../src/errors.js";
import { exportImage } from "../../src/fs/export.js";
import { DEFAULT_LIMITS, utf8Length } from "../../src/fs/limits.js";
import { LayerFS, type LayerFSOptions } from "../../src/fs/merge.js";
import { TarReader } from "../../src/fs/tar.js";
import type { TarWriteEntry } from "../../src/fs/tar-write.js";
import { layerOf, tarOf } from "./helpers/layers.js";
import { oneLayerLayout } from "./helpers/one-layer-layout.js";

const enc = new TextEncoder();
const file = (name: string): TarWriteEntry => ({ name, data: enc.encode("x") });
const deep = (depth: number) => Array.from({ length: depth }, () => "a").join("/");
const digestOf = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");

async function refusal(entries: TarWriteEntry[][], options?: LayerFSOptions): Promise<LayerlensError> {
  const fs = new LayerFS(options);
  try {
    for (const e of entries) {
      const tar = tarOf(e);
      await fs.mount(layerOf(tar, { digest: digestOf(tar) }));
    }
  } catch (err) {
    expect(err).toBeInstanceOf(LayerlensError);
    return err as LayerlensError;
  }
  throw new Error("not refused");
}

/** An OCI layout on disk whose one layer is `tar`, for the CLI. */
const scratch = mkdtempSync(join(tmpdir(), "layerlens-limits-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
function layoutOf(tar: Uint8Array, name: string): string {
  const dir = join(scratch, name);
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  for (const [at, bytes] of oneLayerLayout(tar)) writeFileSync(join(dir, at), bytes);
  return dir;
}

async function cli(argv: string[]): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  let err = "";
  const code = await main(argv, { stdout: (t) => void out.push(t), stderr: (t) => void (err += t) });
  return { code, out, err };
}

describe("a 10^5-deep tree (one 200 KB PAX path)", () => {
  const tar = tarOf([file(deep(100_000) + "/f")]);

  test("mount refuses it with CAPACITY naming the layer, before staging it", async () => {
    const fs = new LayerFS();
    const err = await fs.mount(layerOf(tar, { digest: digestOf(tar) })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CapacityError);
    expect((err as Error).message).toContain(`layer 0 ${digestOf(tar).slice(0, 19)}… of default: entry`);
    expect((err as Error).message).toMatch(/\(200001 characters\) is over the 4096-byte path limit$/);
    expect(fs.readdir("")).toEqual([]);
  });

  test.each([
    ["ls", "-R"],
    ["export", "-o"],
  ])("`%s %s` exits 1 with CAPACITY, writes nothing", async (verb, flag) => {
    const dir = layoutOf(tar, `deep-${verb}`);
    const output = join(scratch, `deep-${verb}.tar`);
    const r = await cli(verb === "ls" ? [verb, flag, `oci:${dir}`] : [verb, `oci:${dir}`, flag, output]);
    expect(r.code).toBe(1);
    // The image is named as it was typed on the command line.
    expect(r.err).toMatch(
      new RegExp(`^layerlens: CAPACITY: layer 0 sha256:[0-9a-f]{12}… of oci:${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: entry "a/a/a`),
    );
    expect(r.out).toEqual([]);
    expect(existsSync(output)).toBe(false);
  });
});

describe("path limits", () => {
  test("a path of exactly 4096 bytes (multi-byte characters counted as UTF-8) is accepted, one more byte is not", async () => {
    // "é" is two bytes: the limit is in bytes, as PATH_MAX is.
    const at = "d/" + "é".repeat(2047); // 2 + 4094 bytes
    expect(utf8Length(at)).toBe(4096);
    const fs = new LayerFS();
    await fs.mount(layerOf(tarOf([file(at)])));
    expect(fs.stat(at).type).toBe("file");
    const err = await refusal([[file(at + "x")]]);
    expect(err.code).toBe("CAPACITY");
    expect(err.message).toMatch(/is over the 4096-byte path limit/);
  });

  test("depth: 1024 components accepted, 1025 refused", async () => {
    const fs = new LayerFS();
    await fs.mount(layerOf(tarOf([file(deep(1023) + "/f")])));
    const walked = [...fs.walk()];
    expect(walked.length).toBe(1024);
    expect(walked[walked.length - 1].path).toBe(deep(1023) + "/f");
    const err = await refusal([[file(deep(1024) + "/f")]]);
    expect(err.code).toBe("CAPACITY");
    expect(err.message).toMatch(/is over the 1024-component depth limit$/);
  });

  test("link targets are held to the path limit (symlinks and hard links)", async () => {
    const long = "t/".repeat(2049);
    for (const type of ["symlink", "hardlink"] as const) {
      const err = await refusal([[{ name: "l", type, linkname: long }]]);
      expect(err.code).toBe("CAPACITY");
      expect(err.message).toMatch(/link target of "l" .* is over the 4096-byte path limit$/);
    }
  });

  test("a symlink in a parent cannot carry an entry past the limit (checked where it lands), whatever the policy", async () => {
    // Each name is under the limit; through the link the entry would sit at 3028 + 1923 bytes.
    const lower = "b".repeat(200) + ("/" + "c".repeat(100)).repeat(28);
    for (const onBadEntry of ["throw", "skip"] as const) {
      const err = await refusal(
        [
          [
            { name: lower, type: "dir" },
            { name: "s", type: "symlink", linkname: lower },
          ],
          [file("s/" + ("e".repeat(100) + "/").repeat(19) + "f")],
        ],
        { onBadEntry },
      );
      expect(err.code).toBe("CAPACITY");
      expect(err.message).toMatch(/^layer 1 sha256:[0-9a-f]{12}… of default: resolved path of "s\/eeee/);
    }
  });

  test("the limits can be set per LayerFS, and are checked", async () => {
    const err = await refusal([[file("abc/def")]], { maxPathBytes: 6 });
    expect(err.message).toMatch(/over the 6-byte path limit/);
    expect((await refusal([[file("a/b/c")]], { maxPathDepth: 2 })).message).toMatch(/over the 2-component depth limit/);
    expect(() => new LayerFS({ maxPathBytes: 0 })).toThrow(RangeError);
    expect(() => new LayerFS({ maxEntries: 1.5 })).toThrow(RangeError);
    expect(new LayerFS().options).toMatchObject(DEFAULT_LIMITS);
  });
});

describe("entry and path-table budgets", () => {
  test("entries per layer: counted while the tar is read", async () => {
    const entries = Array.from({ length: 11 }, (_, i) => file(`f${i}`));
    const fs = new LayerFS({ maxEntries: 11 });
    await fs.mount(layerOf(tarOf(entries)));
    const err = await refusal([[...entries, file("one-more")]], { maxEntries: 11 });
    expect(err.code).toBe("CAPACITY");
    expect(err.message).toMatch(/^layer 0 sha256:[0-9a-f]{12}… of default: more than 11 tar entries in one layer$/);
  });

  test("path table: checked before a layer is applied, across images and layers", async () => {
    const fs = new LayerFS({ maxTableNodes: 20 });
    await fs.image("one").mount(layerOf(tarOf(Array.from({ length: 8 }, (_, i) => file(`f${i}`)))));
    const err = await fs
      .image("two")
      .mountBatch([layerOf(tarOf([file("a"), file("b")])), layerOf(tarOf(Array.from({ length: 9 }, (_, i) => file(`g${i}`))))])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CapacityError);
    expect((err as Error).message).toMatch(
      /^2 layers of two: 11 more entries would take the path table to \d+ nodes, over the 20-node budget$/,
    );
    expect(fs.image("two").readdir("")).toEqual([]);
  });

  test("path table: directories an entry implies count too", async () => {
    // One entry, 50 implicit parents: the entry count alone would not see them.
    const err = await refusal([[file(deep(50) + "/f")]], { maxTableNodes: 30 });
    expect(err.code).toBe("CAPACITY");
    expect(err.message).toMatch(/over the 30-node budget$/);
  });
});

describe("walks at the limits stay bounded", () => {
  test("ls -R --json of a tree at the depth limit: pieces, each path built once, equal to JSON.stringify of the walk", async () => {
    const tar = tarOf([file(deep(1023) + "/f"), ...Array.from({ length: 300 }, (_, i) => file(`wide/${"w".repeat(200)}${i}`))]);
    const dir = layoutOf(tar, "at-limit");
    const r = await cli(["ls", "-R", "--json", `oci:${dir}`]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out.length).toBeGreaterThan(1); // written in pieces, not as one string
    const fs = new LayerFS();
    await fs.mount(layerOf(tar));
    expect(r.out.join("")).toBe(JSON.stringify([...fs.walk()], null, 2) + "\n");
    const text = await cli(["ls", "-R", `oci:${dir}`]);
    expect(text.out.join("")).toBe([...fs.walk()].map((s) => s.path + "\n").join(""));
    const empty = layoutOf(tarOf([]), "empty");
    expect((await cli(["ls", "--json", `oci:${empty}`])).out.join("")).toBe("[]\n");
  });

  test("export of a tree at the depth limit re-reads as the same paths", async () => {
    const fs = new LayerFS();
    await fs.mount(layerOf(tarOf([file(deep(1023) + "/f")])));
    const parts: Uint8Array[] = [];
    await exportImage(fs.image(), (c) => parts.push(c));
    const names: string[] = [];
    const r = new TarReader({ entry: (h) => void names.push(h.name.replace(/\/$/, "")) });
    r.push(Buffer.concat(parts));
    r.end();
    // Export writes each directory a second time after its contents, so that extractors set
    // directory mtimes last (export.ts): every path once, directories twice, nothing else.
    const dirs = [...fs.walk()].filter((s) => s.type === "directory").map((s) => s.path);
    expect(names.sort()).toEqual([...[...fs.walk()].map((s) => s.path), ...dirs].sort());
  });
});
