// Layer verification by the digest's own algorithm: layers built here, their sha512 and sha256
// digests computed by node:crypto (the oracle), mounted through LayerFS and read through
// readLayerStream. A layer is verified or refused -- a sha512 digest or diff_id is checked,
// never skipped; an algorithm that cannot be verified is refused before a byte is read; a
// blob of the wrong length is SIZE_MISMATCH, not DIGEST_MISMATCH.

import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { DigestMismatchError, InvalidDigestError, SizeMismatchError } from "../../src/errors.js";
import { readLayerStream } from "../../src/fs/decompress.js";
import { LayerFS } from "../../src/fs/merge.js";
import type { LayerLike } from "../../src/oci/layer.js";
import { OCI_LAYER, OCI_LAYER_GZIP } from "../../src/oci/media-types.js";
import { tarOf } from "./helpers/layers.js";

const enc = new TextEncoder();
const digest = (alg: "sha256" | "sha512", b: Uint8Array) => `${alg}:${createHash(alg).update(b).digest("hex")}`;
const tar = tarOf([
  { name: "etc/", type: "dir" },
  { name: "etc/hello", data: enc.encode("hello from a sha512 layer\n") },
]);
const gz = gzipSync(tar);

/** A layer over `blob` that counts the chunks it hands out. */
function layer(blob: Uint8Array, fields: Omit<LayerLike, "open">): LayerLike & { reads: number } {
  const l = {
    ...fields,
    reads: 0,
    open: async function* () {
      for (let i = 0; i < blob.length; i += 1000) {
        l.reads++;
        yield blob.subarray(i, Math.min(blob.length, i + 1000));
      }
    },
  };
  return l;
}

async function refusal(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(err, "expected a refusal").toBeInstanceOf(Error);
  return err as Error;
}

describe("sha512 layers", () => {
  test("a gzip layer with sha512 digest and diff_id mounts, and both are verified", async () => {
    const fs = new LayerFS();
    const l = layer(gz, { mediaType: OCI_LAYER_GZIP, digest: digest("sha512", gz), diffId: digest("sha512", tar), size: gz.length });
    const rec = await fs.mount(l);
    expect(rec.diffId).toBe(digest("sha512", tar));
    expect(new TextDecoder().decode(await fs.image().readFileBytes("etc/hello"))).toBe("hello from a sha512 layer\n");
    const read = await readLayerStream(await l.open(), () => {}, l);
    expect(read).toMatchObject({ digest: digest("sha512", gz), diffId: digest("sha512", tar), compression: "gzip" });
  });

  test("a bogus sha512 blob digest is refused and leaves the view unchanged", async () => {
    const fs = new LayerFS();
    const bogus = "sha512:" + "ab".repeat(64);
    const err = await refusal(fs.mount(layer(gz, { mediaType: OCI_LAYER_GZIP, digest: bogus, diffId: digest("sha512", tar) })));
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(err).toMatchObject({ expected: bogus, actual: digest("sha512", gz) });
    expect([...fs.walk()]).toHaveLength(0);
  });

  test("a bogus sha512 diff_id is refused, named as the diff_id", async () => {
    const fs = new LayerFS();
    const bogus = "sha512:" + "cd".repeat(64);
    const err = await refusal(fs.mount(layer(gz, { mediaType: OCI_LAYER_GZIP, digest: digest("sha512", gz), diffId: bogus })));
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(err).toMatchObject({ expected: bogus, actual: digest("sha512", tar) });
    expect(err.message).toMatch(/diff_id/);
    expect([...fs.walk()]).toHaveLength(0);
  });

  test("an uncompressed layer: one sha512 serves blob and diff_id; mixed algorithms are each checked", async () => {
    const same = await readLayerStream(await layer(tar, {}).open(), () => {}, {
      mediaType: OCI_LAYER,
      digest: digest("sha512", tar),
      diffId: digest("sha512", tar),
    });
    expect(same).toMatchObject({ digest: digest("sha512", tar), diffId: digest("sha512", tar), compression: "none" });
    const mixed = await readLayerStream(await layer(tar, {}).open(), () => {}, {
      digest: digest("sha512", tar),
      diffId: digest("sha256", tar),
    });
    expect(mixed).toMatchObject({ digest: digest("sha512", tar), diffId: digest("sha256", tar) });
    const wrong = await refusal(
      readLayerStream(await layer(tar, {}).open(), () => {}, { digest: digest("sha512", tar), diffId: "sha256:" + "0".repeat(64) }),
    );
    expect(wrong).toBeInstanceOf(DigestMismatchError);
    expect(wrong.message).toMatch(/diff_id/);
    const wrong512 = await refusal(
      readLayerStream(await layer(tar, {}).open(), () => {}, { digest: digest("sha256", tar), diffId: "sha512:" + "0".repeat(128) }),
    );
    expect(wrong512).toMatchObject({ expected: "sha512:" + "0".repeat(128), actual: digest("sha512", tar) });
  });
});

describe("layer sizes", () => {
  for (const delta of [-1, 1]) {
    test(`a descriptor size ${delta > 0 ? "one too large" : "one too small"} is SIZE_MISMATCH`, async () => {
      const fs = new LayerFS();
      const err = await refusal(fs.mount(layer(gz, { mediaType: OCI_LAYER_GZIP, digest: digest("sha256", gz), size: gz.length + delta })));
      expect(err).toBeInstanceOf(SizeMismatchError);
      expect(err).toMatchObject({ code: "SIZE_MISMATCH", expected: gz.length + delta });
      expect([...fs.walk()]).toHaveLength(0);
      const direct = await refusal(
        readLayerStream(await layer(tar, {}).open(), () => {}, { digest: digest("sha256", tar), size: tar.length + delta }),
      );
      expect(direct).toMatchObject({ code: "SIZE_MISMATCH", expected: tar.length + delta });
    });
  }

  test("bytes past the size stop the read at once, before the rest of the blob is pulled", async () => {
    const l = layer(tar, {});
    const err = await refusal(readLayerStream(await l.open(), () => {}, { size: 10 }));
    expect(err).toMatchObject({ code: "SIZE_MISMATCH", expected: 10 });
    expect(l.reads).toBeLessThan(Math.ceil(tar.length / 1000));
  });
});

describe("algorithms that cannot be verified", () => {
  const cases: [string, Partial<LayerLike>][] = [
    ["blob digest sha384", { digest: "sha384:" + "a".repeat(96) }],
    ["blob digest blake3", { digest: "blake3:" + "a".repeat(64) }],
    ["diff_id sha384", { digest: digest("sha256", gz), diffId: "sha384:" + "a".repeat(96) }],
    ["malformed blob digest", { digest: "sha256:abc" }],
  ];
  for (const [name, fields] of cases) {
    test(`${name}: refused with InvalidDigestError before a byte is read`, async () => {
      const l = layer(gz, { mediaType: OCI_LAYER_GZIP, ...fields });
      const fs = new LayerFS();
      const err = await refusal(fs.mount(l));
      expect(err).toBeInstanceOf(InvalidDigestError);
      expect(l.reads).toBe(0);
      if (name.includes("sha384") || name.includes("blake3")) {
        expect(err).toMatchObject({ reason: "algorithm" });
        expect(err.message).toMatch(/is not supported/);
      }
      expect([...fs.walk()]).toHaveLength(0);
    });
  }
});
