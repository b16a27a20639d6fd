// Hostile layers built in code: compression bombs (a small blob, a huge output) and a layer of
// corrupt zstd frames. A bomb must stop with CAPACITY at the layer budget with memory bounded,
// even when the whole blob arrives as one chunk; corrupt frames must be refused with
// COMPRESSION at once (the zstd CLI, the oracle, refuses them too), never mounted as an empty
// layer. Memory and time are measured in a fresh Node process over the built package (dist/),
// so the figures are that process's own; the bounds asserted are generous ceilings, not timings.

import "../../src/node.js";
import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { LayerFS } from "../../src/fs/merge.js";
import { CompressionError } from "../../src/fs/errors.js";
import { ZstdFormatError } from "../../src/fs/zstd.js";
import { CapacityError } from "../../src/errors.js";
import { OCI_CONFIG, OCI_LAYER_ZSTD, OCI_MANIFEST, OCI_INDEX } from "../../src/oci/media-types.js";
import type { LayerLike } from "../../src/oci/layer.js";

const MiB = 1024 * 1024;
const tmp = mkdtempSync(path.join(tmpdir(), "layerlens-bombs-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A zstd frame of `blocks` RLE blocks of 128 KiB zeros each: 4 input bytes per 128 KiB out. */
function zstdRleBomb(blocks: number): Uint8Array {
  const head = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38]; // magic; no content size; window 128 KiB
  const out = new Uint8Array(head.length + 4 * blocks);
  out.set(head);
  for (let i = 0; i < blocks; i++) {
    const last = i === blocks - 1 ? 1 : 0;
    const header = last | (1 << 1) | ((128 * 1024) << 3); // Block_Type 1 = RLE
    out.set([header & 0xff, (header >>> 8) & 0xff, (header >>> 16) & 0xff, 0], head.length + 4 * i);
  }
  return out;
}

/** gzip members of 64 MiB of zeros each, concatenated (RFC 1952 allows many members). */
function gzipBomb(gib: number): Uint8Array {
  const member = gzipSync(Buffer.alloc(64 * MiB), { level: 9 });
  return new Uint8Array(Buffer.concat(Array.from({ length: gib * 16 }, () => member)));
}

const frameHead = (windowDescriptor: number) => [0x28, 0xb5, 0x2f, 0xfd, 0x00, windowDescriptor];
/** A compressed block declaring 98,303 sequences of 65,539 bytes in a 9-byte body. */
const SEQUENCE_FRAME = [...frameHead(0x38), (9 << 3) | (2 << 1) | 1, 0, 0, 0x00, 0xff, 0xff, 0xff, 0x54, 0x00, 0x01, 52, 0x80];
/** A frame declaring a ~1.9 GB window, then one empty raw block. */
const WINDOW_FRAME = [...frameHead(0xa7), 0x01, 0x00, 0x00];
/** About 1 KB of corrupt frames: each kind stalled or exhausted the previous JS decoder. */
const CORRUPT_LAYER = Uint8Array.from(Array.from({ length: 80 }, (_, i) => (i % 2 ? WINDOW_FRAME : SEQUENCE_FRAME)).flat());

const oneChunk = (bytes: Uint8Array): LayerLike => ({
  open: async function* () {
    yield bytes;
  },
});

interface Measured {
  error?: { name: string; code: string; message: string };
  records?: number;
  ms: number;
  cpuMs: number;
  /** Peak RSS before the mount and after it, in bytes (getrusage). */
  peakBefore: number;
  peakAfter: number;
}

/** Mount `file` as the only layer (one chunk) in a fresh process over dist/, with `maxLayerBytes`. */
async function measureMount(file: string, maxLayerBytes: number): Promise<Measured> {
  const script = `
    const { readFileSync } = await import("node:fs");
    const lib = await import(${JSON.stringify(path.resolve("dist/node.js"))});
    const bytes = new Uint8Array(readFileSync(${JSON.stringify(file)}));
    const fs = new lib.LayerFS({ maxLayerBytes: ${maxLayerBytes} });
    lib.getDefaultCore();
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const t0 = performance.now(), c0 = process.cpuUsage();
    const out = {};
    try {
      out.records = (await fs.mountBatch([{ open: async function* () { yield bytes; } }])).length;
    } catch (e) {
      out.error = { name: e.name, code: e.code, message: e.message };
    }
    const c = process.cpuUsage(c0);
    Object.assign(out, { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, peakBefore, peakAfter: process.resourceUsage().maxRSS * 1024 });
    process.stdout.write(JSON.stringify(out));`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { timeout: 60_000 });
  const m = JSON.parse(stdout) as Measured;
  console.log(
    `${path.basename(file)}: ${m.error?.code ?? "mounted"} in ${m.ms.toFixed(0)} ms (cpu ${m.cpuMs.toFixed(0)} ms), ` +
      `peak RSS ${(m.peakBefore / MiB).toFixed(0)} -> ${(m.peakAfter / MiB).toFixed(0)} MiB`,
  );
  return m;
}

