// The eStargz footer: the last 51 bytes of an eStargz blob, an empty gzip member whose Extra
// field says where the TOC's gzip member starts. Read with one ranged read from the blob's end.
// Spec: https://github.com/containerd/stargz-snapshotter/blob/main/docs/estargz.md ("Footer")
//
//   0  1f 8b 08 FLG(FEXTRA set) MTIME(4) XFL OS     10-byte gzip header (RFC 1952)
//  10  XLEN = 26 (little-endian)
//  12  'S' 'G' LEN = 22 (little-endian)               one Extra subfield (RFC 1952 2.3.1.1)
//  16  16 hex digits of the TOC offset, then "STARGZ"
//  38  01 00 00 ff ff                                 a final stored block of length 0
//  43  CRC-32 = 0, ISIZE = 0                          of the empty output
//
// The spec says the footer MUST be exactly these bytes, so anything else (another gzip member,
// stargz's older 47-byte footer, a plain gzip layer's trailer) is "no eStargz footer" and the
// layer is read without a TOC.

import { TocFormatError } from "./errors.js";

export const ESTARGZ_FOOTER_BYTES = 51;

const FEXTRA = 0x04;
const EMPTY_STORED_BLOCK = [0x01, 0x00, 0x00, 0xff, 0xff];
const MAGIC = "STARGZ";

/**
 * The TOC offset a footer names, checked to lie inside the blob before the footer; `blobSize`
 * is the whole blob's length, `what` names the layer in the error.
 */
export function parseEstargzFooter(footer: Uint8Array, blobSize: number, what: string): number {
  const refuse = (why: string) => new TocFormatError(what, `no eStargz footer in the last ${ESTARGZ_FOOTER_BYTES} bytes: ${why}`);
  if (footer.length !== ESTARGZ_FOOTER_BYTES) throw refuse(`got ${footer.length} bytes`);
  if (footer[0] !== 0x1f || footer[1] !== 0x8b || footer[2] !== 8) throw refuse("not a gzip member header");
  // FEXTRA and nothing else: a name, comment or header CRC would move the fields below.
  if (footer[3] !== FEXTRA) throw refuse(`gzip flags are 0x${footer[3].toString(16)}, expected only FEXTRA`);
  const le16 = (at: number) => footer[at] | (footer[at + 1] << 8);
  if (le16(10) !== 26) throw refuse(`Extra field is ${le16(10)} bytes, expected 26`);
  if (footer[12] !== 0x53 || footer[13] !== 0x47 || le16(14) !== 22) throw refuse("Extra subfield is not SG with 22 bytes");
  const text = String.fromCharCode(...footer.subarray(16, 38));
  if (text.slice(16) !== MAGIC) throw refuse("no STARGZ magic");
  const hex = text.slice(0, 16);
  if (!/^[0-9a-fA-F]{16}$/.test(hex)) throw refuse(`TOC offset ${JSON.stringify(hex)} is not 16 hex digits`);
  for (let i = 0; i < EMPTY_STORED_BLOCK.length; i++) {
    if (footer[38 + i] !== EMPTY_STORED_BLOCK[i]) throw refuse("the member is not one empty stored block");
  }
  for (let i = 43; i < ESTARGZ_FOOTER_BYTES; i++) if (footer[i] !== 0) throw refuse("CRC-32 and ISIZE of an empty member must be 0");
  const offset = parseInt(hex, 16);
  const footerAt = blobSize - ESTARGZ_FOOTER_BYTES;
  // Above 2^53 parseInt rounds; such an offset is outside any blob anyway.
  if (!Number.isSafeInteger(offset) || offset >= footerAt) {
    throw new TocFormatError(what, `the eStargz footer puts the TOC at byte ${hex}, outside the blob's first ${footerAt} bytes`);
  }
  return offset;
}
