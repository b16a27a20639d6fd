// as-pect specs for the core's sha256 (assembly/sha256.ts) on its own ABI: a FIPS 180-4
// example through the IO window whole and split across a block edge, the length check, and a
// restored context the core did not write. The known answers in every runtime are in
// tests/runtimes/cases/sha256.ts.
import { sha256Init, sha256Update, sha256Final, sha256Context } from "../sha256";
import { IO_IN, IO_OUT } from "../layout";
import { ERR_BAD_ARGUMENT, IO_IN_SIZE, SHA256_CTX_BUFFERED } from "../abi";

const MSG = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
const WANT = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";

function write(s: string, from: i32, to: i32): usize {
  for (let i = from; i < to; i++) store<u8>(IO_IN + <usize>(i - from), <u8>s.charCodeAt(i));
  return <usize>(to - from);
}

function digestHex(): string {
  let out = "";
  for (let i: usize = 0; i < 32; i++) {
    const b = load<u8>(IO_OUT + i);
    out += (b < 16 ? "0" : "") + b.toString(16);
  }
  return out;
}

describe("sha256", () => {
  it("hashes the 448-bit FIPS 180-4 example in one update", () => {
    sha256Init();
    expect(sha256Update(write(MSG, 0, MSG.length))).toBe(0);
    expect(sha256Final()).toBe(0);
    expect(digestHex()).toBe(WANT);
  });

  it("gives the same digest split at every offset", () => {
    for (let cut = 0; cut <= MSG.length; cut++) {
      sha256Init();
      sha256Update(write(MSG, 0, cut));
      sha256Update(write(MSG, cut, MSG.length));
      sha256Final();
      expect(digestHex()).toBe(WANT);
    }
  });

  it("refuses more than the window and a context with a bad buffered count", () => {
    sha256Init();
    expect(sha256Update(IO_IN_SIZE + 1)).toBe(ERR_BAD_ARGUMENT);
    store<u32>(sha256Context() + SHA256_CTX_BUFFERED, 64);
    expect(sha256Update(1)).toBe(ERR_BAD_ARGUMENT);
    expect(sha256Final()).toBe(ERR_BAD_ARGUMENT);
  });
});