function save(name: string, bytes: Uint8Array): string {
  const f = path.join(tmp, name);
  writeFileSync(f, bytes);
  return f;
}

describe("compression bombs stop at the layer budget", () => {
  const limit = 64 * MiB;

  it("zstd: 32 KiB of RLE blocks (1 GiB out), pushed as one chunk, is CAPACITY", async () => {
    const bomb = zstdRleBomb(Math.floor((32 * 1024 - 6) / 4));
    expect(bomb.length).toBeLessThanOrEqual(32 * 1024);
    // The oracle: a well-formed frame, so the refusal is the budget's, not a format error.
    expect(spawnSync("zstd", ["-t", "-q"], { input: bomb }).status).toBe(0);
    const fs = new LayerFS({ maxLayerBytes: limit });
    const err = await fs.mountBatch([oneChunk(bomb)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CapacityError);
    expect((err as CapacityError).code).toBe("CAPACITY");
    expect((err as Error).message).toContain(`${limit}-byte limit`);
    const m = await measureMount(save("bomb.zst", bomb), limit);
    expect(m.error?.code).toBe("CAPACITY");
    // fzstd reached 1.16 GB here; a bounded decoder holds one block and the window.
    expect(m.peakAfter - m.peakBefore).toBeLessThan(128 * MiB);
  });

  it("gzip: 1 MiB of members (1 GiB out), pushed as one chunk, is CAPACITY", async () => {
    const bomb = gzipBomb(1);
    expect(bomb.length).toBeLessThan(1.1 * MiB);
    const fs = new LayerFS({ maxLayerBytes: limit });
    const err = await fs.mountBatch([oneChunk(bomb)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CapacityError);
    const m = await measureMount(save("bomb.gz", bomb), limit);
    expect(m.error?.code).toBe("CAPACITY");
    expect(m.peakAfter - m.peakBefore).toBeLessThan(128 * MiB);
  });
});

describe("a layer of corrupt zstd frames", () => {
  it("is about 1 KB that the zstd CLI refuses", () => {
    expect(CORRUPT_LAYER.length).toBeGreaterThan(900);
    expect(CORRUPT_LAYER.length).toBeLessThan(1200);
    expect(spawnSync("zstd", ["-t", "-q"], { input: CORRUPT_LAYER }).status).not.toBe(0);
  });

  it("is COMPRESSION through LayerFS.mountBatch, not an empty layer", async () => {
    const fs = new LayerFS();
    const err = await fs.mountBatch([oneChunk(CORRUPT_LAYER)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZstdFormatError);
    expect(err).toBeInstanceOf(CompressionError);
    expect((err as ZstdFormatError).code).toBe("COMPRESSION");
    // Refused in the first frame: nothing after it is even looked at.
    expect((err as ZstdFormatError).offset).toBeLessThan(SEQUENCE_FRAME.length);
    expect((err as Error).message).toMatch(/^layer 0.*corrupt zstd stream/);
    const m = await measureMount(save("corrupt.zst", CORRUPT_LAYER), 64 * 1024 ** 3);
    expect(m.error?.code).toBe("COMPRESSION");
    expect(m.records).toBeUndefined();
  }, 20_000);

  it("is COMPRESSION from `layerlens ls` on an OCI layout", async () => {
    const dir = path.join(tmp, "layout");
    const put = (bytes: Uint8Array, mediaType: string) => {
      const hex = createHash("sha256").update(bytes).digest("hex");
      mkdirSync(path.join(dir, "blobs", "sha256"), { recursive: true });
      writeFileSync(path.join(dir, "blobs", "sha256", hex), bytes);
      return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
    };
    const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    const layer = put(CORRUPT_LAYER, OCI_LAYER_ZSTD);
    const emptyTar = `sha256:${createHash("sha256").update(new Uint8Array(1024)).digest("hex")}`;
    const config = put(json({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [emptyTar] } }), OCI_CONFIG);
    const manifest = put(json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] }), OCI_MANIFEST);
    const ref = { ...manifest, annotations: { "org.opencontainers.image.ref.name": "latest" } };
    writeFileSync(path.join(dir, "index.json"), json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [ref] }));
    writeFileSync(path.join(dir, "oci-layout"), json({ imageLayoutVersion: "1.0.0" }));
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ["dist/cli/main.js", "ls", `oci:${dir}:latest`], { encoding: "utf8", timeout: 20_000 });
    console.log(`layerlens ls on the corrupt layer: exit ${r.status} in ${(performance.now() - t0).toFixed(0)} ms`);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^layerlens: COMPRESSION: .*corrupt zstd stream/);
    expect(r.stderr).toContain(layer.digest.slice(0, 19)); // the digest, abbreviated
  }, 30_000);
});
