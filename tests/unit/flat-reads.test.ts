// Flat memory: mounting an image from an OCI layout, an oci-archive or a docker-archive reads
// its files by positioned reads of at most STREAM_CHUNK bytes, and each layer blob once,
// never a whole file or a whole layer, with the layers staged in this thread or by workers.
// (Peak RSS against image size is measured by bench/suites/scale.mjs.)
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import "../../src/node.js";
import { LayerFS } from "../../src/fs/merge.js";
import { directoryStore, fileReader } from "../../src/node/files.js";
import { nodeStagingPool } from "../../src/node/staging-workers.js";
import { type ByteReader, STREAM_CHUNK } from "../../src/sources/byte-reader.js";
import type { FileStore } from "../../src/sources/file-store.js";
import { resolveImage } from "../../src/sources/image.js";
import { LayoutSource } from "../../src/sources/layout.js";
import { openArchive } from "../../src/sources/open-web.js";
import type { ImageSource } from "../../src/sources/source.js";
import { writeTar } from "../../src/fs/tar-write.js";
import { dir, writeDockerArchive, writeLayout, type BuiltImage } from "../cli/build-image.js";

const tmp = mkdtempSync(join(tmpdir(), "layerlens-flat-"));
const pool = nodeStagingPool(2)!;
afterAll(async () => {
  await pool.close();
  rmSync(tmp, { recursive: true, force: true });
});

// Three layers of 6 MiB of random bytes (gzip cannot shrink them): each blob is several chunks.
const image: BuiltImage = {
  layers: [0, 1, 2].map((i) => ({
    entries: [dir(`l${i}`), { name: `l${i}/big.bin`, data: randomBytes(6 << 20) }],
    compression: i === 1 ? ("gzip" as const) : ("none" as const),
  })),
};
writeLayout(join(tmp, "layout"), { latest: image });
writeDockerArchive(join(tmp, "docker.tar"), image);

/** What a source read: the largest single read and the bytes in all. */
interface Reads {
  largest: number;
  total: number;
}
function counted(r: ByteReader, reads: Reads): ByteReader {
  return {
    size: r.size,
    close: r.close?.bind(r),
    async read(offset, length) {
      const b = await r.read(offset, length);
      reads.largest = Math.max(reads.largest, b.length);
      reads.total += b.length;
      return b;
    },
  };
}
function countedStore(s: FileStore, reads: Reads): FileStore {
  return { ...s, open: async (p) => counted(await s.open(p), reads) };
}

const sources: [string, (reads: Reads) => Promise<{ source: ImageSource; size: number }>][] = [
  [
    "oci layout",
    async (reads) => ({ source: await LayoutSource.open(countedStore(directoryStore(join(tmp, "layout")), reads), "latest"), size: 0 }),
  ],
  [
    "oci-archive",
    async (reads) => {
      // The layout's files in one tar, as skopeo writes oci-archive:.
      const file = join(tmp, "oci.tar");
      const { readdirSync, readFileSync, writeFileSync } = await import("node:fs");
      const root = join(tmp, "layout");
      const entries = ["oci-layout", "index.json", ...readdirSync(join(root, "blobs/sha256")).map((b) => `blobs/sha256/${b}`)].map(
        (name) => ({
          name,
          data: readFileSync(join(root, name)),
        }),
      );
      writeFileSync(file, writeTar(entries));
      return { source: await openArchive(counted(await fileReader(file), reads), file), size: statSync(file).size };
    },
  ],
  [
    "docker-archive",
    async (reads) => {
      // Its layers are named by position, not digest (docker save before 25): opening hashes each
      // one, chunk by chunk, so the archive is read once more than its blobs, never whole.
      const file = join(tmp, "docker.tar");
      return { source: await openArchive(counted(await fileReader(file), reads), file), size: 0 };
    },
  ],
];

describe("mounting reads files in chunks, each layer once", () => {
  test.each(sources.flatMap(([name, open]) => [[name, open, "in this thread"] as const, [name, open, "by 2 workers"] as const]))(
    "%s, staged %s",
    async (_name, open, how) => {
      const reads: Reads = { largest: 0, total: 0 };
      const { source, size } = await open(reads);
      try {
        const resolved = await resolveImage(source);
        const blobBytes = resolved.layers.reduce((n, l) => n + l.size, 0);
        const before = reads.total;
        const fs = new LayerFS();
        await fs.mountBatch(resolved.layers, how === "by 2 workers" ? { stager: pool } : {});
        expect(fs.stat("l2/big.bin").size).toBe(6 << 20);
        expect(reads.largest).toBeLessThanOrEqual(STREAM_CHUNK);
        expect(reads.total - before).toBe(blobBytes);
        if (size) expect(reads.total).toBeLessThan(size);
      } finally {
        await source.close?.();
      }
    },
  );
});
