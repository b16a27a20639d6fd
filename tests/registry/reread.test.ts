// A registry that serves a layer's true bytes to the mount and other bytes of the same size on
// every later GET, through the fault proxy in front of a real docker-registry. `layerlens cat`
// must print nothing and exit non-zero; `layerlens export` must not leave a tar behind nor
// finish one on stdout; the library's readFile must hand out nothing the mount did not verify.

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DigestMismatchError } from "../../src/errors.js";
import { LayerFS } from "../../src/fs/merge.js";
import { TAR_END, writeTar } from "../../src/fs/tar-write.js";
import "../../src/node.js"; // the Node entry registers how this process loads the core
import { resolveImage } from "../../src/sources/image.js";
import { RegistrySource } from "../../src/sources/registry.js";
import { useProxiedRegistry } from "./harness/proxied-registry.js";
import { pushBlob, pushManifest } from "./harness/push.js";
import { bytesOf } from "./harness/read.js";
import { canRun, REPO_ROOT } from "./harness/tools.js";

const run = canRun("registry (re-read)");

const MOTD = new TextEncoder().encode("welcome to the verified image\n");
const EVIL = new TextEncoder().encode("WELCOME TO THE SWAPPED IMAGE!\n");
const REPO = "reread/demo";

interface CliRun {
  code: number;
  stdout: Buffer;
  stderr: string;
}

