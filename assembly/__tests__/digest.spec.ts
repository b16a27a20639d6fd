// as-pect specs for digest parsing and the digest table.
import {
  ERR_BAD_HANDLE,
  ERR_DIGEST_ALGORITHM,
  ERR_DIGEST_LENGTH,
  ERR_DIGEST_HEX,
  ERR_DIGEST_EMPTY,
  ERR_DIGEST_FORMAT,
  ALG_SHA256,
  ALG_SHA512,
} from "../abi";
import { IO_IN } from "../layout";
import { parseDigestAt, digestInternAt, digestCount, digestFormat } from "../digest";

function put(s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(IO_IN + i, s.charCodeAt(i) as u8);
  return s.length;
}

const A = "sha256:" + "ab".repeat(32);
const B = "sha512:" + "cd".repeat(64);

describe("digest parsing", () => {
  test("accepts sha256 and sha512", () => {
    expect(parseDigestAt(IO_IN, put(A))).toBe(ALG_SHA256);
    expect(parseDigestAt(IO_IN, put(B))).toBe(ALG_SHA512);
  });
  test("refuses bad input with the right code", () => {
    expect(parseDigestAt(IO_IN, 0)).toBe(ERR_DIGEST_EMPTY);
    expect(parseDigestAt(IO_IN, put("md5:" + "a".repeat(32)))).toBe(ERR_DIGEST_ALGORITHM);
    expect(parseDigestAt(IO_IN, put("sha256:abc"))).toBe(ERR_DIGEST_LENGTH);
    expect(parseDigestAt(IO_IN, put("sha256:" + "AB".repeat(32)))).toBe(ERR_DIGEST_HEX);
    expect(parseDigestAt(IO_IN, put("nocolon"))).toBe(ERR_DIGEST_FORMAT);
  });
});

describe("digest table", () => {
  test("interns once and formats back", () => {
    const before = digestCount();
    const a = digestInternAt(IO_IN, put(A));
    const b = digestInternAt(IO_IN, put(B));
    expect(digestInternAt(IO_IN, put(A))).toBe(a);
    expect(digestCount()).toBe(before + 2);
    expect(b).not.toBe(a);
    const len = digestFormat(a, IO_IN + 1000);
    expect(len).toBe(71);
  });
  test("grows past its first block with ids intact", () => {
    const first = digestInternAt(IO_IN, put("sha256:" + "00".repeat(31) + "01"));
    for (let i = 0; i < 5000; i++) {
      const s = "sha256:" + "1".repeat(56) + i.toString(16).padStart(8, "0");
      digestInternAt(IO_IN, put(s));
    }
    expect(digestInternAt(IO_IN, put("sha256:" + "00".repeat(31) + "01"))).toBe(first);
  });
});

describe("digest table: sha512 and handles", () => {
  test("sha512 twins sharing their first 32 bytes get different ids and format back", () => {
    const a = "sha512:" + "ef".repeat(32) + "0".repeat(64);
    const b = "sha512:" + "ef".repeat(32) + "0".repeat(63) + "1";
    const c = "sha256:" + "ef".repeat(32);
    const ia = digestInternAt(IO_IN, put(a));
    const ib = digestInternAt(IO_IN, put(b));
    const ic = digestInternAt(IO_IN, put(c));
    expect(ia).not.toBe(ib);
    expect(ic).not.toBe(ia);
    expect(digestInternAt(IO_IN, put(b))).toBe(ib);
    expect(digestFormat(ib, IO_IN + 1000)).toBe(135);
    let s = "";
    for (let i = 0; i < 135; i++) s += String.fromCharCode(load<u8>(IO_IN + 1000 + i));
    expect(s).toBe(b);
  });
  test("an id that was never handed out is refused", () => {
    expect(digestFormat(0x7ffffff0, IO_IN + 1000)).toBe(ERR_BAD_HANDLE);
    expect(digestFormat(digestCount(), IO_IN + 1000)).toBe(ERR_BAD_HANDLE);
  });
  test("refuses a digest one hex digit short or long for either algorithm", () => {
    expect(parseDigestAt(IO_IN, put("sha512:" + "a".repeat(127)))).toBe(ERR_DIGEST_LENGTH);
    expect(parseDigestAt(IO_IN, put("sha256:" + "a".repeat(65)))).toBe(ERR_DIGEST_LENGTH);
    expect(parseDigestAt(IO_IN, put("sha256" + "a".repeat(65)))).toBe(ERR_DIGEST_FORMAT);
    expect(parseDigestAt(IO_IN, put(":" + "a".repeat(64)))).toBe(ERR_DIGEST_ALGORITHM);
  });
});
