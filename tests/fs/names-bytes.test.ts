// Conformance table, names are bytes: layers whose names and link targets are not valid UTF-8
// (ustar fields, GNU long names, PAX paths with hdrcharset=BINARY, what GNU tar and Python's
// tarfile write for them) next to valid UTF-8 ones. The expected names are the bytes umoci's
// unpack leaves on disk (read back with os.listdir on bytes); the export extracted by GNU tar,
// bsdtar and Python must leave the same bytes, `ls --json` must give them back through the
// documented escape (a byte that is not part of valid UTF-8 is the lone surrogate U+DC00 + byte,
// Python's surrogateescape), and `ls` text output must show such a byte as \xNN and a backslash
// as \\, so a name prints unambiguously.

import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { main } from "../../src/cli/main.js";
import { exportImage } from "../../src/fs/export.js";
import { LayerFS } from "../../src/fs/merge.js";
import { extract, pythonTar, umociLayout, umociUnpackLayers, type Extractor, type Tree, type TreeRow } from "./helpers/extractors.js";
import { execFileSync } from "node:child_process";
import { layerOf } from "./helpers/layers.js";
import { have, scratch } from "./helpers/oracles.js";

const SKIP = !(have("tar") && have("bsdtar") && have("python3") && have("umoci")) && process.env.CI !== "true";
const TMP = scratch("names");
process.env.LAYERLENS_CACHE = join(TMP, "cache");
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const h = (b: string) => Buffer.from(b, "latin1").toString("hex");
const u = (s: string) => Buffer.from(s, "utf8").toString("latin1");

let trees = 0;
/** GNU tar (posix) of a tree whose names the shell's printf spells as bytes. */
function gnuTarTree(script: string, args: string[] = ["--format=posix"]): Uint8Array {
  const dir = join(TMP, `t${trees++}`);
  execFileSync("mkdir", ["-p", join(dir, "root")]);
  execFileSync("sh", ["-euc", script], { cwd: join(dir, "root") });
  return execFileSync("tar", [...args, "-cf", "-", "-C", join(dir, "root"), "d"], { maxBuffer: 1 << 28 });
}

interface Case {
  title: string;
  layers: () => Uint8Array[];
}

const CASES: Case[] = [
  {
    title: "Latin-1 bytes in ustar names (Python ustar, latin-1)",
    layers: () => [
      pythonTar({
        format: "ustar",
        encoding: "latin-1",
        members: [
          { name: h("d\xff"), type: "5" },
          { name: h("d\xff/caf\xe9"), data: "x" },
          { name: h("d\xff/l\xe9"), type: "2", link: h("caf\xe9") },
        ],
      }),
    ],
  },
  {
    title: "raw bytes in a GNU long name (Python gnu)",
    layers: () => [pythonTar({ format: "gnu", encoding: "latin-1", members: [{ name: h("d/" + "\xe9".repeat(150)), data: "long" }] })],
  },
  {
    title: "raw bytes in a PAX path with hdrcharset=BINARY (Python pax)",
    layers: () => [
      pythonTar({
        format: "pax",
        members: [
          { name: h("d/caf\xe9"), data: "x" },
          { name: h("d/link"), type: "2", link: h("caf\xe9") },
          { name: h("d/" + "\xfe".repeat(120)), data: "y" },
        ],
      }),
    ],
  },
  {
    title: "raw bytes in names and link targets (GNU tar posix)",
    layers: () => [
      gnuTarTree(
        "mkdir -p d/$(printf 'dir\\351') && printf x > d/$(printf 'caf\\351') && ln -s $(printf 'caf\\351') d/$(printf 'l\\377')" +
          " && ln d/$(printf 'caf\\351') d/$(printf 'hard\\351') && printf y > d/$(printf 'dir\\351')/$(printf '\\376%.0s' $(seq 1 110))",
      ),
    ],
  },
  {
    title: "raw bytes in names (GNU tar gnu)",
    layers: () => [
      gnuTarTree("mkdir -p d && printf x > d/$(printf 'caf\\351') && printf y > d/$(printf '\\376%.0s' $(seq 1 110))", ["--format=gnu"]),
    ],
  },
  {
    title: "valid UTF-8 names (GNU tar posix, Python ustar)",
    layers: () => [
      gnuTarTree("mkdir -p d && printf x > d/\u00fc && printf y > d/\u65e5\u672c && ln -s \u00fc d/l\u00e9"),
      pythonTar({ format: "ustar", members: [{ name: h("d/" + u("\u00e9t\u00e9")), data: "z" }] }),
    ],
  },
  {
    title: "bytes that would be encoded surrogates, overlong forms and truncated sequences (Python ustar)",
    layers: () => [
      pythonTar({
        format: "ustar",
        encoding: "latin-1",
        members: [
          { name: h("d/\xed\xa0\x80"), data: "1" },
          { name: h("d/\xed\xb2\x80"), data: "2" },
          { name: h("d/\xc0\xaf"), data: "3" },
          { name: h("d/\xe6\x97"), data: "4" },
          { name: h("d/\xf4\x90\x80\x80"), data: "5" },
          { name: h("d/" + u("\u00e9") + "\xe9"), data: "6" },
        ],
      }),
    ],
  },
  {
    title: "a backslash and a literal \\x41 next to a raw 0x41-looking byte (Python ustar)",
    layers: () => [
      pythonTar({
        format: "ustar",
        encoding: "latin-1",
        members: [
          { name: h("d/a\\x41"), data: "1" },
          { name: h("d/a\\\xe9"), data: "2" },
          { name: h("d/a\x41"), data: "3" },
        ],
      }),
    ],
  },
];

