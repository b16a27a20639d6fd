// Conformance table, export writes what it read: layers written by GNU tar and Python's
// tarfile with numbers a ustar field cannot hold (uid/gid past 2097151, negative and far-future
// mtimes, sub-second mtimes, big device numbers), owner names, and directories whose mtimes and
// modes an extractor must restore after filling them. The expected tree is umoci's unpack of
// the image; the export must extract to that same tree (type, mode, owner, size, content,
// nanosecond mtime, link targets, names as bytes) with GNU tar, bsdtar and Python's tarfile,
// and Python's listing of the export must show the owner names, numbers and PAX mtimes of the
// entries it came from. Every directory entry comes before the entries inside it.
//
// Python's tarfile carries an mtime as a float, so what it extracts is compared to the
// microsecond (within 2 us), and it never sets a symlink's times (extractall skips utime for
// links), so those are not compared for it; GNU tar and bsdtar are compared to the nanosecond.

import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { exportImage } from "../../src/fs/export.js";
import { LayerFS } from "../../src/fs/merge.js";
import { TarReader, type TarHeader } from "../../src/fs/tar.js";
import { tarEntry, tarHeader, TAR_END, type TarWriteEntry } from "../../src/fs/tar-write.js";
import {
  extract,
  pythonMembers,
  pythonTar,
  umociUnpackLayers,
  type Extractor,
  type MemberRow,
  type Tree,
  type TreeRow,
} from "./helpers/extractors.js";
import { layerOf } from "./helpers/layers.js";
import { have, scratch } from "./helpers/oracles.js";

const SKIP = !(have("tar") && have("bsdtar") && have("python3") && have("umoci")) && process.env.CI !== "true";
const TMP = scratch("export-conf");
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

let trees = 0;
/** A tar by GNU tar of the tree `script` builds in ./root (top-level names in byte order). */
function gnuTar(script: string, args: string[]): Uint8Array {
  const dir = join(TMP, `t${trees++}`);
  execFileSync("mkdir", ["-p", join(dir, "root")]);
  execFileSync("sh", ["-euc", script], { cwd: join(dir, "root") });
  const names = execFileSync("sh", ["-c", "ls -A | LC_ALL=C sort"], { cwd: join(dir, "root") })
    .toString()
    .split("\n")
    .filter(Boolean);
  return execFileSync("tar", [...args, "-cf", "-", "-C", join(dir, "root"), ...names], { maxBuffer: 1 << 28 });
}

const hex = (s: string) => Buffer.from(s).toString("hex");
const TREE = "mkdir -p d/sub && echo hello > d/f && echo other > d/sub/g && ln -s ../f d/sub/link && ln d/f d/hard";

interface Case {
  title: string;
  layers: () => Uint8Array[];
  extract?: boolean;
}

