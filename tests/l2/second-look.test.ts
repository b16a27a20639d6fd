// The persistent blob cache in front of a real docker-registry, seen through the recording
// proxy: a second look at an image asks the registry for no blob (counted, not assumed), a
// corrupt or truncated entry is found on open, dropped and fetched again with the right answer,
// and the CLI does the same across processes unless --no-cache.

import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, test } from "vitest";
import { LayerFS } from "../../src/fs/merge.js";
import "../../src/node.js"; // the Node entry registers how this process loads the core
import { DirectoryBlobStore } from "../../src/node/blob-store.js";
import { openImage } from "../../src/node/open.js";
import { buildReport } from "../../src/report/inspect.js";
import { startStats } from "../../src/report/stats.js";
import { resolveImage } from "../../src/sources/image.js";
import { useProxiedRegistry } from "../registry/harness/proxied-registry.js";
import { skopeoCopy } from "../registry/harness/push.js";
import { bytesOf } from "../registry/harness/read.js";
import { canRun, FIXTURES, REPO_ROOT } from "../registry/harness/tools.js";

const exec = promisify(execFile);
const run = canRun("l2 (second look)");
const REPO = "l2/demo";

describe.runIf(run)("a second look at a registry image", () => {
  const env = useProxiedRegistry();
  const tmp = mkdtempSync(path.join(tmpdir(), "layerlens-l2-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  let n = 0;
  const freshStore = () => new DirectoryBlobStore(path.join(tmp, `store-${n++}`));
  const image = () => `docker://${env.proxy.host}/${REPO}:latest`;
  const blobGets = () => env.proxy.seen.filter((r) => r.method === "GET" && r.path.includes("/blobs/"));
  let pushed = false;
  const push = async () => {
    if (!pushed) await skopeoCopy(`oci:${path.join(FIXTURES, "layout")}:latest`, `${env.reg.host}/${REPO}:latest`);
    pushed = true;
  };

  /** Inspect (every layer verified) and mount the image through `store`; the report and the merged paths. */
  const look = async (store: DirectoryBlobStore) => {
    const source = await openImage(image(), { blobCache: store });
    try {
      const resolved = await resolveImage(source);
      const report = await buildReport(resolved, {});
      const fs = new LayerFS();
      await fs.mountBatch(resolved.layers);
      const paths = [...fs.walk()].map((e) => e.path);
      const first = [...fs.walk()].find((e) => e.type === "file" && e.size > 0)?.path;
      const bytes = first ? await bytesOf(fs.readFile(first)) : new Uint8Array(0);
      return { report, paths, first, bytes };
    } finally {
      await source.close?.();
    }
  };

  test("the second inspect + mount makes no blob request and gives the same answer", async () => {
    await push();
    const store = freshStore();
    const cold = await look(store);
    const coldGets = blobGets().length;
    expect(coldGets, "the first look reads the config and the layers from the registry").toBeGreaterThan(0);
    env.proxy.reset();
    const stats = startStats();
    const warm = await look(store);
    const s = stats.finish();
    expect(blobGets()).toEqual([]);
    expect(warm.report).toEqual(cold.report);
    expect(warm.paths).toEqual(cold.paths);
    expect(Buffer.from(warm.bytes).equals(Buffer.from(cold.bytes))).toBe(true);
    expect(s.l2).not.toBeNull();
    expect(s.l2!.misses).toBe(0);
    expect(s.l2!.hits).toBeGreaterThan(0);
    expect(s.l2!.bytesServed).toBeGreaterThan(0);
    expect(s.l2!.bytesWritten).toBe(0);
  });

  test("a reference by digest makes no request at all on the second look", async () => {
    await push();
    const store = freshStore();
    const digest = (await look(store)).report.digest;
    env.proxy.reset();
    const source = await openImage(`docker://${env.proxy.host}/${REPO}@${digest}`, { blobCache: store });
    const resolved = await resolveImage(source);
    await buildReport(resolved, {});
    await source.close?.();
    expect(resolved.manifestDescriptor.digest).toBe(digest);
    expect(env.proxy.seen.filter((r) => !r.path.endsWith("/v2/"))).toEqual([]);
  });

  for (const damage of ["flip a byte", "truncate"] as const) {
    test(`an L2 entry damaged (${damage}) is detected, dropped and refetched with the right answer`, async () => {
      await push();
      const store = freshStore();
      const cold = await look(store);
      const layer = cold.report.layers[cold.report.layers.length - 1].digest;
      const file = store.pathOf(layer);
      if (damage === "truncate") truncateSync(file, Math.floor(readFileSync(file).length / 2));
      else {
        const bytes = readFileSync(file);
        bytes[bytes.length >> 1] ^= 0xff;
        writeFileSync(file, bytes);
      }
      // Another process's view: this store instance remembers no earlier check of the file.
      const again = new DirectoryBlobStore(store.root);
      env.proxy.reset();
      const stats = startStats();
      const warm = await look(again);
      const s = stats.finish();
      expect(warm.report).toEqual(cold.report);
      expect(warm.paths).toEqual(cold.paths);
      expect(blobGets().map((r) => r.path.slice(r.path.lastIndexOf("/") + 1))).toEqual([layer]);
      expect(s.l2!.corrupt).toBe(1);
      // Stored again, whole and good: a third look reads nothing.
      expect(readFileSync(file).length).toBe(cold.report.layers[cold.report.layers.length - 1].size);
      env.proxy.reset();
      await look(new DirectoryBlobStore(store.root));
      expect(blobGets()).toEqual([]);
    });
  }

  test("an entry damaged after the mount: the file read that follows refetches and gives the true bytes", async () => {
    await push();
    const store = freshStore();
    const truth = await look(store);
    const source = await openImage(image(), { blobCache: store });
    try {
      const resolved = await resolveImage(source);
      const fs = new LayerFS({ spanDigests: "mount" });
      await fs.mountBatch(resolved.layers);
      // The layer holding the file read: the topmost one that has it.
      const { layer } = fs.image().locate(truth.first!);
      const file = store.pathOf(layer.digest!);
      const bytes = readFileSync(file);
      bytes[bytes.length >> 1] ^= 0x01;
      writeFileSync(file, bytes);
      env.proxy.reset();
      const stats = startStats();
      const got = await bytesOf(fs.readFile(truth.first!));
      expect(Buffer.from(got).equals(Buffer.from(truth.bytes))).toBe(true);
      expect(stats.finish().l2!.corrupt).toBe(1);
      expect(blobGets().length).toBe(1);
    } finally {
      await source.close?.();
    }
  });

  test("a blob the registry serves wrong is not stored", async () => {
    await push();
    const store = freshStore();
    env.proxy.add({ method: "GET", path: /\/blobs\//, action: { kind: "corrupt-byte" }, times: Infinity });
    await expect(look(store)).rejects.toMatchObject({ code: expect.stringMatching(/DIGEST_MISMATCH|SIZE_MISMATCH/) as unknown });
    expect(blobGets().length).toBeGreaterThan(0);
    for (const r of blobGets()) expect(await store.sizeOf(r.path.slice(r.path.lastIndexOf("/") + 1))).toBeUndefined();
  });

  describe("the CLI, one process per look", () => {
    const cli = async (...args: string[]) => {
      const r = await exec(process.execPath, [path.join(REPO_ROOT, "dist/cli/main.js"), ...args], {
        env: { ...process.env, HOME: tmp, DOCKER_CONFIG: path.join(tmp, "docker"), LAYERLENS_CACHE: path.join(tmp, "cli-cache") },
        maxBuffer: 64 << 20,
      });
      return r;
    };

    test("inspect then layers: the second of each makes no blob request; --no-cache asks again", async () => {
      await push();
      const coldInspect = await cli("inspect", image(), "--json");
      const coldLayers = await cli("layers", image());
      env.proxy.reset();
      const warmInspect = await cli("inspect", image(), "--json", "--stats=json");
      const warmLayers = await cli("layers", image());
      expect(blobGets()).toEqual([]);
      // With --json, --stats puts its figures under "stats" beside the report.
      const { stats, ...warmReport } = JSON.parse(warmInspect.stdout) as { stats: { l2: { hits: number; misses: number } } };
      expect(warmReport).toEqual(JSON.parse(coldInspect.stdout));
      expect(warmLayers.stdout).toBe(coldLayers.stdout);
      expect(stats.l2.misses).toBe(0);
      expect(stats.l2.hits).toBeGreaterThan(0);
      const bypass = await cli("inspect", image(), "--json", "--no-cache");
      expect(JSON.parse(bypass.stdout)).toEqual(JSON.parse(coldInspect.stdout));
      expect(blobGets().length).toBeGreaterThan(0);
    });

    test("once stored, a registry that now corrupts every blob is not seen: cat gives the verified bytes; --no-cache meets the fault", async () => {
      await push();
      const cold = await cli("cat", image(), "etc/os-release");
      expect(cold.stdout).toContain("OCI Fixtures");
      env.proxy.reset();
      env.proxy.add({ method: "GET", path: /\/blobs\//, action: { kind: "corrupt-byte" }, times: Infinity });
      const warm = await cli("cat", image(), "etc/os-release");
      expect(warm.stdout).toBe(cold.stdout);
      expect(blobGets()).toEqual([]);
      const bypass = await cli("cat", image(), "etc/os-release", "--no-cache").catch((e: { code: number; stderr: string }) => e);
      expect("code" in bypass && bypass.code).toBe(1);
      expect((bypass as { stderr: string }).stderr).toMatch(/^layerlens: (DIGEST_MISMATCH|SIZE_MISMATCH): /);
      expect(blobGets().length).toBeGreaterThan(0);
    });

    test("the cache directory is an OCI layout that skopeo and layerlens read by the name index.json gives", async () => {
      await push();
      await cli("inspect", image(), "--json");
      const root = path.join(tmp, "cli-cache");
      const index = JSON.parse(readFileSync(path.join(root, "index.json"), "utf8")) as {
        manifests: { digest: string; annotations: Record<string, string> }[];
      };
      const name = `${env.proxy.host}/${REPO}:latest`;
      const entry = index.manifests.find((m) => m.annotations["org.opencontainers.image.ref.name"] === name);
      expect(entry).toBeDefined();
      const raw = (await exec("skopeo", ["inspect", "--raw", `oci:${root}:${name}`])).stdout;
      const fromRegistry = (await exec("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${env.reg.host}/${REPO}:latest`]))
        .stdout;
      expect(raw).toBe(fromRegistry);
      const config = JSON.parse((await exec("skopeo", ["inspect", "--config", `oci:${root}:${name}`])).stdout) as unknown;
      expect(config).toEqual(
        JSON.parse((await exec("skopeo", ["inspect", "--config", "--tls-verify=false", `docker://${env.reg.host}/${REPO}:latest`])).stdout),
      );
      // After `layers` every blob of the image is stored: umoci lists the name and unpacks it.
      await cli("layers", image());
      expect((await exec("umoci", ["ls", "--layout", root])).stdout.split("\n")).toContain(name);
      const bundle = path.join(tmp, "bundle");
      await exec("umoci", ["unpack", "--rootless", "--image", `${root}:${name}`, bundle]);
      expect(existsSync(path.join(bundle, "rootfs"))).toBe(true);
      rmSync(bundle, { recursive: true, force: true });
      const local = await cli("layers", `oci:${root}:${name}`);
      expect(local.stdout).toBe((await cli("layers", image())).stdout.replaceAll(image(), `oci:${root}:${name}`));
    });
  });
});
