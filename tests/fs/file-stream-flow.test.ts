// readFile's stream is read at its reader's pace: a reader that stops after the first bytes (a
// preview) stops the layer's read, and a slow reader holds the read back instead of having the
// whole file queued in memory. For a gzip layer read from its start, one read from a checkpoint,
// and a plain tar; the bytes still equal the file when the reader does take them all.

import "../../src/node.js";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { LayerFS } from "../../src/fs/merge.js";
import { writeTar } from "../../src/fs/tar-write.js";
import type { LayerLike } from "../../src/oci/layer.js";
import { noise } from "../helpers/noise.js";

const MiB = 1 << 20;
const FILE_SIZE = 32 * MiB;
/** Far less than the file: what a stopped or waiting reader may have caused to be read. */
const READ_AHEAD_BOUND = 16 * MiB;

// Bytes gzip cannot shrink, so the blob is as big as the file.
const BIG = noise(FILE_SIZE, 7);
const TAR = writeTar([
  { name: "small", data: new TextEncoder().encode("first\n") },
  { name: "big.bin", data: BIG },
]);
const GZ = new Uint8Array(gzipSync(TAR, { level: 1 }));
if (GZ.length < FILE_SIZE) throw new Error("the gzip blob should be about as big as the file");
const sha = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");

interface Counting extends LayerLike {
  /** Blob bytes handed out since the last reset. */
  served: number;
}

/** A blob served in 64 KiB chunks, each only when pulled, counting what went out. */
function counting(blob: Uint8Array, gzip: boolean): Counting {
  const layer: Counting = {
    served: 0,
    digest: sha(blob),
    diffId: sha(TAR),
    mediaType: gzip ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar",
    size: blob.length,
    open(range) {
      let at = range?.start ?? 0;
      const end = range?.end ?? blob.length;
      return new ReadableStream<Uint8Array>(
        {
          pull(c) {
            if (at >= end) return c.close();
            const chunk = blob.slice(at, Math.min(end, at + 65536));
            at += chunk.length;
            layer.served += chunk.length;
            c.enqueue(chunk);
          },
        },
        { highWaterMark: 0 },
      );
    },
  };
  return layer;
}

/** Waits until the layer has served nothing new for 100 ms (at most 10 s): the read has gone as far as it will. */
async function quiet(layer: Counting): Promise<void> {
  const until = Date.now() + 10_000;
  let last = -1;
  let still = 0;
  while (still < 5 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
    still = layer.served === last ? still + 1 : 0;
    last = layer.served;
  }
}

const CASES = [
  { name: "gzip, read from the start", blob: GZ, gzip: true, recordIndex: false },
  { name: "gzip, read from a checkpoint", blob: GZ, gzip: true, recordIndex: true },
  { name: "plain tar", blob: TAR, gzip: false, recordIndex: false },
];

describe.each(CASES)("readFile at the reader's pace: $name", ({ blob, gzip, recordIndex }) => {
  const mount = async () => {
    const layer = counting(blob, gzip);
    const fs = new LayerFS({ recordIndex });
    await fs.mountBatch([layer]);
    if (recordIndex) expect(fs.layers[0].checkpoints?.checkpoints.length).toBeGreaterThan(1);
    // A first read may need a verified pass over the whole layer (the span digests of
    // spanDigests "read"): that is done once per layer, so it is done here, before counting.
    expect(new TextDecoder().decode(await fs.image().readFileBytes("small"))).toBe("first\n");
    layer.served = 0;
    return { layer, fs };
  };

  test("a reader that cancels after its first bytes stops the layer's read", async () => {
    const { layer, fs } = await mount();
    const reader = fs.image().readFile("big.bin").getReader();
    const first = await reader.read();
    expect(first.value!.length).toBeGreaterThan(0);
    await reader.cancel();
    await quiet(layer);
    expect(layer.served).toBeLessThan(READ_AHEAD_BOUND);
    fs.free();
  });

  test("a slow reader holds the read back; taking everything still gives the file", async () => {
    const { layer, fs } = await mount();
    const reader = fs.image().readFile("big.bin").getReader();
    const parts: Uint8Array[] = [(await reader.read()).value!];
    await quiet(layer);
    expect(layer.served).toBeLessThan(READ_AHEAD_BOUND);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
    }
    const got = Buffer.concat(parts);
    expect(got.length).toBe(FILE_SIZE);
    expect(got.equals(Buffer.from(BIG))).toBe(true);
    fs.free();
  });
});