const CASES: Case[] = [
  {
    title: "uid/gid 3000000, GNU tar posix (PAX records)",
    layers: () => [gnuTar(TREE, ["--format=posix", "--owner=big:3000000", "--group=huge:3000001"])],
  },
  {
    title: "uid/gid 3000000, GNU tar gnu (base-256)",
    layers: () => [gnuTar(TREE, ["--format=gnu", "--owner=big:3000000", "--group=huge:3000001"])],
  },
  {
    title: "uid/gid near 2^32, Python pax",
    layers: () => [
      pythonTar({
        format: "pax",
        members: [
          { name: hex("d"), type: "5", uid: 4294967294, gid: 4294967293 },
          { name: hex("d/f"), data: "x", uid: 4294967294, gid: 4294967293, uname: "nobody", gname: "nogroup" },
        ],
      }),
    ],
  },
  { title: "owner names, GNU tar posix", layers: () => [gnuTar(TREE, ["--format=posix", "--owner=alice:1234", "--group=staff:99"])] },
  {
    title: "owner names over 32 bytes and not ASCII, Python pax",
    layers: () => [
      pythonTar({ format: "pax", members: [{ name: hex("f"), data: "x", uid: 7, gid: 8, uname: "u".repeat(40), gname: "gr\u00fcppe" }] }),
    ],
  },
  { title: "negative mtime, GNU tar posix", layers: () => [gnuTar(TREE, ["--format=posix", "--mtime=@-315619200"])] },
  { title: "negative mtime, GNU tar gnu (base-256)", layers: () => [gnuTar(TREE, ["--format=gnu", "--mtime=@-315619200"])] },
  { title: "mtime past 8^11 s, GNU tar posix", layers: () => [gnuTar(TREE, ["--format=posix", "--mtime=@9000000000"])] },
  { title: "mtime past 8^11 s, GNU tar gnu (base-256)", layers: () => [gnuTar(TREE, ["--format=gnu", "--mtime=@9000000000"])] },
  {
    title: "sub-second mtimes, GNU tar posix",
    layers: () => [
      gnuTar(
        TREE +
          " && touch -d @1700000000.123456789 d/f && touch -h -d @1650000000.25 d/sub/link && touch -d @1600000000.5 d/sub/g" +
          " && touch -d @1500000000.987654321 d/sub && touch -d @1400000000.000000001 d",
        ["--format=posix"],
      ),
    ],
  },
  {
    title: "directory mtimes and modes over two layers",
    layers: () => [
      gnuTar(
        "mkdir -p a/b/c a/ro a/sticky a/sgid && echo 1 > a/b/c/f && echo 2 > a/x && echo 3 > a/ro/f && chmod 555 a/ro && chmod 1777 a/sticky" +
          " && chmod 2775 a/sgid && touch -d @1000000001 a/b/c && touch -d @1000000002 a/b && touch -d @1000000003 a/ro && touch -d @1000000004 a/sticky" +
          " && touch -d @1000000005 a/sgid && touch -d @1000000006 a",
        ["--format=posix"],
      ),
      gnuTar(
        "mkdir -p a/b/c a/ro a/sgid && echo 4 > a/b/new && echo 5 > a/b/c/g && echo 6 > a/sgid/f && echo 7 > a/y && chmod 555 a/ro && chmod 2770 a/sgid" +
          " && touch -d @2000000001 a/b/c && touch -d @2000000002 a/b && touch -d @2000000003 a/ro && touch -d @2000000005 a/sgid && touch -d @2000000006 a",
        ["--format=posix"],
      ),
    ],
  },
  {
    // GNU tar creates symlinks to absolute or ".." targets only at the end of the extraction.
    title: "directory mtimes around symlinks GNU tar delays, over two layers",
    layers: () => [
      gnuTar(
        "mkdir -p a/b c && ln -s /etc/hostname a/abs && ln -s ../../c a/b/up && echo 1 > a/b/f && ln -s f a/b/rel" +
          " && touch -d @1000000001 a/b && touch -d @1000000002 a && touch -d @1000000003 c",
        ["--format=posix"],
      ),
      gnuTar("mkdir -p a/b c && echo 2 > a/b/g && echo 3 > c/h && touch -d @2000000001 a/b && touch -d @2000000003 c", ["--format=posix"]),
    ],
  },
  {
    title: "devices and a fifo, GNU tar posix",
    layers: () => [gnuTar("mkdir d && mknod d/null c 1 3 && mknod d/loop b 7 0 && mkfifo d/fifo", ["--format=posix"])],
  },
  {
    title: "device numbers past 2097151, Python gnu (base-256)",
    extract: false,
    layers: () => [pythonTar({ format: "gnu", members: [{ name: hex("dev"), type: "3", devmajor: 3000000, devminor: 2097152 }] })],
  },
];

interface Ours {
  tar?: Uint8Array;
  error?: string;
}

async function exportOf(layers: Uint8Array[]): Promise<Ours> {
  try {
    const fs = new LayerFS({ hashFiles: true });
    await fs.mountBatch(layers.map((l) => layerOf(l, { chunk: 4099 })));
    const parts: Uint8Array[] = [];
    await exportImage(fs.image(), (c) => parts.push(c));
    return { tar: Buffer.concat(parts) };
  } catch (e) {
    return { error: String(e) };
  }
}

/**
 * The rows `tool` left, against umoci's: Python's float mtimes taken as umoci's when within
 * 2 microseconds of them, its symlink times not compared.
 */
function rowsFor(tool: Extractor, t: Tree, expected: Tree): TreeRow[] | string {
  if (!t.ok) return t.error;
  if (tool !== "python") return t.rows;
  const want = new Map(expected.ok ? expected.rows.map((r) => [r.name, r.mtimeNs]) : []);
  return t.rows.map((r) => {
    const w = want.get(r.name);
    const close = w !== undefined && (BigInt(r.mtimeNs) - BigInt(w)) ** 2n <= 2000n ** 2n;
    return { ...r, mtimeNs: r.type === "symlink" ? "not set" : close ? w : r.mtimeNs };
  });
}
const umociRows = (tool: Extractor, t: Tree): TreeRow[] | string =>
  !t.ok ? t.error : tool === "python" ? t.rows.map((r) => (r.type === "symlink" ? { ...r, mtimeNs: "not set" } : r)) : t.rows;

/** A member name without "./" in front, as the view names it. */
function cleanHex(h: string): string {
  let b = Buffer.from(h, "hex").toString("latin1");
  while (b.startsWith("./")) b = b.slice(2);
  return Buffer.from(b.replace(/\/+$/, ""), "latin1").toString("hex");
}

/** "1.500" and "1.5" are one time; "7" and "7.0" too. */
const mtimeText = (s: string) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);

const memberFields = (m: MemberRow) => ({
  name: cleanHex(m.name),
  uid: m.uid,
  gid: m.gid,
  uname: m.uname,
  gname: m.gname,
  mtime: mtimeText(m.mtime),
  dev: m.dev,
});

