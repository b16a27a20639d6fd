// as-pect specs for the zstd decoder's pieces: XXH64, the backward bit reader, FSE and
// Huffman tables, and the push ABI on hand-made frames. The whole decoder is checked
// against the zstd CLI in tests/unit/zstd.test.ts.
import { xxh64Reset, xxh64Update, xxh64Digest, XXH64_STATE_BYTES } from "../xxhash64";
import { bitInit, bitRead, bitReload, bitEnd } from "../zstd-bits";
import { fseReadDescription, LL_DEFAULT_TABLE, ML_DEFAULT_TABLE, OF_DEFAULT_TABLE } from "../zstd-fse";
import { hufReadTable, hufLog, HUF_TABLE_BYTES, HUF_SCRATCH_BYTES } from "../zstd-huffman";
import { zstdNew, zstdFree, zstdInput, zstdInputRoom, zstdDecode, zstdOutput, zstdIdle, zstdErrorOffset, zstdFrames } from "../zstd";
import {
  ZSTD_NEED_INPUT,
  ZSTD_FRAME_DONE,
  ZSTD_ERR_CHECKSUM,
  ZSTD_ERR_MAGIC,
  ZSTD_ERR_BLOCK_TYPE,
  ZSTD_ERR_DICTIONARY,
  ZSTD_ERR_WINDOW_TOO_LARGE,
} from "../abi";
import { reserve } from "../layout";

function bytes(list: u8[]): usize {
  const p = reserve(<usize>list.length + 16);
  for (let i = 0; i < list.length; i++) store<u8>(p + <usize>i, list[i]);
  return p;
}

function xxh(p: usize, len: usize): u64 {
  const s = reserve(XXH64_STATE_BYTES);
  xxh64Reset(s);
  xxh64Update(s, p, len);
  return xxh64Digest(s);
}

/** Feed a whole frame to a new decoder; returns the first result that is not output. */
function feed(z: usize, frame: u8[]): i32 {
  const at = zstdInput(z);
  for (let i = 0; i < frame.length; i++) store<u8>(at + <usize>i, frame[i]);
  let r = zstdDecode(z, frame.length);
  while (r > 0) r = zstdDecode(z, 0);
  return r;
}

// `echo hi | zstd -c`: checksum flag, Window_Descriptor 0x58, one raw block "hi\n".
const HI: u8[] = [0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x19, 0x00, 0x00, 0x68, 0x69, 0x0a, 0x34, 0x3d, 0x50, 0x92];

describe("xxh64", () => {
  test("known answers (seed 0)", () => {
    expect(xxh(bytes([]), 0)).toBe(0xef46db3751d8e999);
    expect(xxh(bytes([0x61, 0x62, 0x63]), 3)).toBe(0x44bc2cf5ad770999);
  });

  test("streaming in uneven pieces equals one update", () => {
    const n: usize = 1000;
    const p = reserve(n);
    for (let i: usize = 0; i < n; i++) store<u8>(p + i, <u8>(i * 7 + 3));
    const s = reserve(XXH64_STATE_BYTES);
    xxh64Reset(s);
    let at: usize = 0,
      step: usize = 1;
    while (at < n) {
      const take = step < n - at ? step : n - at;
      xxh64Update(s, p + at, take);
      at += take;
      step = ((step * 3) % 41) + 1;
    }
    expect(xxh64Digest(s)).toBe(xxh(p, n));
  });
});

describe("backward bit reader", () => {
  test("a stream needs a non-zero last byte (its end mark)", () => {
    expect(bitInit(bytes([0x12, 0x00]), 2)).toBe(false);
    expect(bitInit(bytes([]), 0)).toBe(false);
    expect(bitInit(bytes([0x01]), 1)).toBe(true);
    expect(bitEnd()).toBe(true);
  });

  test("bits come from the end, most significant first, and the end is exact", () => {
    // 0b1_101 in the last byte: mark, then 1, 0, 1; then the first byte's 8 bits.
    expect(bitInit(bytes([0xa5, 0x0d]), 2)).toBe(true);
    expect(bitRead(1)).toBe(1);
    expect(bitRead(2)).toBe(1);
    expect(bitRead(8)).toBe(0xa5);
    bitReload();
    expect(bitEnd()).toBe(true);
    bitRead(1);
    expect(bitEnd()).toBe(false);
  });
});

