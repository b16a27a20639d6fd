// CRC-32 (ISO-HDLC, the gzip trailer's checksum: RFC 1952 section 8), slicing-by-8.
//
// Eight 256-entry tables let the loop fold eight input bytes per step with eight table
// loads instead of eight dependent shift-and-lookup rounds. The tables are built once, on
// the first call, in one region reserved for the core's life (8 KiB).

import { reserve } from "./layout";

const POLY: u32 = 0xedb88320;
let tables: usize = 0;

function build(): void {
  tables = reserve(8 * 256 * 4);
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLY ^ (c >>> 1) : c >>> 1;
    store<u32>(tables + (<usize>n << 2), c);
  }
  for (let t: usize = 1; t < 8; t++) {
    for (let n: usize = 0; n < 256; n++) {
      const prev = load<u32>(tables + ((t - 1) << 10) + (n << 2));
      store<u32>(tables + (t << 10) + (n << 2), load<u32>(tables + (<usize>(prev & 0xff) << 2)) ^ (prev >>> 8));
    }
  }
}

/** The CRC of `len` bytes at `p` continued from `crc` (0 for a fresh checksum). */
export function crc32Update(crc: u32, p: usize, len: usize): u32 {
  if (tables == 0) build();
  const t = tables;
  let c = ~crc;
  const end = p + len;
  while (p + 8 <= end) {
    const a = load<u32>(p) ^ c;
    const b = load<u32>(p, 4);
    c =
      load<u32>(t + (7 << 10) + ((<usize>(a & 0xff)) << 2)) ^
      load<u32>(t + (6 << 10) + ((<usize>((a >>> 8) & 0xff)) << 2)) ^
      load<u32>(t + (5 << 10) + ((<usize>((a >>> 16) & 0xff)) << 2)) ^
      load<u32>(t + (4 << 10) + ((<usize>(a >>> 24)) << 2)) ^
      load<u32>(t + (3 << 10) + ((<usize>(b & 0xff)) << 2)) ^
      load<u32>(t + (2 << 10) + ((<usize>((b >>> 8) & 0xff)) << 2)) ^
      load<u32>(t + (1 << 10) + ((<usize>((b >>> 16) & 0xff)) << 2)) ^
      load<u32>(t + ((<usize>(b >>> 24)) << 2));
    p += 8;
  }
  while (p < end) {
    c = load<u32>(t + ((<usize>((c ^ load<u8>(p)) & 0xff)) << 2)) ^ (c >>> 8);
    p++;
  }
  return ~c;
}