describe.skipIf(SKIP)("export conformance: umoci unpack vs GNU tar, bsdtar and Python extracting the export", () => {
  for (const c of CASES) {
    describe(c.title, () => {
      let memo: Promise<{ layers: Uint8Array[]; ours: Ours; expected: Tree | null }> | null = null;
      const run = () =>
        (memo ??= (async () => {
          const layers = c.layers();
          return { layers, ours: await exportOf(layers), expected: c.extract === false ? null : umociUnpackLayers(layers) };
        })());

      test("export succeeds", async () => {
        const { ours } = await run();
        expect(ours.error).toBeUndefined();
      });

      for (const tool of ["gnutar", "bsdtar", "python"] as Extractor[]) {
        test.skipIf(c.extract === false)(`${tool} -x of the export = umoci unpack`, async () => {
          const { ours, expected } = await run();
          expect(ours.error).toBeUndefined();
          expect(expected!.ok, "umoci unpacks the layers").toBe(true);
          expect(rowsFor(tool, extract(tool, ours.tar!), expected!)).toEqual(umociRows(tool, expected!));
        });
      }

      test("Python lists the export with the layers' owners, names, numbers and mtimes", async () => {
        const { ours, layers } = await run();
        expect(ours.error).toBeUndefined();
        const visible = new Map<string, ReturnType<typeof memberFields>>();
        for (const l of layers) {
          const ms = pythonMembers(l);
          if ("error" in ms) throw new Error(ms.error);
          for (const m of ms) if (m.type !== "1") visible.set(cleanHex(m.name), memberFields(m));
        }
        const out = pythonMembers(ours.tar!);
        if ("error" in out) throw new Error(out.error);
        const got = out.filter((m) => m.type !== "1" && visible.has(cleanHex(m.name))).map(memberFields);
        expect(got.length).toBeGreaterThan(0);
        expect(got).toEqual(got.map((m) => visible.get(m.name)));
      });

      test("every directory comes before what it holds", async () => {
        const { ours } = await run();
        expect(ours.error).toBeUndefined();
        const out = pythonMembers(ours.tar!);
        if ("error" in out) throw new Error(out.error);
        const seen = new Set<string>();
        const late: string[] = [];
        for (const m of out) {
          const name = Buffer.from(cleanHex(m.name), "hex").toString("latin1");
          for (let i = name.indexOf("/"); i > 0; i = name.indexOf("/", i + 1)) {
            if (!seen.has(name.slice(0, i))) late.push(`${name.slice(0, i)} after ${name}`);
          }
          if (m.type === "5") seen.add(name);
        }
        expect(late).toEqual([]);
      });
    });
  }
});

// The writer alone, on numbers no layer in the table above can carry to an extractor: what
// it writes must read back the same with Python's tarfile and with the project's reader.
const NUMERIC: [string, TarWriteEntry][] = [
  ["uid and gid 2^32 - 1", { name: "f", uid: 4294967295, gid: 4294967295 }],
  ["uid 2^53 - 1", { name: "f", uid: Number.MAX_SAFE_INTEGER }],
  ["mtime -10^10", { name: "f", mtime: -1e10 }],
  ["mtime 10^12", { name: "f", mtime: 1e12 }],
  ["device 2^31 : 2^21", { name: "c", type: "char", devmajor: 2 ** 31, devminor: 2 ** 21 }],
];

function readBack(tar: Uint8Array): TarHeader[] {
  const out: TarHeader[] = [];
  const r = new TarReader({ entry: (h) => void out.push(h) });
  r.push(tar);
  r.end();
  return out;
}

describe.skipIf(SKIP)("tar writer: numbers past the octal fields read back by Python and by the reader", () => {
  for (const [title, e] of NUMERIC) {
    test(title, () => {
      let tar: Uint8Array;
      try {
        tar = Buffer.concat([tarEntry(e), TAR_END]);
      } catch (err) {
        throw new Error(`writer: ${String(err)}`, { cause: err });
      }
      const py = pythonMembers(tar);
      if ("error" in py) throw new Error(py.error);
      expect(py.map((m) => ({ uid: m.uid, gid: m.gid, mtime: Number(m.mtime), dev: m.dev }))).toEqual([
        { uid: e.uid ?? 0, gid: e.gid ?? 0, mtime: e.mtime ?? 0, dev: e.type === "char" ? `${e.devmajor}:${e.devminor}` : "" },
      ]);
      const ours = readBack(tar);
      expect(ours.map((h) => [h.uid, h.gid, h.mtime, h.devmajor, h.devminor])).toEqual([
        [e.uid ?? 0, e.gid ?? 0, e.mtime ?? 0, e.devmajor ?? 0, e.devminor ?? 0],
      ]);
    });
  }

  test("size 9 GiB (header only)", () => {
    // No body: a test cannot write 9 GiB; the header is what is under test.
    const h = tarHeader({ name: "big", size: 9 * 1024 ** 3 });
    const py = pythonMembers(h);
    if ("error" in py) throw new Error(py.error);
    expect(py.map((m) => m.size)).toEqual([9 * 1024 ** 3]);
  });
});
