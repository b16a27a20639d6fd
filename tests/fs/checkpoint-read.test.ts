// Reading a file out of a gzip layer from its nearest checkpoint: the bytes equal a full
// decompression's (every checkpoint, files across every checkpoint boundary, random offsets),
// the read starts at the checkpoint's compressed byte, tampered ranged bytes are refused with a
// typed error before anything is decoded from them, and a refused range falls back to a whole,
// verified read. The oracle is node:zlib's gunzip of the same blob.

import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import "../../src/node.js";
import { DigestMismatchError, SizeMismatchError } from "../../src/errors.js";
import { readFromCheckpoint } from "../../src/fs/indexed-read.js";
import { checkpointInByte } from "../../src/fs/inflate.js";
import { type LayerIndex, segmentRange } from "../../src/fs/layer-index.js";
import { LayerFS } from "../../src/fs/merge.js";
import { stageLayer } from "../../src/fs/stage.js";
import { writeTar } from "../../src/fs/tar-write.js";
import type { ByteRange, LayerLike } from "../../src/oci/layer.js";

const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** Compressible, not trivially: words from a seeded generator. */
function body(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size;) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const word = 3 + ((x >>> 0) % 9);
    for (let j = 0; j < word && i < size; j++, i++) out[i] = 97 + ((x >>> (j * 3)) & 15);
    if (i < size) out[i++] = 32;
  }
  return out;
}

// ~26 MiB of tar in 13 files of 2 MiB: six or so checkpoints at the default 4 MiB span, and
// files that straddle each of them.
const FILES = Array.from({ length: 13 }, (_, i) => ({ name: `data/f${String(i).padStart(2, "0")}`, data: body(i + 1, 2 << 20) }));
const TAR = writeTar([{ name: "data/", type: "dir" }, ...FILES.map((f) => ({ name: f.name, data: f.data }))]);
const BLOB = new Uint8Array(gzipSync(TAR, { level: 6 }));

interface Opened {
  range?: ByteRange;
}

/** The blob as a layer; `tamper` may change what a ranged open hands out. */
function blobLayer(opens: Opened[], tamper?: (bytes: Uint8Array, range?: ByteRange) => Uint8Array): LayerLike {
  return {
    digest: sha256(BLOB),
    diffId: sha256(TAR),
    size: BLOB.length,
    mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
    open(range?: ByteRange) {
      opens.push({ range });
      let part: Uint8Array = BLOB.subarray(range?.start ?? 0, range?.end ?? BLOB.length);
      if (tamper) part = tamper(part.slice(), range);
      return (async function* () {
        for (let i = 0; i < part.length; i += 100_000) yield part.subarray(i, i + 100_000);
      })();
    },
  };
}

async function indexOf(): Promise<LayerIndex> {
  const staged = await stageLayer(blobLayer([]), { recordIndex: true });
  expect(staged.index).toBeDefined();
  return staged.index!;
}

async function collect(it: AsyncIterable<Uint8Array>, want: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const p of it) {
    parts.push(p);
    n += p.length;
    if (n >= want) break;
  }
  return Buffer.concat(parts).subarray(0, want);
}

