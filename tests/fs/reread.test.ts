// Reads after the mount: a layer source that serves the verified bytes the first time and other
// bytes of the same size after (a registry that swaps a blob between two GETs). readFile and
// export must release no byte the verified pass did not vouch for, and fail with
// DIGEST_MISMATCH naming the layer's digest and the file -- in both span-digest modes, for a
// layer without digests too, for gzip as for a plain tar, chunk by chunk for a big file.

import "../../src/node.js";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { DigestMismatchError, LayerlensError } from "../../src/errors.js";
import { exportImage } from "../../src/fs/export.js";
import { LayerFS, type LayerFSOptions } from "../../src/fs/merge.js";
import { SPAN_CHUNK } from "../../src/fs/span-digests.js";
import { TAR_END, writeTar } from "../../src/fs/tar-write.js";
import type { LayerLike } from "../../src/oci/layer.js";

const MOTD = new TextEncoder().encode("welcome to the verified image\n");
const EVIL = new TextEncoder().encode("WELCOME TO THE SWAPPED IMAGE!\n");
// Three chunks and a bit, with a recognisable byte per chunk.
const BIG = new Uint8Array(3 * SPAN_CHUNK + 1000).map((_, i) => 65 + Math.floor(i / SPAN_CHUNK));

function layerTar(motd: Uint8Array, big: Uint8Array): Uint8Array {
  return writeTar([
    { name: "etc", type: "dir" },
    { name: "etc/motd", type: "file", data: motd },
    { name: "etc/empty", type: "file", data: new Uint8Array(0) },
    { name: "etc/issue", type: "symlink", linkname: "motd" },
    { name: "big.bin", type: "file", data: big },
  ]);
}

const sha = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");

interface Swapping extends LayerLike {
  opens: number;
}

/** Serves `good` on the first open(), `bad` (same size) on every later one. */
function swapping(good: Uint8Array, bad: Uint8Array, described: { digest?: boolean; gzip?: boolean } = {}): Swapping {
  expect(bad.length).toBe(good.length);
  const diffId = sha(good);
  const blob = described.gzip ? gzipSync(good, { level: 0 }) : good;
  const badBlob = described.gzip ? gzipSync(bad, { level: 0 }) : bad;
  expect(badBlob.length, "a swap keeps the blob's size").toBe(blob.length);
  const layer: Swapping = {
    opens: 0,
    digest: described.digest === false ? undefined : sha(blob),
    diffId: described.digest === false ? undefined : diffId,
    mediaType: described.gzip ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar",
    size: blob.length,
    open() {
      const bytes = layer.opens++ === 0 ? blob : badBlob;
      return new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < bytes.length; i += 65536) c.enqueue(bytes.slice(i, i + 65536));
          c.close();
        },
      });
    },
  };
  return layer;
}

/** Everything a stream hands out before it ends or fails, and how it ended. */
async function drain(stream: ReadableStream<Uint8Array>): Promise<{ bytes: Uint8Array; error?: unknown }> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { bytes: concat(parts) };
      parts.push(value);
    }
  } catch (error) {
    return { bytes: concat(parts), error };
  }
}

