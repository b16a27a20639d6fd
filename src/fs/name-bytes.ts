// Names are bytes: a tar name (or link target, owner name, PAX value) is a byte string that need
// not be UTF-8. Layerlens keeps it as a JavaScript string that maps back to the same bytes:
//
//   - every valid UTF-8 sequence (strict: no overlong forms, no encoded surrogates, nothing past
//     U+10FFFF) is the character it encodes;
//   - every other byte 0xNN (always 0x80..0xFF) is the lone surrogate U+DC00 + 0xNN
//     (U+DC80..U+DCFF), as in Python's "surrogateescape" (PEP 383).
//
// No valid UTF-8 decodes to a lone surrogate, so the mapping is one to one and encodeName gives
// back exactly the bytes decodeName was given; names that are valid UTF-8 (nearly all) are
// plain strings. JSON.stringify writes a lone surrogate as the escape "\udcNN", so JSON output
// stays valid and reversible: JSON.parse gives the same string, and encodeName the bytes.
// For people, displayName shows such a byte as \xNN and a backslash as \\ (so the text is
// unambiguous: a name that really contains "\x41" prints as "\\x41").
// Spec: https://peps.python.org/pep-0383/ ; UTF-8 well-formedness: Unicode 15, table 3-7.

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Out = new TextEncoder();

/** Bytes as a name string (see the header): UTF-8 where valid, U+DC00 + byte elsewhere. */
export function decodeName(b: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < b.length; i++)
    if (b[i] > 0x7f) {
      ascii = false;
      break;
    }
  if (ascii) return b.length < 256 ? String.fromCharCode.apply(null, b as unknown as number[]) : utf8.decode(b);
  try {
    return utf8.decode(b);
  } catch {
    return decodeMixed(b);
  }
}

function decodeMixed(b: Uint8Array): string {
  let out = "";
  let i = 0;
  while (i < b.length) {
    const n = utf8Length(b, i);
    if (n === 0) {
      out += String.fromCharCode(0xdc00 + b[i]);
      i++;
    } else {
      out += n === 1 ? String.fromCharCode(b[i]) : utf8.decode(b.subarray(i, i + n));
      i += n;
    }
  }
  return out;
}

/** Length of the well-formed UTF-8 sequence starting at b[i], or 0 when there is none. */
function utf8Length(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  const n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n === 0 || i + n > b.length) return 0;
  for (let k = 1; k < n; k++) if ((b[i + k] & 0xc0) !== 0x80) return 0;
  const second = b[i + 1];
  if ((c === 0xe0 && second < 0xa0) || (c === 0xed && second > 0x9f)) return 0;
  if ((c === 0xf0 && second < 0x90) || (c === 0xf4 && second > 0x8f)) return 0;
  return n;
}

/** Does the name hold bytes that are not UTF-8 (escaped as U+DC80..U+DCFF)? */
export function hasRawBytes(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff && !(i > 0 && isHigh(s.charCodeAt(i - 1)))) return true;
  }
  return false;
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;

/** The bytes a name string stands for (the inverse of decodeName). */
export function encodeName(s: string): Uint8Array {
  if (!hasRawBytes(s)) return utf8Out.encode(s);
  const parts: number[] = [];
  let run = "";
  const flush = () => {
    if (run) for (const x of utf8Out.encode(run)) parts.push(x);
    run = "";
  };
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && c >= 0xdc80 && c <= 0xdcff) {
      flush();
      parts.push(c - 0xdc00);
    } else {
      run += ch;
    }
  }
  flush();
  return Uint8Array.from(parts);
}

/** A name for people: raw bytes as \xNN, a backslash as \\, everything else as it is. */
export function displayName(s: string): string {
  if (!s.includes("\\") && !hasRawBytes(s)) return s;
  let out = "";
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === "\\") out += "\\\\";
    else if (ch.length === 1 && c >= 0xdc80 && c <= 0xdcff) out += "\\x" + (c - 0xdc00).toString(16).padStart(2, "0");
    else out += ch;
  }
  return out;
}
