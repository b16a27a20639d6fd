// Known answers for layer decompression, run unchanged in every runtime: the core's zstd
// decoder on frames the zstd CLI wrote (tests/runtimes/cases/zstd-data.ts), a corrupt and a
// truncated copy, and two bombs built here that must stop at the byte budget. readLayerStream
// picks node:zlib where the runtime offers it and DecompressionStream elsewhere, so the gzip
// bomb covers both inflaters.

import { equal, ok, rejects } from "./assert.js";
import type { KnownAnswerCase, Lib } from "./types.js";
import type { Core } from "../../../src/wasm/core.js";
import { ZSTD_SAMPLE_BASE64, zstdSampleExpected } from "./zstd-data.js";

function base64Bytes(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** Decode a blob through the layer path; returns the bytes and what readLayerStream reported. */
async function decode(lib: Lib, core: Core, blob: Uint8Array, chunk: number, maxBytes?: number) {
  const pieces: Uint8Array[] = [];
  let largest = 0;
  const result = await lib.readLayerStream(
    chunked(blob, chunk),
    (c) => {
      largest = Math.max(largest, c.length);
      pieces.push(c.slice());
    },
    { core, maxBytes, what: "known-answer layer" },
  );
  const bytes = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    bytes.set(p, at);
    at += p.length;
  }
  return { result, bytes, largest };
}

/** A zstd frame of `blocks` RLE blocks of 128 KiB zeros (4 input bytes per block). */
function zstdRleBomb(blocks: number): Uint8Array {
  const out = new Uint8Array(6 + 4 * blocks);
  out.set([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38]);
  for (let i = 0; i < blocks; i++) {
    const header = (i === blocks - 1 ? 1 : 0) | (1 << 1) | ((128 * 1024) << 3);
    out.set([header & 0xff, (header >>> 8) & 0xff, (header >>> 16) & 0xff, 0], 6 + 4 * i);
  }
  return out;
}

/** `mib` MiB of zeros gzipped by the runtime's own CompressionStream. */
async function gzipZeros(mib: number): Promise<Uint8Array> {
  const zeros = new Uint8Array(1 << 20);
  let left = mib;
  const input = new ReadableStream<Uint8Array>({
    pull(ctl) {
      if (left-- > 0) ctl.enqueue(zeros);
      else ctl.close();
    },
  });
  const reader = input.pipeThrough(new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>).getReader();
  const parts: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const zstdCases: KnownAnswerCase[] = [
  {
    name: "zstd: frames the zstd CLI wrote decode to the known bytes",
    async run(lib, ctx) {
      const blob = base64Bytes(ZSTD_SAMPLE_BASE64);
      const expected = zstdSampleExpected();
      for (const chunk of [blob.length, 4096, 7]) {
        const { result, bytes, largest } = await decode(lib, ctx.core, blob, chunk);
        equal(result.compression, "zstd", "sniffed as zstd");
        equal(result.compressedBytes, blob.length, "every input byte read");
        equal(bytes.length, expected.length, `decoded size (${chunk}-byte chunks)`);
        ok(
          bytes.every((b, i) => b === expected[i]),
          `decoded bytes equal the known answer (${chunk}-byte chunks)`,
        );
        equal(result.diffId, lib.sha256Of(expected), "diff_id is the sha256 of the known answer");
        ok(largest <= 128 * 1024, `pieces of at most 128 KiB (largest ${largest})`);
      }
    },
  },
  {
    name: "zstd: a corrupt or truncated frame is CompressionError",
    async run(lib, ctx) {
      const blob = base64Bytes(ZSTD_SAMPLE_BASE64);
      const bad = blob.slice();
      bad[blob.length >> 2] ^= 0x40;
      await rejects(() => decode(lib, ctx.core, bad, 4096), { type: lib.CompressionError, code: "COMPRESSION" }, "a flipped bit");
      await rejects(
        () => decode(lib, ctx.core, blob.subarray(0, blob.length - 9), 4096),
        { type: lib.CompressionError, code: "COMPRESSION", message: "unexpected end" },
        "truncated",
      );
    },
  },
  {
    name: "zstd: 4 KiB of RLE blocks (128 MiB out) stop at maxBytes with CapacityError",
    async run(lib, ctx) {
      const bomb = zstdRleBomb(1023);
      await rejects(
        () => decode(lib, ctx.core, bomb, bomb.length, 4 << 20),
        { type: lib.CapacityError, code: "CAPACITY", message: `${4 << 20}-byte limit` },
        "zstd bomb",
      );
    },
  },
  {
    name: "gzip: 32 MiB of zeros in one chunk stop at maxBytes with CapacityError",
    async run(lib, ctx) {
      const bomb = await gzipZeros(32);
      ok(bomb.length < 64 * 1024, `the bomb is small (${bomb.length} bytes)`);
      await rejects(
        () => decode(lib, ctx.core, bomb, bomb.length, 1 << 20),
        { type: lib.CapacityError, code: "CAPACITY", message: `${1 << 20}-byte limit` },
        "gzip bomb",
      );
      const whole = await lib.readLayerStream(chunked(bomb, bomb.length), () => {}, { core: ctx.core });
      equal(whole.uncompressedBytes, 32 << 20, "without a budget the same blob inflates to 32 MiB");
    },
  },
];
