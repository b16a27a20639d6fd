// The tar reader against Python's tarfile (fixtures/expected/<tag>/layers-raw.json: every raw
// entry of every layer blob, PAX records included), and on hand-built edge cases: chunk
// boundaries, GNU base-256, global PAX headers, missing end-of-archive, truncation.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { TarFormatError } from "../../src/fs/errors.js";
import { TarReader, type TarHeader } from "../../src/fs/tar.js";
import { TAR_END, tarEntry } from "../../src/fs/tar-write.js";
const tarEnd = () => TAR_END;
import { FIXTURES, SKIP_FIXTURES } from "./helpers/fixtures.js";
import { fixChecksum, rawEntry } from "./helpers/layers.js";

/** Parse `bytes` pushed in chunks of `step`; returns headers and bodies. */
function parseTar(bytes: Uint8Array, step = bytes.length): { headers: TarHeader[]; bodies: Uint8Array[] } {
  const headers: TarHeader[] = [];
  const bodies: Uint8Array[] = [];
  let parts: Uint8Array[] = [];
  const r = new TarReader({
    entry: (h) => {
      headers.push(h);
      parts = [];
    },
    data: (c) => parts.push(c.slice()),
    entryEnd: () => bodies.push(Buffer.concat(parts)),
  });
  for (let i = 0; i < bytes.length; i += step) r.push(bytes.subarray(i, Math.min(bytes.length, i + step)));
  r.end();
  return { headers, bodies };
}

const TYPE_CHAR: Record<string, string> = {
  file: "0",
  hardlink: "1",
  symlink: "2",
  chardev: "3",
  blockdev: "4",
  directory: "5",
  fifo: "6",
};

const TAGS = ["v1", "v2", "v3", "v4", "v5", "v6", "latest", "gnutar", "multi-amd64", "multi-arm64"];

describe.skipIf(SKIP_FIXTURES)("tar reader equals Python's tarfile on every fixture layer", () => {
  for (const tag of TAGS) {
    test(tag, () => {
      const raw = JSON.parse(readFileSync(join(FIXTURES, "expected", tag, "layers-raw.json"), "utf8"));
      for (const layer of raw) {
        const blob = readFileSync(join(FIXTURES, "layout", "blobs", "sha256", layer.digest.slice(7)));
        const tar = gunzipSync(blob);
        expect(tar.length).toBe(layer.uncompressedSize);
        for (const step of [tar.length, 4096, 511, 7]) {
          const { headers } = parseTar(tar, step);
          const got = headers.map((h) => ({
            name: h.name.replace(/\/$/, ""),
            type: h.typeflag === "\0" ? "0" : h.typeflag,
            mode: "0o" + h.mode.toString(8),
            uid: h.uid,
            gid: h.gid,
            size: h.size,
            mtime: h.mtime,
            linkname: h.linkname || null,
            devmajor: h.devmajor,
            devminor: h.devminor,
            xattrs: h.xattrs,
          }));
          const want = layer.entries
            .map((e: any) => ({
              name: e.name.replace(/\/$/, ""),
              type: e.type,
              mode: e.mode,
              uid: e.uid,
              gid: e.gid,
              size: e.type === "0" ? e.size : e.size,
              mtime: e.mtime,
              linkname: e.linkname,
              devmajor: e.devmajor,
              devminor: e.devminor,
              xattrs: e.pax
                ? Object.fromEntries(
                    Object.entries(e.pax)
                      .filter(([k]) => k.startsWith("SCHILY.xattr."))
                      .map(([k, v]) => [k.slice(13), v]),
                  )
                : null,
            }))
            .map((e: any) => ({ ...e, xattrs: e.xattrs && Object.keys(e.xattrs).length ? e.xattrs : null }));
          expect(got, `${tag} ${layer.digest} step ${step}`).toEqual(want);
          expect(got.every((_, i) => TYPE_CHAR[headers[i].type] !== undefined)).toBe(true);
        }
      }
    });
  }
});

