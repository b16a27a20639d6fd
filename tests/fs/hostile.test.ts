// A named table of hostile layer entries. Each is either refused with a typed error (and the
// view stays as it was) or contained: applied inside the image root, reported as a warning,
// and never exported as a name outside the root.

import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { LayerlensError } from "../../src/errors.js";
import { exportImage } from "../../src/fs/export.js";
import { LayerFS } from "../../src/fs/merge.js";
import type { LayerLike } from "../../src/oci/layer.js";
import { TarReader } from "../../src/fs/tar.js";
import { layerOf, rawEntry, tarLayer, tarOf } from "./helpers/layers.js";

const enc = new TextEncoder();
const file = (name: string, text = "x") => ({ name, data: enc.encode(text) });
const base = () => tarLayer([{ name: "etc", type: "dir" as const }, file("etc/passwd", "root"), { name: "tmp", type: "dir" as const }]);

interface Case {
  name: string;
  layers: () => LayerLike[];
  /** Error code when refused; undefined when contained. */
  refused?: string;
  /** Checks on the contained view. */
  check?: (fs: LayerFS) => void;
  options?: ConstructorParameters<typeof LayerFS>[0];
}

const CASES: Case[] = [
  {
    name: "../ climbing out of the root",
    layers: () => [base(), tarLayer([file("../../../etc/evil", "pwn"), file("tmp/../../x", "y")])],
    check: (fs) => {
      expect(fs.exists("etc/evil")).toBe(true);
      expect(fs.exists("x")).toBe(true);
      expect(fs.image().layers[1].warnings.length).toBe(2);
    },
  },
  {
    name: "absolute path",
    layers: () => [tarLayer([file("/etc/abs", "a")])],
    check: (fs) => {
      expect(fs.stat("etc/abs").type).toBe("file");
      expect(fs.image().layers[0].warnings[0]).toMatch(/outside the root/);
    },
  },
  {
    name: "symlink pointing out, then written through",
    layers: () => [
      base(),
      tarLayer([
        { name: "out", type: "symlink", linkname: "../../../../" },
        { name: "abs", type: "symlink", linkname: "/etc" },
      ]),
      tarLayer([file("out/etc/owned", "o"), file("abs/passwd", "replaced")]),
    ],
    check: (fs) => {
      // Both land inside the image: out -> root, abs -> /etc of the image.
      expect(fs.stat("etc/owned").size).toBe(1);
      expect(fs.lstat("etc/passwd").size).toBe(8);
      expect(fs.lstat("out").type).toBe("symlink");
      expect(fs.stat("out/etc").path).toBe("etc");
    },
  },
  {
    name: "symlink named '.' (would replace the root)",
    layers: () => [base(), tarLayer([{ name: ".", type: "symlink", linkname: "/" }])],
    refused: "UNSAFE_PATH",
  },
  {
    name: "symlink named './' in skip mode is dropped with a warning",
    layers: () => [base(), tarLayer([{ name: "./", type: "symlink", linkname: "/tmp" }])],
    options: { onBadEntry: "skip" },
    check: (fs) => {
      expect(fs.stat("etc/passwd").type).toBe("file");
      expect(fs.image().layers[1].warnings[0]).toMatch(/root/);
    },
  },
  { name: "whiteout of '..'", layers: () => [base(), tarLayer([file("etc/.wh...")])], refused: "UNSAFE_PATH" },
  { name: "whiteout of '.'", layers: () => [base(), tarLayer([file("etc/.wh..")])], refused: "UNSAFE_PATH" },
  { name: "'.wh.' alone", layers: () => [base(), tarLayer([file("etc/.wh.")])], refused: "UNSAFE_PATH" },
  {
    name: "whiteout of '..' at the root, skip mode",
    layers: () => [base(), tarLayer([file(".wh...")])],
    options: { onBadEntry: "skip" },
    check: (fs) => expect(fs.readdir("")).toEqual(["etc", "tmp"]),
  },
  {
    name: "hard link to a missing path",
    layers: () => [base(), tarLayer([{ name: "h", type: "hardlink", linkname: "nope" }])],
    refused: "LAYER_ENTRY",
  },
  {
    name: "hard link to a later path of the same layer",
    layers: () => [tarLayer([{ name: "h", type: "hardlink", linkname: "later" }, file("later")])],
    refused: "LAYER_ENTRY",
  },
  {
    name: "hard link to a directory",
    layers: () => [base(), tarLayer([{ name: "h", type: "hardlink", linkname: "etc" }])],
    refused: "LAYER_ENTRY",
  },
  {
    name: "hard link climbing out",
    layers: () => [base(), tarLayer([{ name: "h", type: "hardlink", linkname: "../../etc/passwd" }])],
    check: (fs) => expect(fs.stat("h").inode).toBe(fs.stat("etc/passwd").inode),
  },
  {
    name: "symlink loop in a parent",
    layers: () => [
      tarLayer([
        { name: "a", type: "symlink", linkname: "b" },
        { name: "b", type: "symlink", linkname: "a" },
      ]),
      tarLayer([file("a/x")]),
    ],
    refused: "LAYER_ENTRY",
  },
  {
    name: "10 GB declared size in a tiny file",
    layers: () => {
      const h = new Uint8Array(tarOf([file("big", "")], false));
      h.set(enc.encode((10 * 1024 ** 3).toString(8).padStart(11, "0") + "\0"), 124);
      fixSum(h);
      return [layerOf(Buffer.concat([h, new Uint8Array(1024)]))];
    },
    refused: "TAR_FORMAT",
  },
  {
    name: "PAX header declaring 10 GB",
    layers: () => {
      const h = new Uint8Array(rawEntry("PaxHeader", "x", new Uint8Array(0)));
      h.set(enc.encode((10 * 1024 ** 3).toString(8).padStart(11, "0") + "\0"), 124);
      fixSum(h);
      return [layerOf(h)];
    },
    refused: "CAPACITY",
  },
  {
    name: "gzip bomb over the configured limit",
    layers: () => [layerOf(gzipSync(tarOf([{ name: "zeros", data: new Uint8Array(8 << 20) }])))],
    options: { maxLayerBytes: 1 << 20 },
    refused: "CAPACITY",
  },
  {
    name: "parent is a regular file",
    layers: () => [base(), tarLayer([file("etc/passwd/inside")])],
    refused: "LAYER_ENTRY",
  },
  // A directory named like a whiteout on the way to an entry would come back as a whiteout
  // from the export; an AUFS ".wh..wh.*" directory is bookkeeping and skipped whole.
  {
    name: "'.wh..' as a directory in the middle of a path",
    layers: () => [base(), tarLayer([file("etc/.wh../x")])],
    refused: "UNSAFE_PATH",
  },
  {
    name: "'.wh.name' as a directory in the middle of a path",
    layers: () => [base(), tarLayer([file("a/.wh.etc/b")])],
    refused: "UNSAFE_PATH",
  },
  {
    name: "'.wh..' directory in the middle, skip mode: nothing of it is created",
    layers: () => [base(), tarLayer([file("etc/.wh../x"), file("tmp/.wh.d/y/z")])],
    options: { onBadEntry: "skip" },
    check: (fs) => {
      expect(fs.readdir("etc")).toEqual(["passwd"]);
      expect(fs.readdir("tmp")).toEqual([]);
      expect(fs.image().layers[1].warnings.join("\n")).toMatch(/would be read back as a whiteout/);
    },
  },
  {
    name: "AUFS hard-link store (.wh..wh.plnk/...) is skipped with its contents",
    layers: () => [base(), tarLayer([{ name: ".wh..wh.plnk", type: "dir" }, file(".wh..wh.plnk/123.456"), file("etc/kept")])],
    check: (fs) => {
      expect(fs.readdir("")).toEqual(["etc", "tmp"]);
      expect(fs.exists("etc/kept")).toBe(true);
    },
  },
  {
    name: "symlink leading into a whiteout-named directory, skip mode: refused, nothing created",
    layers: () => [base(), tarLayer([{ name: "l", type: "symlink", linkname: "tmp/.wh.d" }]), tarLayer([file("l/f")])],
    options: { onBadEntry: "skip" },
    check: (fs) => {
      expect(fs.readdir("tmp")).toEqual([]);
      expect(fs.image().layers[2].warnings.join("\n")).toMatch(/resolves to "tmp\/\.wh\.d"/);
    },
  },
  {
    name: "NUL inside a ustar name field followed by more bytes",
    layers: () => [layerOf(Buffer.concat([withField(tarOf([file("placeholder")], false), 0, "evil\0etc/passwd"), new Uint8Array(1024)]))],
    refused: "TAR_FORMAT",
  },
  {
    name: "NUL inside a ustar prefix field followed by more bytes",
    layers: () => [layerOf(Buffer.concat([withField(tarOf([file("p")], false), 345, "dir\0more"), new Uint8Array(1024)]))],
    refused: "TAR_FORMAT",
  },
  {
    name: "NUL inside a GNU long link name",
    layers: () => [
      layerOf(
        Buffer.concat([
          rawEntry("././@LongLink", "K", enc.encode("target\0rest\0")),
          tarOf([{ name: "l", type: "symlink", linkname: "x" }]),
        ]),
      ),
    ],
    refused: "TAR_FORMAT",
  },
  { name: "path over 4096 bytes", layers: () => [tarLayer([file("d/".repeat(2100) + "f")])], refused: "CAPACITY" },
  {
    name: "symlink target over 4096 bytes",
    layers: () => [tarLayer([{ name: "l", type: "symlink", linkname: "t".repeat(4097) }])],
    refused: "CAPACITY",
  },
];