/** Byte equality without a deep compare (vitest's toEqual walks megabytes element by element). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function exported(fs: LayerFS): Promise<{ bytes: Uint8Array; error?: unknown }> {
  const parts: Uint8Array[] = [];
  try {
    await exportImage(fs.image(), (c) => parts.push(c.slice()));
    return { bytes: concat(parts) };
  } catch (error) {
    return { bytes: concat(parts), error };
  }
}

function expectMismatch(error: unknown, layer: LayerLike, path: string): void {
  expect(error).toBeInstanceOf(DigestMismatchError);
  const e = error as DigestMismatchError;
  expect(e.code).toBe("DIGEST_MISMATCH");
  if (layer.digest) expect(e.message).toContain(layer.digest);
  expect(e.message).toContain(JSON.stringify(path));
}

const MODES: LayerFSOptions["spanDigests"][] = ["read", "mount"];
const GOOD = layerTar(MOTD, BIG);
const SWAPPED_MOTD = layerTar(EVIL, BIG);
const SWAPPED_CHUNK = layerTar(
  MOTD,
  BIG.map((b, i) => (i === 2 * SPAN_CHUNK + 7 ? b ^ 1 : b)),
);

describe("a layer read again is checked against its verified pass", () => {
  for (const mode of MODES) {
    for (const variant of [{}, { gzip: true }, { digest: false }]) {
      const name = `${mode}, ${variant.gzip ? "gzip" : "tar"}${variant.digest === false ? ", no digests" : ""}`;

      test(`readFile of a swapped small file hands out nothing (${name})`, { timeout: 20_000 }, async () => {
        const layer = swapping(GOOD, SWAPPED_MOTD, variant);
        const fs = new LayerFS({ spanDigests: mode });
        await fs.mountBatch([layer]);
        const got = await drain(fs.readFile("etc/issue"));
        expect(got.bytes.length, "nothing of the file").toBe(0);
        expectMismatch(got.error, layer, "etc/motd");
        const other = await drain(fs.readFile("big.bin"));
        if (mode === "mount" || variant.digest === false) {
          // Its spans were recorded at mount: the untouched file of the same blob still reads.
          expect(other.error).toBeUndefined();
          expect(same(other.bytes, BIG)).toBe(true);
        } else {
          // Recorded on first read: the blob served now never verifies, so nothing of it is read.
          expectMismatch(other.error, layer, "big.bin");
          expect(other.bytes.length).toBe(0);
        }
        expect(await fs.image().readFileBytes("etc/empty")).toEqual(new Uint8Array(0));
      });

      test(`export of a swapped layer fails before the end blocks (${name})`, { timeout: 20_000 }, async () => {
        const goodFs = new LayerFS({ spanDigests: mode });
        await goodFs.mountBatch([swapping(GOOD, GOOD, variant)]);
        const good = await exported(goodFs);
        expect(good.error).toBeUndefined();
        const layer = swapping(GOOD, SWAPPED_MOTD, variant);
        const fs = new LayerFS({ spanDigests: mode });
        await fs.mountBatch([layer]);
        const bad = await exported(fs);
        expectMismatch(bad.error, layer, "etc/motd");
        // What was written is the start of the good export: not one swapped byte, no end blocks.
        expect(bad.bytes.length).toBeLessThan(good.bytes.length - TAR_END.length);
        expect(same(bad.bytes, good.bytes.subarray(0, bad.bytes.length))).toBe(true);
        expect(Buffer.from(bad.bytes).includes(Buffer.from(EVIL))).toBe(false);
      });
    }

    test(`a big file is released chunk by chunk, up to the swapped chunk (${mode})`, { timeout: 20_000 }, async () => {
      const layer = swapping(GOOD, SWAPPED_CHUNK);
      const fs = new LayerFS({ spanDigests: mode });
      await fs.mountBatch([layer]);
      const got = await drain(fs.readFile("big.bin"));
      expectMismatch(got.error, layer, "big.bin");
      if (mode === "mount") {
        // Chunks 0 and 1 verified and handed out; chunk 2 (the swapped one) held back.
        expect(got.bytes.length).toBe(2 * SPAN_CHUNK);
        expect(same(got.bytes, BIG.subarray(0, 2 * SPAN_CHUNK))).toBe(true);
      } else {
        // The verified pass itself saw the other blob: nothing at all.
        expect(got.bytes.length).toBe(0);
      }
    });
  }

  test("span digests are recorded once: a layer is opened once more per read after the first", { timeout: 20_000 }, async () => {
    const read = swapping(GOOD, GOOD);
    const lazy = new LayerFS();
    await lazy.mountBatch([read]);
    expect(read.opens).toBe(1);
    expect(await lazy.image().readFileBytes("etc/motd")).toEqual(MOTD);
    expect(read.opens, "a verified pass, then the read").toBe(3);
    expect(same(await lazy.image().readFileBytes("big.bin"), BIG)).toBe(true);
    expect(read.opens).toBe(4);

    const eager = swapping(GOOD, GOOD);
    const fs = new LayerFS({ spanDigests: "mount" });
    await fs.mountBatch([eager]);
    expect(await fs.image().readFileBytes("etc/motd")).toEqual(MOTD);
    expect(eager.opens).toBe(2);
  });

  test("a verified pass that fails is not remembered: the next read tries again", { timeout: 20_000 }, async () => {
    const good = gzipSync(GOOD, { level: 0 });
    const bad = gzipSync(SWAPPED_MOTD, { level: 0 });
    const serve = [good, bad, good, good];
    let opens = 0;
    const layer: LayerLike = {
      digest: sha(good),
      diffId: sha(GOOD),
      size: good.length,
      open: () => new Response(serve[opens++]).body!,
    };
    const fs = new LayerFS();
    await fs.mountBatch([layer]);
    expectMismatch((await drain(fs.readFile("etc/motd"))).error, layer, "etc/motd");
    expect(await fs.image().readFileBytes("etc/motd")).toEqual(MOTD);
  });

  test("empty files need no read", async () => {
    const layer = swapping(GOOD, SWAPPED_MOTD);
    const fs = new LayerFS();
    await fs.mountBatch([layer]);
    expect(await fs.image().readFileBytes("etc/empty")).toEqual(new Uint8Array(0));
    expect(layer.opens).toBe(1);
  });

  test("any one byte changed on the re-read: the file reads right or fails typed, never a wrong byte", { timeout: 60_000 }, async () => {
    const good = writeTar([
      { name: "a", type: "file", data: MOTD },
      { name: "b", type: "file", data: new Uint8Array(3000).map((_, i) => i) },
      { name: "c", type: "file", data: EVIL },
    ]);
    const files: Record<string, Uint8Array> = { a: MOTD, b: new Uint8Array(3000).map((_, i) => i), c: EVIL };
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: good.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom(...MODES),
        fc.constantFrom("a", "b", "c"),
        async (at, flip, mode, path) => {
          cases++;
          const bad = good.slice();
          bad[at] ^= flip;
          const fs = new LayerFS({ spanDigests: mode });
          await fs.mountBatch([swapping(good, bad)]);
          const got = await drain(fs.readFile(path));
          if (got.error === undefined) expect(got.bytes).toEqual(files[path]);
          else {
            expect(got.error).toBeInstanceOf(LayerlensError);
            expect(got.bytes.length, "the file fits one chunk: nothing of it").toBe(0);
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(cases).toBe(300);
  });
});
