// Conformance tables, PAX header sequences and refusals. Inputs are built in code; the answers
// come from the tools: GNU tar -x for which records apply to which entry (several 'x' headers,
// globals, empty globals, GNU long names beside PAX), umoci unpack (Go's archive/tar) for what
// must be refused (NULs in names and keys, bad times, malformed records) and for what must
// still be read. One verdict deliberately differs from umoci's: a NUL inside a ustar link
// target followed by more bytes (see the last test).

import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { LayerlensError } from "../../src/errors.js";
import { LayerFS } from "../../src/fs/merge.js";
import { tarEntry, TAR_END } from "../../src/fs/tar-write.js";
import { fixChecksum, layerOf, rawEntry } from "./helpers/layers.js";
import { gnuTarExtract, have, umociUnpack, type FileRow, type Verdict } from "./helpers/oracles.js";

const SKIP = !(have("tar") && have("umoci")) && process.env.CI !== "true";
const enc = new TextEncoder();
const digestOf = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");
const ROOT = process.getuid?.() === 0;

function record(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let len = enc.encode(rest).length + 1;
  while (String(len).length + enc.encode(rest).length !== len) len = String(len).length + enc.encode(rest).length;
  return len + rest;
}
const pax = (flag: "x" | "g", records: [string, string][]) =>
  rawEntry("PaxHeader", flag, enc.encode(records.map(([k, v]) => record(k, v)).join("")));
const paxRaw = (body: string) => rawEntry("PaxHeader", "x", enc.encode(body));
const longName = (name: string) => rawEntry("././@LongLink", "L", enc.encode(name + "\0"));
const file = (name: string, mtime = 1_000_000) => tarEntry({ name, data: enc.encode(name), mtime, uid: 0 });
const tarOf = (...parts: Uint8Array[]) => Buffer.concat([...parts, TAR_END]);

/** A symlink whose ustar link field holds `target` bytes verbatim (NULs included). */
function rawLink(name: string, target: string): Uint8Array {
  const h = new Uint8Array(tarEntry({ name, type: "symlink", linkname: "x" }));
  h.fill(0, 157, 257);
  h.set(enc.encode(target), 157);
  fixChecksum(h);
  return h;
}

/** What layerlens makes of the tar: its rows, or the error it raised. */
async function ours(tar: Uint8Array): Promise<Verdict & { code?: string; message?: string }> {
  const fs = new LayerFS();
  try {
    await fs.mount(layerOf(tar, { digest: digestOf(tar) }));
  } catch (e) {
    if (!(e instanceof LayerlensError)) throw e;
    return { ok: false, error: e.message, code: e.code, message: e.message };
  }
  const rows: FileRow[] = [];
  for (const s of fs.walk()) {
    const type = s.type === "file" || s.type === "directory" || s.type === "symlink" ? s.type : "other";
    rows.push({ path: s.path, type, size: s.size, sha256: "", mtime: Math.floor(s.mtime), uid: s.uid, linkname: s.linkname ?? "" });
  }
  return { ok: true, rows };
}

const view = (rows: FileRow[]) =>
  rows
    .filter((r) => r.type !== "directory")
    .map((r) => ({ path: r.path, type: r.type, mtime: r.type === "symlink" ? 0 : r.mtime, uid: ROOT ? r.uid : 0, linkname: r.linkname }));

const SEQUENCES: [string, Uint8Array][] = [
  [
    "two x headers: only the last applies",
    tarOf(
      pax("x", [
        ["path", "from-first"],
        ["mtime", "1111"],
      ]),
      pax("x", [["mtime", "2222"]]),
      file("plain"),
    ),
  ],
  ["two x paths: the last wins", tarOf(pax("x", [["path", "first"]]), pax("x", [["path", "second"]]), file("plain"))],
  [
    "x linkpath twice",
    tarOf(
      pax("x", [
        ["linkpath", "t1"],
        ["uid", "7"],
      ]),
      pax("x", [["linkpath", "t2"]]),
      tarEntry({ name: "l", type: "symlink", linkname: "x" }),
    ),
  ],
  ["a global applies to every later entry", tarOf(pax("g", [["mtime", "2000"]]), file("a"), file("b"))],
  ["a later global replaces an earlier one", tarOf(pax("g", [["mtime", "2000"]]), file("a"), pax("g", [["mtime", "3000"]]), file("b"))],
  ["x overrides a global for one entry", tarOf(pax("g", [["mtime", "2000"]]), pax("x", [["mtime", "2500"]]), file("a"), file("b"))],
  ["two GNU long names", tarOf(longName("first-long"), longName("second-long"), file("plain"))],
];

// GNU tar lets a PAX path win over a GNU long name; Go (so umoci), first in the oracle order,
// lets the long name win whatever the order: these follow umoci. (Go ignores 'g' headers, so
// the global cases above follow GNU tar.)
const SEQUENCES_UMOCI: [string, Uint8Array][] = [
  ["x header then a GNU long name", tarOf(pax("x", [["path", "pax-name"]]), longName("gnu-long-name"), file("plain"))],
  ["GNU long name then an x header", tarOf(longName("gnu-long-name"), pax("x", [["path", "pax-name"]]), file("plain"))],
];