/** The header of `tar` with the field at `off` set to `text` verbatim (NULs included). */
function withField(tar: Uint8Array, off: number, text: string): Uint8Array {
  const b = new Uint8Array(tar);
  b.fill(0, off, off + (off === 345 ? 155 : 100));
  b.set(enc.encode(text), off);
  fixSum(b);
  return b;
}

function fixSum(b: Uint8Array): void {
  b.fill(0x20, 148, 156);
  let s = 0;
  for (let i = 0; i < 512; i++) s += b[i];
  b.set(enc.encode(s.toString(8).padStart(6, "0") + "\0"), 148);
}

async function exportedNames(fs: LayerFS): Promise<string[]> {
  const parts: Uint8Array[] = [];
  await exportImage(fs.image(), (c) => parts.push(c));
  const names: string[] = [];
  const r = new TarReader({ entry: (h) => void names.push(h.name, h.type === "hardlink" ? h.linkname : "") });
  r.push(Buffer.concat(parts));
  r.end();
  return names.filter(Boolean);
}

describe("hostile layer entries are refused or contained", () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const fs = new LayerFS(c.options);
      const layers = c.layers();
      if (c.refused) {
        let err: unknown;
        try {
          for (const l of layers) await fs.mount(l);
        } catch (e) {
          err = e;
        }
        expect(err, "must be refused").toBeInstanceOf(LayerlensError);
        expect((err as LayerlensError).code).toBe(c.refused);
      } else {
        for (const l of layers) await fs.mount(l);
        c.check?.(fs);
      }
      // Whatever happened, the view and its export name only clean paths inside the root.
      for (const s of fs.walk()) expect(s.path).not.toMatch(/(^|\/)\.\.?(\/|$)|^\/|\/\//);
      for (const n of await exportedNames(fs)) {
        expect(n).not.toMatch(/(^|\/)\.\.(\/|$)|^\//);
        // Nothing exported reads back as a whiteout, in any component.
        expect(n).not.toMatch(/(^|\/)\.wh\./);
      }
    });
  }
});