describe.runIf(run)("a layer swapped between two GETs", () => {
  const env = useProxiedRegistry();
  const tmp = mkdtempSync(path.join(tmpdir(), "layerlens-reread-"));
  let layerDigest = "";
  let blob = new Uint8Array(0);
  let swapped = new Uint8Array(0);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** The built CLI as a user runs it, with its own empty credentials and cache. */
  const cli = (...args: string[]): Promise<CliRun> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        // --no-cache: each read must reach the registry, or the swap would never be seen (the
        // blob cache serving the mount's verified copy is tests/l2's business).
        [path.join(REPO_ROOT, "dist/cli/main.js"), args[0], "--no-cache", ...args.slice(1)],
        {
          encoding: "buffer",
          timeout: 30_000,
          maxBuffer: 64 << 20,
          env: { ...process.env, HOME: tmp, DOCKER_CONFIG: path.join(tmp, "docker"), LAYERLENS_CACHE: path.join(tmp, "cache") },
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
          resolve({ code, stdout, stderr: stderr.toString("utf8") });
        },
      );
    });
  const image = () => `docker://${env.proxy.host}/${REPO}:latest`;
  /** Every GET of the layer after the first `skip` (the mount's) gets the swapped blob. */
  const swapAfterMount = (skip = 1) =>
    env.proxy.add({
      method: "GET",
      path: new RegExp(`/blobs/${layerDigest}$`),
      action: { kind: "replace-bytes", from: blob, to: swapped },
      skip,
      times: Infinity,
    });
  const layerGets = () => env.proxy.seen.filter((r) => r.method === "GET" && r.path.endsWith(`/blobs/${layerDigest}`));

  beforeAll(async () => {
    // Stored gzip (level 0): the swapped blob is a valid gzip (its own CRC) of the same size,
    // so only the digests can tell the two apart.
    const layerOf = (motd: Uint8Array) =>
      writeTar([
        { name: "etc", type: "dir" },
        { name: "etc/motd", type: "file", data: motd },
        { name: "etc/hostname", type: "file", data: new TextEncoder().encode("box\n") },
      ]);
    const tar = layerOf(MOTD);
    blob = gzipSync(tar, { level: 0 });
    swapped = gzipSync(layerOf(EVIL), { level: 0 });
    expect(swapped.length).toBe(blob.length);
    const diffId = "sha256:" + createHash("sha256").update(tar).digest("hex");
    const config = new TextEncoder().encode(
      JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [diffId] }, config: {} }),
    );
    const base = env.reg.url;
    layerDigest = await pushBlob(base, REPO, blob);
    const configDigest = await pushBlob(base, REPO, config);
    const manifest = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layerDigest, size: blob.length }],
    };
    await pushManifest(base, REPO, "latest", new TextEncoder().encode(JSON.stringify(manifest)), manifest.mediaType);
  });

  test("untouched: cat prints the file (the control)", { timeout: 40_000 }, async () => {
    const r = await cli("cat", image(), "etc/motd");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.equals(Buffer.from(MOTD))).toBe(true);
  });

  test("layerlens cat: exit 1, nothing on stdout, DIGEST_MISMATCH naming the layer and the path", { timeout: 40_000 }, async () => {
    swapAfterMount();
    const r = await cli("cat", image(), "etc/motd");
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toMatch(/^layerlens: DIGEST_MISMATCH: /);
    expect(r.stderr).toContain(layerDigest);
    expect(r.stderr).toContain('"etc/motd"');
    expect(layerGets().length, "the mount's GET, then the swapped one").toBeGreaterThanOrEqual(2);
    expect(layerGets()[0].fault).toBeUndefined();
    expect(layerGets()[1].fault).toBe("replace-bytes");
  });

  test("layerlens export -o -: exit 1, no end-of-archive blocks, not one swapped byte", { timeout: 60_000 }, async () => {
    const good = await cli("export", image(), "-o", "-");
    expect(good.code).toBe(0);
    expect(good.stdout.subarray(good.stdout.length - TAR_END.length).equals(Buffer.from(TAR_END))).toBe(true);
    swapAfterMount();
    const bad = await cli("export", image(), "-o", "-");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^layerlens: DIGEST_MISMATCH: /);
    expect(bad.stderr).toContain(layerDigest);
    // What reached stdout is the start of the true export, stopped before the end blocks.
    expect(bad.stdout.length).toBeLessThan(good.stdout.length - TAR_END.length);
    expect(bad.stdout.equals(good.stdout.subarray(0, bad.stdout.length))).toBe(true);
    expect(bad.stdout.includes(Buffer.from(EVIL))).toBe(false);
  });

  test("layerlens export -o FILE: exit 1 and no tar with swapped bytes", { timeout: 60_000 }, async () => {
    swapAfterMount();
    const out = path.join(tmp, "swapped.tar");
    const r = await cli("export", image(), "-o", out);
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toMatch(/^layerlens: DIGEST_MISMATCH: /);
    if (existsSync(out)) {
      const partial = readFileSync(out);
      expect(partial.includes(Buffer.from(EVIL))).toBe(false);
      expect(partial.subarray(partial.length - TAR_END.length).equals(Buffer.from(TAR_END))).toBe(false);
    }
  });

  // All or nothing on disk: export -o writes beside FILE and renames on success. Until the CLI
  // does that, a failed export leaves the partial tar at FILE and this assertion fails.
  test("layerlens export -o FILE: a failed export leaves no FILE", { timeout: 60_000 }, async () => {
    swapAfterMount();
    const out = path.join(tmp, "nothing.tar");
    const r = await cli("export", image(), "-o", out);
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(false);
  });

  test("the library, spans recorded at mount: readFile refuses the swapped re-read", { timeout: 40_000 }, async () => {
    const source = new RegistrySource(`${env.proxy.host}/${REPO}:latest`);
    const resolved = await resolveImage(source);
    const fs = new LayerFS({ spanDigests: "mount" });
    await fs.mountBatch(resolved.layers);
    swapAfterMount(0); // mounted already: from the next GET on
    const err = await bytesOf(fs.readFile("etc/motd")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect((err as Error).message).toContain(layerDigest);
    expect((err as Error).message).toContain('"etc/motd"');
    // The other file's bytes were not swapped: they verify and read.
    expect(Buffer.from(await bytesOf(fs.readFile("etc/hostname"))).toString()).toBe("box\n");
  });
});
