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
  ERR_DIGEST_RELEASED,
  NOT_FOUND,
  DIGEST_INDEX_MASK,
  DIGEST_GEN_SHIFT,
} from "../abi";
import { IO_IN, IO_OUT } from "../layout";
import { SEG_SLOTS, slotCapacity } from "../digest-slots";
import {
  parseDigestAt,
  digestInternAt,
  digestCount,
  digestFormat,
  digestRelease,
  digestRetain,
  digestRefCount,
  digestFind,
  digestCheck,
  digestValid,
  digestKeyPtr,
  digestReserveRoom,
  KEY,
} from "../digest";

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

function counter(i: u32): string {
  return "sha256:" + "5".repeat(56) + i.toString(16).padStart(8, "0");
}

function find(s: string): i32 {
  const alg = parseDigestAt(IO_IN, put(s));
  return digestFind(alg as u8, KEY, KEY + 32);
}

describe("digest table: reference counts and release", () => {
  test("the last release takes the digest out; its handle is refused afterwards", () => {
    const d = "sha256:" + "9a".repeat(32);
    const h = digestInternAt(IO_IN, put(d));
    expect(digestInternAt(IO_IN, put(d))).toBe(h);
    expect(digestRefCount(h)).toBe(2);
    expect(digestRetain(h)).toBe(0);
    expect(digestRelease(h)).toBe(2);
    expect(digestRelease(h)).toBe(1);
    expect(digestFormat(h, IO_IN + 1000)).toBe(71);
    const live = digestCount();
    expect(digestRelease(h)).toBe(0);
    expect(digestCount()).toBe(live - 1);
    expect(find(d)).toBe(NOT_FOUND);
    expect(digestValid(h)).toBe(false);
    expect(digestFormat(h, IO_IN + 1000)).toBe(ERR_DIGEST_RELEASED);
    expect(digestRelease(h)).toBe(ERR_DIGEST_RELEASED);
    expect(digestRetain(h)).toBe(ERR_DIGEST_RELEASED);
    expect(digestCheck()).toBe(0);
  });

  test("a freed slot is reused first in, first out, under a new generation", () => {
    const a = digestInternAt(IO_IN, put(counter(0xa0)));
    const b = digestInternAt(IO_IN, put(counter(0xb0)));
    digestRelease(a);
    digestRelease(b);
    const c = digestInternAt(IO_IN, put(counter(0xc0)));
    const d = digestInternAt(IO_IN, put(counter(0xd0)));
    expect((c as u32) & DIGEST_INDEX_MASK).toBe((a as u32) & DIGEST_INDEX_MASK);
    expect((d as u32) & DIGEST_INDEX_MASK).toBe((b as u32) & DIGEST_INDEX_MASK);
    expect((c as u32) >>> DIGEST_GEN_SHIFT).not.toBe((a as u32) >>> DIGEST_GEN_SHIFT);
    // The stale handle names neither the old digest nor the one in its slot now.
    expect(digestFormat(a, IO_IN + 1000)).toBe(ERR_DIGEST_RELEASED);
    expect(find(counter(0xc0))).toBe(c);
    digestRelease(c);
    digestRelease(d);
    expect(digestCheck()).toBe(0);
  });

  test("churn keeps every probe run intact (backward-shift deletion)", () => {
    // Counter digests differ in their last bytes only: hashKey spreads them, but at
    // thousands of entries in a half-full table runs of several cells form, and deletions inside them must
    // move later entries back or a lookup would stop at the hole.
    const n: u32 = 3000;
    const handles = new StaticArray<i32>(n);
    for (let i: u32 = 0; i < n; i++) handles[i] = digestInternAt(IO_IN, put(counter(0x100000 + i)));
    let x: u32 = 12345;
    const gone = new StaticArray<bool>(n);
    for (let round = 0; round < 3; round++) {
      for (let i: u32 = 0; i < n; i++) {
        x = x * 1103515245 + 12345;
        if (!gone[i] && (x >>> 16) % 3 == 0) {
          expect(digestRelease(handles[i])).toBe(0);
          gone[i] = true;
        }
      }
      expect(digestCheck()).toBe(0);
      for (let i: u32 = 0; i < n; i++) {
        const f = find(counter(0x100000 + i));
        if (gone[i]) expect(f).toBe(NOT_FOUND);
        else expect(f).toBe(handles[i]);
      }
      // Put a third of the released ones back: they take the queued slots.
      for (let i: u32 = 0; i < n; i += 3) {
        if (gone[i]) {
          handles[i] = digestInternAt(IO_IN, put(counter(0x100000 + i)));
          gone[i] = false;
        }
      }
      expect(digestCheck()).toBe(0);
    }
    for (let i: u32 = 0; i < n; i++) if (!gone[i]) digestRelease(handles[i]);
    expect(digestCheck()).toBe(0);
  });
});

