// A layer of several 16 MiB windows, opened in the inspector: its stage worker reads the whole
// windows into buffers it hands back (the page fills them through a BYOB reader of the file's
// stream, web/src/blob-fill.ts), and the bytes that arrive are the file's: the blob's digest and
// the diff_id are checked on them, and the layer is in the view with its file at its size.

import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { writeTar } from "../../src/fs/tar-write.js";
import { openPage as open, settled, useApp, whyNot } from "./app.js";

/** Five whole windows and a part of one: windows handed back are read into again. */
const FILE_BYTES = (5 << 24) + 12_345;

const sha256 = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");

/** An oci-archive of one image with one gzip layer holding `big.bin` (random, so gzip cannot shrink it). */
function bigArchive(path: string): { digest: string; diffId: string; tarBytes: number } {
  const tar = writeTar([
    { name: "data/", type: "dir" },
    { name: "data/big.bin", data: randomBytes(FILE_BYTES) },
  ]);
  const layer = gzipSync(tar, { level: 1 });
  const diffId = sha256(tar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: {},
      rootfs: { type: "layers", diff_ids: [diffId] },
      history: [{ created_by: "big" }],
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha256(layer), size: layer.length }],
    }),
  );
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: sha256(manifest),
          size: manifest.length,
          annotations: { "org.opencontainers.image.ref.name": "big" },
        },
      ],
    }),
  );
  const blob = (b: Uint8Array) => ({ name: `blobs/sha256/${sha256(b).slice(7)}`, data: b });
  writeFileSync(
    path,
    writeTar([
      { name: "oci-layout", data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
      { name: "index.json", data: index },
      { name: "blobs/", type: "dir" },
      { name: "blobs/sha256/", type: "dir" },
      blob(config),
      blob(manifest),
      blob(layer),
    ]),
  );
  return { digest: sha256(layer), diffId, tarBytes: tar.length };
}

describe.skipIf(!!whyNot)("web: a layer of many windows", () => {
  const app = useApp("web big-layer suite");

  it("reads it into reused buffers and shows it verified", async () => {
    const file = join(app().scratch, "big.oci.tar");
    const { digest, diffId, tarBytes } = bigArchive(file);
    const { page, problems } = await open(app());
    // Counted in the page, where the files are read: the whole windows go through BYOB reads.
    await page.evaluate(() => {
      const w = window as unknown as { byobReads: number };
      w.byobReads = 0;
      // eslint-disable-next-line @typescript-eslint/unbound-method -- the original, called below with .apply
      const read = ReadableStreamBYOBReader.prototype.read;
      ReadableStreamBYOBReader.prototype.read = function (this: ReadableStreamBYOBReader, ...args: Parameters<typeof read>) {
        w.byobReads++;
        return read.apply(this, args);
      } as typeof read;
    });
    await page.setInputFiles("#archive-input", file);
    await settled(page);
    expect(await page.$$eval("[data-testid=layer] code.digest", (els) => els.map((e) => e.getAttribute("data-digest")))).toEqual([
      digest,
      diffId,
    ]);
    expect(await page.getAttribute("[data-testid=layer]", "data-state")).toBe("read");
    expect(await page.getAttribute("[data-testid=layer] [data-uncompressed]", "data-uncompressed")).toBe(String(tarBytes));
    expect(await page.evaluate(() => (window as unknown as { byobReads: number }).byobReads)).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);
});