describe("FSE tables", () => {
  test("predefined tables keep every next state inside the table", () => {
    const tables: usize[] = [LL_DEFAULT_TABLE, ML_DEFAULT_TABLE, OF_DEFAULT_TABLE];
    const logs: u32[] = [6, 6, 5];
    for (let t = 0; t < 3; t++) {
      const size: u32 = 1 << logs[t];
      for (let i: u32 = 0; i < size; i++) {
        const e = load<u32>(tables[t] + ((<usize>i) << 2));
        expect((e >> 16) + (((<u32>1) << ((e >> 8) & 0xff)) - 1)).toBeLessThan(size);
      }
    }
  });

  test("descriptions with a too-large accuracy log or no bytes are refused", () => {
    const norm = reserve(512);
    expect(fseReadDescription(bytes([0x0f, 0xff]), 2, norm, 35, 9)).toBe(-1); // log 20
    expect(fseReadDescription(bytes([]), 0, norm, 35, 9)).toBe(-1);
    expect(fseReadDescription(bytes([0x00]), 1, norm, 35, 9)).toBe(-1); // runs off its end
  });
});

describe("Huffman tables", () => {
  test("two symbols of weight 1 (direct weights) make a 1-bit table", () => {
    const table = reserve(HUF_TABLE_BYTES);
    const scratch = reserve(HUF_SCRATCH_BYTES);
    expect(hufReadTable(bytes([128, 0x10]), 2, table, scratch)).toBe(2);
    expect(hufLog).toBe(1);
    expect(load<u16>(table)).toBe(0x0100);
    expect(load<u16>(table + 2)).toBe(0x0101);
  });

  test("weights that cannot complete a tree are refused", () => {
    const table = reserve(HUF_TABLE_BYTES);
    const scratch = reserve(HUF_SCRATCH_BYTES);
    expect(hufReadTable(bytes([128, 0xd0]), 2, table, scratch)).toBe(-1); // weight 13 > 12
    expect(hufReadTable(bytes([128, 0x00]), 2, table, scratch)).toBe(-1); // all weights zero
    expect(hufReadTable(bytes([130, 0x12]), 2, table, scratch)).toBe(-1); // runs off its end
  });
});

describe("push decoder", () => {
  test("a frame decodes to its block, then FRAME_DONE, then needs input", () => {
    const z = zstdNew(27);
    expect(feed(z, [HI[0], HI[1]])).toBe(ZSTD_NEED_INPUT);
    const rest = HI.slice(2);
    const at = zstdInput(z);
    for (let i = 0; i < rest.length; i++) store<u8>(at + <usize>i, rest[i]);
    expect(zstdDecode(z, rest.length)).toBe(3);
    const out = zstdOutput(z);
    expect(load<u8>(out)).toBe(0x68);
    expect(load<u8>(out + 2)).toBe(0x0a);
    expect(zstdDecode(z, 0)).toBe(ZSTD_FRAME_DONE);
    expect(zstdDecode(z, 0)).toBe(ZSTD_NEED_INPUT);
    expect(zstdIdle(z)).toBe(true);
    expect(zstdFrames(z)).toBe(1);
    zstdFree(z);
  });

  test("a wrong checksum is refused, and the refusal is sticky", () => {
    const z = zstdNew(27);
    const bad = HI.slice(0);
    bad[15] ^= 1;
    expect(feed(z, bad)).toBe(ZSTD_ERR_CHECKSUM);
    expect(zstdErrorOffset(z)).toBe(12);
    expect(zstdDecode(z, 0)).toBe(ZSTD_ERR_CHECKSUM);
    zstdFree(z);
  });

  test("bad magic, reserved block type, dictionary and window are typed codes", () => {
    let z = zstdNew(27);
    expect(feed(z, [1, 2, 3, 4])).toBe(ZSTD_ERR_MAGIC);
    zstdFree(z);
    z = zstdNew(27);
    expect(feed(z, [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0x07, 0x00, 0x00])).toBe(ZSTD_ERR_BLOCK_TYPE);
    zstdFree(z);
    z = zstdNew(27);
    expect(feed(z, [0x28, 0xb5, 0x2f, 0xfd, 0x01, 0x58, 0x07])).toBe(ZSTD_ERR_DICTIONARY);
    zstdFree(z);
    z = zstdNew(20);
    expect(feed(z, [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0x01, 0x00, 0x00])).toBe(ZSTD_ERR_WINDOW_TOO_LARGE);
    zstdFree(z);
  });

  test("a skippable frame is skipped, across pushes", () => {
    const z = zstdNew(27);
    expect(feed(z, [0x5a, 0x2a, 0x4d, 0x18, 0x03, 0x00, 0x00, 0x00, 9])).toBe(ZSTD_NEED_INPUT);
    expect(feed(z, [9, 9])).toBe(ZSTD_FRAME_DONE);
    expect(zstdIdle(z)).toBe(true);
    expect(zstdInputRoom(z)).toBeGreaterThan(128 * 1024);
    zstdFree(z);
  });

  test("window caps outside 10..31 are refused", () => {
    expect(zstdNew(9)).toBe(0);
    expect(zstdNew(32)).toBe(0);
  });
});
