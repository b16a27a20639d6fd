// Checkpoint reads through a real docker-registry (behind the recording proxy): a file late in
// a gzip layer is read with an HTTP Range request from the nearest checkpoint's byte and equals
// the original; a registry that tampers with the ranged answer is refused (typed error) and the
// read falls back to a whole, verified GET; the CLI's second `cat` through the cache reads the
// layer's facts and index and asks the registry for no blob at all, even after its record was
// damaged (then it reads the layer again and rewrites the record).

import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import "../../src/node.js";
import { DigestMismatchError } from "../../src/errors.js";
import { readFromCheckpoint } from "../../src/fs/indexed-read.js";
import { checkpointInByte } from "../../src/fs/inflate.js";
import { LayerFS } from "../../src/fs/merge.js";
import { writeTar } from "../../src/fs/tar-write.js";
import { DirectoryBlobStore } from "../../src/node/blob-store.js";
import { openImage } from "../../src/node/open.js";
import { resolveImage } from "../../src/sources/image.js";
import { useProxiedRegistry } from "../registry/harness/proxied-registry.js";
import { pushBlob, pushManifest } from "../registry/harness/push.js";
import { canRun, REPO_ROOT } from "../registry/harness/tools.js";

const exec = promisify(execFile);
const run = canRun("checkpoint reads (registry)");
const REPO = "l2/checkpoints";
const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

function pseudo(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = 97 + ((x >>> 16) % 11);
  }
  return out;
}

const LAST = pseudo(99, 300_000);
const TAR = writeTar([
  { name: "data/", type: "dir" },
  ...Array.from({ length: 6 }, (_, i) => ({ name: `data/f${i}`, data: pseudo(i + 1, 2 << 20) })),
  { name: "data/last", data: LAST },
]);
const BLOB = new Uint8Array(gzipSync(TAR));

describe.runIf(run)("checkpoint reads through a registry", () => {
  const env = useProxiedRegistry();
  const tmp = mkdtempSync(path.join(tmpdir(), "layerlens-cpreg-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const image = () => `docker://${env.proxy.host}/${REPO}:latest`;
  const layerGets = () => env.proxy.seen.filter((r) => r.method === "GET" && r.path.endsWith(`/blobs/${sha256(BLOB)}`));

  beforeAll(async () => {
    const base = env.reg.url;
    await pushBlob(base, REPO, BLOB);
    const config = new TextEncoder().encode(
      JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [sha256(TAR)] }, config: {} }),
    );
    await pushBlob(base, REPO, config);
    const manifest = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha256(BLOB), size: BLOB.length }],
    };
    await pushManifest(base, REPO, "latest", new TextEncoder().encode(JSON.stringify(manifest)), manifest.mediaType);
  });

  const mounted = async () => {
    const source = await openImage(image());
    const resolved = await resolveImage(source);
    const fs = new LayerFS({ recordIndex: true });
    await fs.mountBatch(resolved.layers);
    return { source, fs };
  };

  test("a late file is read with a Range request from the nearest checkpoint and equals the original", async () => {
    const { source, fs } = await mounted();
    try {
      const index = fs.layers[0].checkpoints!;
      expect(index.checkpoints.length).toBeGreaterThan(1);
      env.proxy.reset();
      const got = await fs.image().readFileBytes("data/last");
      expect(Buffer.from(got).equals(Buffer.from(LAST))).toBe(true);
      const gets = layerGets();
      expect(gets.length).toBe(1);
      const last = index.checkpoints[index.checkpoints.length - 1];
      expect(gets[0].headers.range).toBe(`bytes=${checkpointInByte(last)}-${BLOB.length - 1}`);
      // Every checkpoint through the registry gives the bytes of the tar from its offset.
      for (let k = 0; k < index.checkpoints.length; k++) {
        const from = index.checkpoints[k].outOffset;
        const pieces = readFromCheckpoint(fs.layers[0].layer, index, k, "registry layer");
        const first = (await pieces.next()).value as Uint8Array;
        await pieces.return(undefined);
        expect(Buffer.from(first).equals(Buffer.from(TAR.subarray(from, from + first.length))), `checkpoint ${k}`).toBe(true);
      }
    } finally {
      await source.close?.();
    }
  });

  test("a tampered ranged answer is refused with DigestMismatchError; readFile falls back to a whole verified GET", async () => {
    const { source, fs } = await mounted();
    try {
      const index = fs.layers[0].checkpoints!;
      env.proxy.reset();
      env.proxy.add({ method: "GET", path: /\/blobs\/sha256:/, action: { kind: "corrupt-byte" } });
      const pieces = readFromCheckpoint(fs.layers[0].layer, index, index.checkpoints.length - 1, "registry layer");
      await expect(pieces.next()).rejects.toBeInstanceOf(DigestMismatchError);
      env.proxy.reset();
      env.proxy.add({ method: "GET", path: /\/blobs\/sha256:/, action: { kind: "corrupt-byte" } });
      const got = await fs.image().readFileBytes("data/last");
      expect(Buffer.from(got).equals(Buffer.from(LAST))).toBe(true);
      const gets = layerGets();
      expect(gets[0].fault).toBe("corrupt-byte");
      expect(gets[0].headers.range).toBeDefined();
      expect(gets.some((g) => g.headers.range === undefined)).toBe(true);
    } finally {
      await source.close?.();
    }
  });

  describe("the CLI with the blob cache", () => {
    const cache = path.join(tmp, "cli-cache");
    const cli = (...args: string[]) =>
      exec(process.execPath, [path.join(REPO_ROOT, "dist/cli/main.js"), ...args], {
        env: {
          ...process.env,
          HOME: tmp,
          XDG_CONFIG_HOME: path.join(tmp, "config"),
          DOCKER_CONFIG: path.join(tmp, "docker"),
          LAYERLENS_CACHE: cache,
        },
        maxBuffer: 64 << 20,
        encoding: "buffer",
      });

    test("the second cat reads no blob from the registry; a damaged record is rebuilt", async () => {
      const cold = await cli("cat", image(), "data/last");
      expect(Buffer.from(cold.stdout).equals(Buffer.from(LAST))).toBe(true);
      const record = new DirectoryBlobStore(cache).facts.pathOf(sha256(BLOB));
      expect(existsSync(record)).toBe(true);
      env.proxy.reset();
      const warm = await cli("cat", image(), "data/last");
      expect(Buffer.from(warm.stdout).equals(Buffer.from(LAST))).toBe(true);
      expect(env.proxy.seen.filter((r) => r.path.includes("/blobs/"))).toEqual([]);
      const good = readFileSync(record);
      const bad = Buffer.from(good);
      bad[bad.length - 1000] ^= 0x20;
      writeFileSync(record, bad);
      const again = await cli("cat", image(), "data/last");
      expect(Buffer.from(again.stdout).equals(Buffer.from(LAST))).toBe(true);
      expect(readFileSync(record).equals(good)).toBe(true);
      expect(env.proxy.seen.filter((r) => r.path.includes("/blobs/"))).toEqual([]);
    });
  });
});