describe("tar reader edge cases", () => {
  const enc = new TextEncoder();
  const join2 = (...p: Uint8Array[]) => Buffer.concat(p);

  test("bodies arrive intact across any chunking", () => {
    const data = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);
    const tar = join2(tarEntry({ name: "a", data }), tarEntry({ name: "b", data: enc.encode("bee") }), tarEnd());
    for (const step of [1, 3, 512, 513, 100000]) {
      const { headers, bodies } = parseTar(tar, step);
      expect(headers.map((h) => h.name)).toEqual(["a", "b"]);
      expect(Buffer.from(bodies[0]).equals(Buffer.from(data))).toBe(true);
      expect(new TextDecoder().decode(bodies[1])).toBe("bee");
    }
  });

  test("long names and link targets via PAX, xattrs via SCHILY", () => {
    const long = "d/".repeat(120) + "file-" + "x".repeat(150);
    const tar = join2(
      tarEntry({ name: long, data: enc.encode("1"), pax: { "SCHILY.xattr.user.k": "v" } }),
      tarEntry({ name: "s", type: "symlink", linkname: "t".repeat(300) }),
      tarEnd(),
    );
    const { headers } = parseTar(tar, 100);
    expect(headers[0].name).toBe(long);
    expect(headers[0].xattrs).toEqual({ "user.k": "v" });
    expect(headers[1].linkname).toBe("t".repeat(300));
  });

  test("GNU base-256 size and uid", () => {
    const h = tarEntry({ name: "big", uid: 1 });
    const b = new Uint8Array(h);
    // uid field as base-256: 0x80 marker then big-endian 2^21 + 5 (over the 7 octal digits).
    b.fill(0, 108, 116);
    b[108] = 0x80;
    b[113] = 0x20;
    b[115] = 0x05;
    fixChecksum(b);
    const { headers } = parseTar(join2(b, tarEnd()));
    expect(headers[0].uid).toBe(0x200005);
  });

  test("global PAX headers apply to later entries, per-entry ones override", () => {
    const g = paxHeader("g", { uid: "4242", mtime: "1700000000.5" });
    const x = paxHeader("x", { uid: "7" });
    const tar = join2(g, tarEntry({ name: "one" }), x, tarEntry({ name: "two" }), tarEnd());
    const { headers } = parseTar(tar, 64);
    expect(headers.map((h) => [h.name, h.uid, h.mtime])).toEqual([
      ["one", 4242, 1700000000],
      ["two", 7, 1700000000],
    ]);
  });

  test("GNU ././@LongLink names (L and K)", () => {
    const name = "n".repeat(200);
    const target = "k".repeat(180);
    const tar = join2(gnuLong("L", name), gnuLong("K", target), tarEntry({ name: "short", type: "symlink", linkname: "x" }), tarEnd());
    const { headers } = parseTar(tar, 33);
    expect(headers).toHaveLength(1);
    expect(headers[0].name).toBe(name);
    expect(headers[0].linkname).toBe(target);
  });

  test("a missing end-of-archive and a missing last padding are accepted", () => {
    const e = tarEntry({ name: "f", data: enc.encode("abc") });
    expect(parseTar(e).headers).toHaveLength(1);
    expect(new TextDecoder().decode(parseTar(e.subarray(0, 512 + 3)).bodies[0])).toBe("abc");
  });

  test("truncation inside a header or a body is a TarFormatError", () => {
    const e = tarEntry({ name: "f", data: new Uint8Array(2000) });
    expect(() => parseTar(e.subarray(0, 300))).toThrow(TarFormatError);
    expect(() => parseTar(e.subarray(0, 1000))).toThrow(TarFormatError);
  });

  test("a bad checksum is a TarFormatError", () => {
    const e = new Uint8Array(tarEntry({ name: "f" }));
    e[0] ^= 1;
    expect(() => parseTar(e)).toThrow(TarFormatError);
  });

  test("offsets point at the body in the stream", () => {
    const tar = join2(tarEntry({ name: "p".repeat(150), data: enc.encode("hello") }), tarEnd());
    const { headers } = parseTar(tar);
    expect(new TextDecoder().decode(tar.subarray(headers[0].dataOffset, headers[0].dataOffset + 5))).toBe("hello");
    expect(headers[0].headerOffset).toBe(0);
  });
});

function paxHeader(flag: "x" | "g", records: Record<string, string>): Uint8Array {
  let body = "";
  for (const [k, v] of Object.entries(records)) {
    const rest = ` ${k}=${v}\n`;
    let len = rest.length + 1;
    while (String(len).length + rest.length !== len) len = String(len).length + rest.length;
    body += len + rest;
  }
  return rawEntry("PaxHeader", flag, new TextEncoder().encode(body));
}

function gnuLong(flag: "L" | "K", value: string): Uint8Array {
  return rawEntry("././@LongLink", flag, new TextEncoder().encode(value + "\0"));
}