describe.skipIf(SKIP)("PAX header sequences: layerlens vs GNU tar -x and umoci unpack", () => {
  test.each([...SEQUENCES.map(([t, b]) => [t, "GNU tar", b] as const), ...SEQUENCES_UMOCI.map(([t, b]) => [t, "umoci", b] as const)])(
    "%s (%s)",
    async (_title, tool, tar) => {
      const oracle = tool === "umoci" ? umociUnpack(tar) : gnuTarExtract(tar);
      expect(oracle.ok, JSON.stringify(oracle)).toBe(true);
      const got = await ours(tar);
      expect(got.ok, JSON.stringify(got)).toBe(true);
      if (oracle.ok && got.ok) expect(view(got.rows)).toEqual(view(oracle.rows));
    },
  );
});

const REFUSALS: [string, Uint8Array][] = [
  ["NUL in a PAX path", tarOf(pax("x", [["path", "a\0b"]]), file("plain"))],
  ["NUL in a PAX linkpath", tarOf(pax("x", [["linkpath", "t\0u"]]), tarEntry({ name: "l", type: "symlink", linkname: "x" }))],
  ["NUL in an xattr key", tarOf(pax("x", [["SCHILY.xattr.user.a\0b", "v"]]), file("plain"))],
  ["NUL in a PAX uname", tarOf(pax("x", [["uname", "ro\0ot"]]), file("plain"))],
  ["PAX mtime not a number", tarOf(pax("x", [["mtime", "abc"]]), file("plain"))],
  ["PAX mtime in exponent form", tarOf(pax("x", [["mtime", "1e3"]]), file("plain"))],
  ["PAX record length past the body", tarOf(paxRaw("99 path=abc\n"), file("plain"))],
  ["PAX record without its newline", tarOf(paxRaw("11 path=abcd"), file("plain"))],
  ["PAX record without '='", tarOf(paxRaw("9 pathab\n"), file("plain"))],
  ["PAX record length not a number", tarOf(paxRaw("x9 path=a\n"), file("plain"))],
  ["a fractional PAX mtime (read)", tarOf(pax("x", [["mtime", "1700000000.75"]]), file("plain"))],
  ["xattr key without NUL (read)", tarOf(pax("x", [["SCHILY.xattr.user.ok", "v"]]), file("plain"))],
];

describe.skipIf(SKIP)("refusals: layerlens vs umoci unpack", () => {
  test.each(REFUSALS)("%s", async (_title, tar) => {
    const oracle = umociUnpack(tar);
    const got = await ours(tar);
    expect(got.ok, `umoci: ${JSON.stringify(oracle)}; layerlens: ${JSON.stringify(got)}`).toBe(oracle.ok);
    if (!got.ok) {
      // Typed, naming the layer and where in it.
      expect(got.code).toBe("TAR_FORMAT");
      expect(got.message).toContain(`layer 0 ${digestOf(tar).slice(0, 19)}… of default: `);
      expect(got.message).toMatch(/\(at byte \d+\)$/);
    } else if (oracle.ok) {
      expect(view(got.rows)).toEqual(view(oracle.rows));
    }
  });
});

// A ustar link field "target\0rest": GNU tar and Go (so umoci) cut it at the NUL and point the
// link at "target"; a reader that keeps the field's bytes points it at "target\0rest", or at
// "rest" if it takes the last string. Where a link points must not depend on who unpacks the
// layer, so layerlens refuses the field (TAR_FORMAT, naming the layer and the header's offset).
// The oracle still runs, so the test shows what it decided and fails if umoci ever changes.
describe.skipIf(SKIP)("NUL inside a ustar link target: umoci cuts, layerlens refuses", () => {
  test("target\\0rest", async () => {
    const tar = tarOf(rawLink("l", "target\0rest"));
    const oracle = umociUnpack(tar);
    expect(oracle.ok, JSON.stringify(oracle)).toBe(true);
    if (oracle.ok) expect(oracle.rows.find((r) => r.path === "l")?.linkname).toBe("target");
    const got = await ours(tar);
    expect(got.ok, JSON.stringify(got)).toBe(false);
    expect(got.code).toBe("TAR_FORMAT");
    expect(got.message).toContain(`layer 0 ${digestOf(tar).slice(0, 19)}… of default: `);
    expect(got.message).toMatch(/linkname field has bytes after a NUL .*\(at byte 0\)$/);
  });

  test("NUL padding after a link target is read (the field is NUL-filled by every writer)", async () => {
    const tar = tarOf(rawLink("l", "target\0\0\0"));
    const oracle = umociUnpack(tar);
    const got = await ours(tar);
    expect(oracle.ok && got.ok, JSON.stringify({ oracle, got })).toBe(true);
    if (oracle.ok && got.ok) expect(view(got.rows)).toEqual(view(oracle.rows));
  });
});