/** Write the digest "<alg>:<hex of i, padded>" straight into IO_IN; returns its length. */
function putNumbered(i: u32, sha512: bool): i32 {
  const hexLen = sha512 ? 128 : 64;
  const prefix = sha512 ? "sha512:" : "sha256:";
  for (let k = 0; k < 7; k++) store<u8>(IO_IN + k, prefix.charCodeAt(k) as u8);
  for (let k = 0; k < hexLen; k++) {
    const shift = (hexLen - 1 - k) * 4;
    const nib = shift < 32 ? (i >> (shift as u32)) & 15 : 7;
    store<u8>(IO_IN + 7 + k, (nib < 10 ? 48 + nib : 87 + nib) as u8);
  }
  return 7 + hexLen;
}

describe("digest table: growth by segments", () => {
  test("a bulk reserve adds the segments it needs at once, and they take digests", () => {
    const before = slotCapacity();
    digestReserveRoom(slotCapacity() - digestCount() + 3 * SEG_SLOTS);
    expect(slotCapacity()).toBeGreaterThanOrEqual(before + 3 * SEG_SLOTS);
    expect(slotCapacity()).toBeLessThanOrEqual(before + 4 * SEG_SLOTS);
    expect(slotCapacity() % SEG_SLOTS).toBe(0);
    const n: u32 = 4 * SEG_SLOTS;
    let wrong: u32 = 0;
    for (let i: u32 = 0; i < n; i++) {
      const h = digestInternAt(IO_IN, putNumbered(0x5000000 + i, i % 499 == 0));
      const len = digestFormat(h as u32, IO_OUT);
      if (h < 0 || memory.compare(IO_OUT, IO_IN, len) != 0) wrong++;
    }
    expect(wrong).toBe(0);
    expect(digestCheck()).toBe(0);
    for (let i: u32 = 0; i < n; i++) {
      const alg = parseDigestAt(IO_IN, putNumbered(0x5000000 + i, i % 499 == 0));
      if (digestRelease(digestFind(alg as u8, KEY, KEY + 32) as u32) != 0) wrong++;
    }
    expect(wrong).toBe(0);
    expect(digestCheck()).toBe(0);
  });

  test("past the first segment it grows a segment at a time and moves no key", () => {
    const n: u32 = 70000;
    const handles = new StaticArray<i32>(n);
    let early: usize = 0;
    // One expect per property, not per digest: as-pect's expect costs more than an intern.
    let refused: u32 = 0;
    for (let i: u32 = 0; i < n; i++) {
      // Every 997th a sha512, so tails are reserved in several segments.
      handles[i] = digestInternAt(IO_IN, putNumbered(0x3000000 + i, i % 997 == 0));
      if (handles[i] < 0) refused++;
      // A key interned once the first segment is full must stay where it is.
      if (i == SEG_SLOTS) early = digestKeyPtr(handles[i] as u32);
    }
    expect(refused).toBe(0);
    expect(digestKeyPtr(handles[SEG_SLOTS] as u32)).toBe(early);
    expect(slotCapacity() % SEG_SLOTS).toBe(0);
    // Slots freed by earlier tests were reused first, so every slot below the count is
    // used: doubling would leave up to half the capacity unused, a segment at a time less
    // than one segment.
    expect(slotCapacity() - digestCount()).toBeLessThan(SEG_SLOTS);
    expect(digestCheck()).toBe(0);
    let lost: u32 = 0;
    for (let i: u32 = 0; i < n; i++) {
      const len = putNumbered(0x3000000 + i, i % 997 == 0);
      const alg = parseDigestAt(IO_IN, len);
      if (digestFind(alg as u8, KEY, KEY + 32) != handles[i]) lost++;
      else if (digestFormat(handles[i] as u32, IO_OUT) != len || memory.compare(IO_OUT, IO_IN, len) != 0) lost++;
    }
    expect(lost).toBe(0);
    let stuck: u32 = 0;
    for (let i: u32 = 0; i < n; i++) if (digestRelease(handles[i] as u32) != 0) stuck++;
    expect(stuck).toBe(0);
    expect(digestCheck()).toBe(0);
  });
});
