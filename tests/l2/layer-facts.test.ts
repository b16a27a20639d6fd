// Layer facts in L2: a layer's verified results (diff_id, sizes, entry table, checkpoint index)
// survive the process and mount the layer again without a read; a record that is damaged,
// truncated, of another format, for another digest or forged without the key is refused, and
// the layer is then read, verified and recorded again.

import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, test } from "vitest";
import "../../src/node.js";
import { decodeFacts, encodeFacts, FACTS_FORMAT, loadFacts } from "../../src/fs/layer-facts.js";
import { LayerFS } from "../../src/fs/merge.js";
import { stageLayer } from "../../src/fs/stage.js";
import { writeTar } from "../../src/fs/tar-write.js";
import { DirectoryFactsStore } from "../../src/node/facts-store.js";
import type { ByteRange, LayerLike } from "../../src/oci/layer.js";

const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const tmp = mkdtempSync(path.join(tmpdir(), "layerlens-facts-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshStore = (keyFile = path.join(tmp, `key-${n}`)) => new DirectoryFactsStore(path.join(tmp, `cache-${n++}`), { keyFile });

function pseudo(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = 97 + ((x >>> 16) % 7);
  }
  return out;
}

// Big enough for checkpoints (> 4 MiB of tar), with every kind of entry the table keeps.
const TAR = writeTar([
  { name: "etc/", type: "dir", mode: 0o755, mtime: 1_700_000_000 },
  { name: "etc/hostname", data: new TextEncoder().encode("box\n"), uid: 7, gid: 8, uname: "u", gname: "g" },
  { name: "bin/sh", type: "symlink", linkname: "busybox" },
  { name: "bin/ash", type: "hardlink", linkname: "bin/sh" },
  { name: "big/a", data: pseudo(1, 3 << 20) },
  { name: "big/b", data: pseudo(2, 3 << 20), mtime: 1_600_000_000, mtimeNsec: 5 },
  { name: "big/c", data: pseudo(3, 3 << 20) },
  { name: "dev/null", type: "char", devmajor: 1, devminor: 3 },
]);
const BLOB = new Uint8Array(gzipSync(TAR));
const DIGEST = sha256(BLOB);

function layer(opens: (ByteRange | undefined)[], bytes = BLOB): LayerLike {
  return {
    digest: DIGEST,
    diffId: sha256(TAR),
    size: BLOB.length,
    mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
    open(range?: ByteRange) {
      opens.push(range);
      const part = bytes.subarray(range?.start ?? 0, range?.end ?? bytes.length);
      return (async function* () {
        for (let i = 0; i < part.length; i += 65536) yield part.subarray(i, i + 65536);
      })();
    },
  };
}

describe("layer facts", () => {
  test("a record decodes to what was encoded, and only for its own digest and format", async () => {
    const staged = await stageLayer(layer([]), { recordIndex: true });
    const facts = {
      digest: DIGEST,
      diffId: staged.read.diffId!,
      compression: staged.read.compression,
      compressedBytes: staged.read.compressedBytes,
      uncompressedBytes: staged.read.uncompressedBytes,
      entries: staged.entries,
      index: staged.index,
    };
    expect(staged.index!.checkpoints.length).toBeGreaterThan(0);
    const bytes = encodeFacts(facts);
    const back = decodeFacts(bytes, DIGEST)!;
    expect(back.entries).toEqual(staged.entries);
    expect(back.index).toEqual(staged.index);
    expect(back.diffId).toBe(facts.diffId);
    expect(decodeFacts(bytes, sha256(new Uint8Array(1)))).toBeUndefined();
    expect(decodeFacts(bytes.subarray(0, bytes.length - 1), DIGEST)).toBeUndefined();
    expect(decodeFacts(bytes.subarray(0, 100), DIGEST)).toBeUndefined();
    const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
    const rewrite = (edit: (h: Record<string, unknown>) => void) => {
      const h = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as Record<string, unknown>;
      edit(h);
      const text = new TextEncoder().encode(JSON.stringify(h));
      const windows = bytes.subarray(4 + headerLength);
      const out = new Uint8Array(4 + text.length + windows.length);
      new DataView(out.buffer).setUint32(0, text.length, true);
      out.set(text, 4);
      out.set(windows, 4 + text.length);
      return out;
    };
    expect(
      decodeFacts(
        rewrite(() => {}),
        DIGEST,
      ),
    ).toEqual(back);
    expect(
      decodeFacts(
        rewrite((h) => (h.format = FACTS_FORMAT + 1)),
        DIGEST,
      ),
    ).toBeUndefined();
    expect(
      decodeFacts(
        rewrite((h) => ((h.entries as unknown[][])[1][5] = -1)),
        DIGEST,
      ),
    ).toBeUndefined();
    expect(
      decodeFacts(
        rewrite((h) => ((h.entries as unknown[][])[1][14] = TAR.length)),
        DIGEST,
      ),
    ).toBeUndefined();
    expect(
      decodeFacts(
        rewrite((h) => (h.compression = "brotli")),
        DIGEST,
      ),
    ).toBeUndefined();
    const cps = (h: Record<string, unknown>) => (h.index as { checkpoints: number[][] }).checkpoints;
    expect(
      decodeFacts(
        rewrite((h) => (cps(h)[0][0] = BLOB.length * 8)),
        DIGEST,
      ),
    ).toBeUndefined();
    expect(
      decodeFacts(
        rewrite((h) => (cps(h)[0][4] = 100)),
        DIGEST,
      ),
    ).toBeUndefined();
  });

  test("a second mount is staged from the record without opening the blob, and reads files through its index", async () => {
    const facts = freshStore();
    const opens: (ByteRange | undefined)[] = [];
    const cold = new LayerFS({ facts });
    await cold.mountBatch([layer(opens)]);
    expect(opens).toEqual([undefined]);
    opens.length = 0;
    const warm = new LayerFS({ facts });
    await warm.mountBatch([layer(opens)]);
    expect(opens).toEqual([]);
    expect([...warm.walk()]).toEqual([...cold.walk()]);
    expect(warm.layers[0].uncompressedBytes).toBe(TAR.length);
    expect(warm.layers[0].diffId).toBe(sha256(TAR));
    // big/c lies past the first checkpoint: the read starts there.
    const got = await warm.image().readFileBytes("big/c");
    expect(Buffer.from(got).equals(Buffer.from(pseudo(3, 3 << 20)))).toBe(true);
    expect(opens.length).toBe(1);
    expect(opens[0]?.start).toBeGreaterThan(0);
  });

  for (const damage of ["flip a byte", "truncate", "forge without the key", "copy to another digest"] as const) {
    test(`a record damaged (${damage}) is refused, the layer read again and the record rebuilt`, async () => {
      const key = path.join(tmp, `key-${n}`);
      const facts = freshStore(key);
      await new LayerFS({ facts }).mountBatch([layer([])]);
      const file = facts.pathOf(DIGEST);
      const good = readFileSync(file);
      let target = file;
      if (damage === "flip a byte") {
        const b = Buffer.from(good);
        b[b.length >> 1] ^= 0x04;
        writeFileSync(file, b);
      } else if (damage === "truncate") writeFileSync(file, good.subarray(0, good.length - 9));
      else if (damage === "forge without the key") {
        // A consistent record signed with another key: what a writer of the cache directory could make.
        const other = new DirectoryFactsStore(path.join(tmp, `forger-${n}`), { keyFile: path.join(tmp, `forger-key-${n}`) });
        await other.save(DIGEST, encodeFacts({ ...decodeFacts(good.subarray(48), DIGEST)!, uncompressedBytes: 1 }));
        copyFileSync(other.pathOf(DIGEST), file);
      } else {
        // A good record under another digest's name is not that digest's.
        target = facts.pathOf(sha256(new Uint8Array([1])));
        mkdirSync(path.dirname(target), { recursive: true });
        copyFileSync(file, target);
        expect(await facts.load(sha256(new Uint8Array([1])))).toBeUndefined();
        return;
      }
      const opens: (ByteRange | undefined)[] = [];
      const again = new LayerFS({ facts: new DirectoryFactsStore(facts.root, { keyFile: key }) });
      await again.mountBatch([layer(opens)]);
      expect(opens).toEqual([undefined]);
      expect(again.layers[0].uncompressedBytes).toBe(TAR.length);
      expect(readFileSync(target).equals(good)).toBe(true);
      expect(statSync(target).size).toBe(good.length);
      expect((await loadFacts(facts, DIGEST))?.uncompressedBytes).toBe(TAR.length);
    });
  }

  test("a record whose diff_id is not the layer's is not used: the real pass decides (and refuses the lie)", async () => {
    const facts = freshStore();
    await new LayerFS({ facts }).mountBatch([layer([])]);
    const opens: (ByteRange | undefined)[] = [];
    const lying = { ...layer(opens), diffId: sha256(new Uint8Array([9])) };
    await expect(new LayerFS({ facts }).mountBatch([lying])).rejects.toMatchObject({ code: "DIGEST_MISMATCH" });
    expect(opens).toEqual([undefined]);
  });

  test("without a key (none can be made) nothing is read or written", async () => {
    writeFileSync(path.join(tmp, "not-a-dir"), "x");
    const facts = new DirectoryFactsStore(path.join(tmp, "nokey"), { keyFile: path.join(tmp, "not-a-dir", "key") });
    const opens: (ByteRange | undefined)[] = [];
    await new LayerFS({ facts }).mountBatch([layer(opens)]);
    await new LayerFS({ facts }).mountBatch([layer(opens)]);
    expect(opens).toEqual([undefined, undefined]);
    expect(await facts.load(DIGEST)).toBeUndefined();
  });
});