describe("checkpoint reads of a gzip layer", () => {
  test("the verified pass records checkpoints and one digest per compressed segment", async () => {
    const index = await indexOf();
    expect(index.checkpoints.length).toBeGreaterThanOrEqual(5);
    expect(index.segments.length).toBe(index.checkpoints.length + 1);
    expect(index.compressedBytes).toBe(BLOB.length);
    for (let s = 0; s < index.segments.length; s++) {
      const { start, end } = segmentRange(index, s);
      expect(index.segments[s]).toBe(sha256(BLOB.subarray(start, end)));
    }
  });

  test("from every checkpoint the tar bytes equal node:zlib's", async () => {
    const index = await indexOf();
    const truth = gunzipSync(BLOB);
    for (let k = -1; k < index.checkpoints.length; k++) {
      const from = k < 0 ? 0 : index.checkpoints[k].outOffset;
      const got = await collect(readFromCheckpoint(blobLayer([]), index, k, "test layer"), 1 << 20);
      expect(Buffer.from(got).equals(truth.subarray(from, from + (1 << 20))), `checkpoint ${k}`).toBe(true);
    }
  });

  test("readFile of every file (each checkpoint boundary inside one) starts at the nearest checkpoint and gives the true bytes", async () => {
    const opens: Opened[] = [];
    const fs = new LayerFS({ recordIndex: true });
    await fs.mountBatch([blobLayer(opens)]);
    const index = fs.layers[0].checkpoints!;
    opens.length = 0;
    for (const f of FILES) {
      const got = await fs.image().readFileBytes(f.name);
      expect(Buffer.from(got).equals(Buffer.from(f.data)), f.name).toBe(true);
    }
    // Each read opened the blob once, at a checkpoint's byte (or the start), never more.
    expect(opens.length).toBe(FILES.length);
    const starts = new Set([0, ...index.checkpoints.map(checkpointInByte)]);
    for (const o of opens) expect(starts.has(o.range?.start ?? 0)).toBe(true);
    expect(opens.filter((o) => (o.range?.start ?? 0) > 0).length).toBeGreaterThanOrEqual(index.checkpoints.length);
    // The last file is read from the last checkpoint before it, not from the layer's start.
    const { offset } = fs.image().locate(FILES[FILES.length - 1].name);
    const last = index.checkpoints.filter((c) => c.outOffset <= offset).pop()!;
    expect(opens[opens.length - 1].range?.start).toBe(checkpointInByte(last));
  });

  test("random offsets: a read from the nearest checkpoint equals the full decompression", async () => {
    const opens: Opened[] = [];
    const fs = new LayerFS({ recordIndex: true });
    await fs.mountBatch([blobLayer(opens)]);
    const index = fs.layers[0].checkpoints!;
    const truth = gunzipSync(BLOB);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: truth.length - 1 }), async (offset) => {
        let k = -1;
        while (k + 1 < index.checkpoints.length && index.checkpoints[k + 1].outOffset <= offset) k++;
        const from = k < 0 ? 0 : index.checkpoints[k].outOffset;
        const want = Math.min(4096, truth.length - offset);
        const got = await collect(readFromCheckpoint(blobLayer([]), index, k, "test layer"), offset - from + want);
        expect(Buffer.from(got.subarray(offset - from)).equals(truth.subarray(offset, offset + want))).toBe(true);
      }),
      { numRuns: 12 },
    );
  });

  test("a tampered ranged read is refused (DigestMismatchError) before a byte of it is decoded", async () => {
    const index = await indexOf();
    const k = index.checkpoints.length - 2;
    const flip = (b: Uint8Array) => {
      b[b.length >> 1] ^= 0x10;
      return b;
    };
    const it = readFromCheckpoint(blobLayer([], flip), index, k, "layer sha256:test");
    const err = await collect(it, Infinity).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect((err as DigestMismatchError).code).toBe("DIGEST_MISMATCH");
    expect((err as Error).message).toMatch(/layer sha256:test: compressed bytes \d+-\d+ read again do not match the verified pass/);
    // Short: the source ends before the blob's size.
    const short = readFromCheckpoint(
      blobLayer([], (b) => b.subarray(0, b.length - 7)),
      index,
      k,
      "layer sha256:test",
    );
    await expect(collect(short, Infinity)).rejects.toBeInstanceOf(SizeMismatchError);
  });

  test("readFile: a refused range falls back to a whole verified read (true bytes); a source wrong throughout is refused", async () => {
    const flipRanges = (b: Uint8Array, r?: ByteRange) => {
      if (r) b[b.length >> 1] ^= 0x10;
      return b;
    };
    const opens: Opened[] = [];
    const fs = new LayerFS({ recordIndex: true });
    const good = blobLayer([]);
    await fs.mountBatch([good]);
    // The same layer, now served with ranges tampered with.
    fs.layers[0].layer = blobLayer(opens, flipRanges);
    const last = FILES[FILES.length - 1];
    expect(Buffer.from(await fs.image().readFileBytes(last.name)).equals(Buffer.from(last.data))).toBe(true);
    expect(opens.map((o) => o.range === undefined)).toContain(true);
    // Wrong whole too: the span digests' verified pass refuses it.
    fs.layers[0].layer = blobLayer([], (b) => {
      b[b.length - 100] ^= 1;
      return b;
    });
    await expect(fs.image().readFileBytes(last.name)).rejects.toMatchObject({ code: "DIGEST_MISMATCH" });
  });
});