/** The documented name encoding, as a reference: lone U+DC80..U+DCFF is a byte, the rest UTF-8. */
function nameBytes(s: string): Buffer {
  const parts: Buffer[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    parts.push(c >= 0xdc80 && c <= 0xdcff ? Buffer.from([c - 0xdc00]) : Buffer.from(ch, "utf8"));
  }
  return Buffer.concat(parts);
}

/** The documented display: bytes outside valid UTF-8 as \xNN, a backslash as \\. */
function displayed(bytes: Buffer): string {
  const s = bytes.toString("latin1");
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const n = utf8Len(bytes, i);
    if (n === 0) out += "\\x" + bytes[i++].toString(16).padStart(2, "0");
    else if (bytes[i] === 0x5c) {
      out += "\\\\";
      i++;
    } else {
      out += Buffer.from(s.slice(i, i + n), "latin1").toString("utf8");
      i += n;
    }
  }
  return out;
}

/** Length of the valid UTF-8 sequence at i, 0 if none (strict: no overlongs, surrogates, > U+10FFFF). */
function utf8Len(b: Buffer, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  const n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n === 0 || i + n > b.length) return 0;
  for (let k = 1; k < n; k++) if ((b[i + k] & 0xc0) !== 0x80) return 0;
  const s = b[i + 1];
  if (c === 0xe0 && s < 0xa0) return 0;
  if (c === 0xed && s > 0x9f) return 0;
  if (c === 0xf0 && s < 0x90) return 0;
  if (c === 0xf4 && s > 0x8f) return 0;
  return n;
}

async function run(...argv: string[]) {
  let out = "";
  let err = "";
  const code = await main(argv, {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

const names = (t: Tree) => (t.ok ? t.rows.map((r) => r.name) : [t.error]);

describe.skipIf(SKIP)("names as bytes: umoci unpack vs the export, ls and ls --json", () => {
  for (const c of CASES) {
    describe(c.title, () => {
      let memo: Promise<{ layers: Uint8Array[]; tar?: Uint8Array; error?: string; expected: Tree }> | null = null;
      const setup = () =>
        (memo ??= (async () => {
          const layers = c.layers();
          const expected = umociUnpackLayers(layers);
          try {
            const fs = new LayerFS({ hashFiles: true });
            await fs.mountBatch(layers.map((l) => layerOf(l)));
            const parts: Uint8Array[] = [];
            await exportImage(fs.image(), (p) => parts.push(p));
            return { layers, tar: Buffer.concat(parts), expected };
          } catch (e) {
            return { layers, error: String(e), expected };
          }
        })());

      for (const tool of ["gnutar", "bsdtar", "python"] as Extractor[]) {
        test(`${tool} -x of the export leaves umoci's names, link targets and contents`, async () => {
          const { tar, error, expected } = await setup();
          expect(error).toBeUndefined();
          expect(expected.ok, "umoci unpacks the layers").toBe(true);
          const got = extract(tool, tar!);
          const keep = (t: Tree) =>
            t.ok
              ? t.rows.map(({ name, type, size, sha256, link, hardlink }: TreeRow) => ({ name, type, size, sha256, link, hardlink }))
              : t.error;
          expect(names(got)).toEqual(names(expected));
          expect(keep(got)).toEqual(keep(expected));
        });
      }

      test("ls -R --json names and link targets decode to umoci's bytes", async () => {
        const { layers, expected } = await setup();
        expect(expected.ok).toBe(true);
        const lay = umociLayout(layers);
        try {
          const r = await run("ls", `oci:${lay}:img`, "-R", "--json");
          expect(r.err).toBe("");
          const stats = JSON.parse(r.out) as { path: string; linkname?: string }[];
          const rows = (expected as { rows: TreeRow[] }).rows;
          expect(stats.map((s) => nameBytes(s.path).toString("hex")).sort()).toEqual(rows.map((x) => x.name).sort());
          const links = (xs: [string, string][]) => xs.sort().map(([a, b]) => `${a}>${b}`);
          expect(
            links(
              stats
                .filter((s) => s.linkname !== undefined)
                .map((s) => [nameBytes(s.path).toString("hex"), nameBytes(s.linkname!).toString("hex")]),
            ),
          ).toEqual(links(rows.filter((x) => x.type === "symlink").map((x) => [x.name, x.link])));
        } finally {
          rmSync(join(lay, ".."), { recursive: true, force: true });
        }
      });

      test("ls -R prints raw bytes as \\xNN and a backslash as \\\\", async () => {
        const { layers, expected } = await setup();
        expect(expected.ok).toBe(true);
        const lay = umociLayout(layers);
        try {
          const r = await run("ls", `oci:${lay}:img`, "-R");
          expect(r.err).toBe("");
          const rows = (expected as { rows: TreeRow[] }).rows;
          expect(r.out.split("\n").filter(Boolean).sort()).toEqual(rows.map((x) => displayed(Buffer.from(x.name, "hex"))).sort());
        } finally {
          rmSync(join(lay, ".."), { recursive: true, force: true });
        }
      });
    });
  }
});
