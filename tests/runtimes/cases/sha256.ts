// Known answers for the core's streaming sha256 (assembly/sha256.ts), run unchanged in every
// runtime: the FIPS 180-4 example messages (NIST's "Examples with Intermediate Values",
// https://csrc.nist.gov/projects/cryptographic-standards-and-guidelines/example-values), then a
// streamed 100 MB message in irregular pieces against an independent hasher of the runtime:
// node:crypto where the runtime has it (Node, Deno, Bun), WebCrypto's one-shot digest where it
// does not (Chromium, workerd). Two hashers interleaved on one core must not disturb each other.

import { equal } from "./assert.js";
import type { KnownAnswerCase, Lib } from "./types.js";
import type { Core } from "../../../src/wasm/core.js";

const NIST: [what: string, message: () => Uint8Array, hex: string][] = [
  ["empty message", () => new Uint8Array(0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
  ["'abc'", () => ascii("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
  [
    "the 448-bit message",
    () => ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  ],
  ["one million 'a'", () => new Uint8Array(1_000_000).fill(0x61), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"],
];

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Deterministic bytes that are not a short repeating pattern (a 32-bit LCG per word). */
function noise(bytes: number): Uint8Array<ArrayBuffer> {
  const words = new Uint32Array(Math.ceil(bytes / 4));
  let x = 0x9e3779b9;
  for (let i = 0; i < words.length; i++) words[i] = x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
  return new Uint8Array(words.buffer, 0, bytes);
}

/** Piece sizes that cross block and window boundaries at every offset: 1 B .. 200 KiB. */
function* pieces(total: number): Generator<[number, number]> {
  let at = 0;
  for (let i = 0; at < total; i++) {
    const size = Math.min(total - at, i % 5 === 0 ? 1 + (i % 63) : ((i * 7919) % 200_000) + 1);
    yield [at, at + size];
    at += size;
  }
}

type NodeHash = { update(b: Uint8Array): NodeHash; digest(enc: "hex"): string };
type NodeCrypto = { createHash(alg: "sha256"): NodeHash };

function nodeCrypto(): NodeCrypto | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return proc?.getBuiltinModule?.("node:crypto") as NodeCrypto | undefined;
  } catch {
    return undefined;
  }
}

/** The runtime's own sha256 of `data`, fed in the same pieces where it can stream. */
async function oracle(data: Uint8Array<ArrayBuffer>): Promise<string> {
  const crypto = nodeCrypto();
  if (crypto?.createHash) {
    const h = crypto.createHash("sha256");
    for (const [from, to] of pieces(data.length)) h.update(data.subarray(from, to));
    return h.digest("hex");
  }
  return hex(new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", data)));
}

function coreDigest(lib: Lib, core: Core, data: Uint8Array): string {
  const h = lib.coreSha256(core);
  for (const [from, to] of pieces(data.length)) h.update(data.subarray(from, to));
  return h.digest();
}

export const sha256Cases: KnownAnswerCase[] = [
  {
    name: "sha256: the core hashes the FIPS 180-4 example messages, whole and a byte at a time",
    run(lib, { core }) {
      for (const [what, message, expected] of NIST) {
        const bytes = message();
        const whole = lib.coreSha256(core);
        whole.update(bytes);
        equal(whole.digest(), `sha256:${expected}`, `${what}, one update`);
        if (bytes.length > 1000) continue;
        const bytewise = lib.coreSha256(core);
        for (let i = 0; i < bytes.length; i++) bytewise.update(bytes.subarray(i, i + 1));
        equal(bytewise.digest(), `sha256:${expected}`, `${what}, one byte per update`);
      }
    },
  },
  {
    // 100 MB on the release core; the debug core (no optimisation, a tenth of the speed) gets
    // 8 MB so the suite stays inside the harnesses' time limits on a loaded machine.
    name: "sha256: a streamed 100 MB message equals the runtime's own sha256 (node:crypto, else WebCrypto)",
    async run(lib, { core, build }) {
      const data = noise(build === "release" ? 100_000_000 : 8_000_000);
      equal(coreDigest(lib, core, data), `sha256:${await oracle(data)}`, `${data.length} bytes in irregular pieces`);
    },
  },
  {
    name: "sha256: two hashers interleaved on one core each get their own digest",
    async run(lib, { core }) {
      const data = noise(3_000_001);
      const a = lib.coreSha256(core);
      const b = lib.coreSha256(core);
      let bEnd = 0;
      for (const [from, to] of pieces(data.length)) {
        a.update(data.subarray(from, to));
        const next = Math.min(data.length, bEnd + ((to - from) % 97) + 1);
        b.update(data.subarray(bEnd, next));
        bEnd = next;
      }
      equal(a.digest(), `sha256:${await oracle(data)}`, "the first hasher");
      equal(
        b.digest(),
        `sha256:${hex(new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", data.subarray(0, bEnd))))}`,
        "the second",
      );
    },
  },
];
