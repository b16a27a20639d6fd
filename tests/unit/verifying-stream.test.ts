// verifyingStream (src/oci/blob.ts) on real streams: a good blob arrives whole and closes; a
// wrong digest never hands on the chunk that completes the size (so a reader counting bytes,
// as an HTTP client does with Content-Length, never sees a whole wrong blob); extra bytes
// error at once; a short blob errors at the end; cancelling reaches the source.

import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import "../../src/node.js";
import { verifyingStream } from "../../src/oci/blob.js";
import { DigestMismatchError, SizeMismatchError } from "../../src/errors.js";

const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

function streamOf(chunks: Uint8Array[], onCancel?: (reason: unknown) => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]);
      else c.close();
    },
    cancel: onCancel,
  });
}

/** Every chunk read before the stream ended, and how it ended. */
async function drain(stream: ReadableStream<Uint8Array>): Promise<{ got: Uint8Array[]; error?: unknown }> {
  const reader = stream.getReader();
  const got: Uint8Array[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { got };
      got.push(value);
    }
  } catch (error) {
    return { got, error };
  }
}

const blob = new Uint8Array(300_000).map((_, i) => (i * 7919) & 0xff);
const chunks = [blob.subarray(0, 100_000), blob.subarray(100_000, 200_000), blob.subarray(200_000)];

describe("verifyingStream", () => {
  test("a good blob arrives whole, in order, and closes", async () => {
    const { got, error } = await drain(verifyingStream(streamOf(chunks), { digest: sha256(blob), size: blob.length }, "good"));
    expect(error).toBeUndefined();
    expect(Buffer.concat(got)).toEqual(Buffer.from(blob));
  });

  test("a wrong digest with a known size: the last chunk is held back and the stream errors", async () => {
    const bad = blob.slice();
    bad[250_000] ^= 1;
    const parts = [bad.subarray(0, 100_000), bad.subarray(100_000, 200_000), bad.subarray(200_000)];
    const { got, error } = await drain(verifyingStream(streamOf(parts), { digest: sha256(blob), size: blob.length }, "blob x"));
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as DigestMismatchError).message).toContain("blob x");
    expect(got.reduce((n, c) => n + c.length, 0)).toBe(200_000);
  });

  test("a wrong digest without a size errors instead of closing", async () => {
    const { error } = await drain(verifyingStream(streamOf(chunks), { digest: sha256(new Uint8Array(1)) }, "unsized"));
    expect(error).toBeInstanceOf(DigestMismatchError);
  });

  test("more bytes than the size error at once; fewer error at the end", async () => {
    const long = await drain(verifyingStream(streamOf(chunks), { digest: sha256(blob), size: 150_000 }, "long"));
    expect(long.error).toBeInstanceOf(SizeMismatchError);
    expect(long.got.reduce((n, c) => n + c.length, 0)).toBe(100_000);
    const short = await drain(verifyingStream(streamOf(chunks.slice(0, 2)), { digest: sha256(blob), size: blob.length }, "short"));
    expect(short.error).toBeInstanceOf(SizeMismatchError);
    expect((short.error as SizeMismatchError).actual).toBe(200_000);
  });

  test("bytes after a verified whole blob are refused", async () => {
    const extra = [...chunks, new Uint8Array([1])];
    const { error } = await drain(verifyingStream(streamOf(extra), { digest: sha256(blob), size: blob.length }, "padded"));
    expect(error).toBeInstanceOf(SizeMismatchError);
  });

  test("cancelling the checked stream cancels the source", async () => {
    let reason: unknown;
    const checked = verifyingStream(
      streamOf(chunks, (r) => (reason = r)),
      { digest: sha256(blob), size: blob.length },
      "c",
    );
    const reader = checked.getReader();
    await reader.read();
    await reader.cancel("enough");
    expect(reason).toBe("enough");
  });
});
