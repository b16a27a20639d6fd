// The client against a real docker-registry seen through a loopback proxy that misbehaves:
// 500s and 429s, connections dropped before an answer or half-way through a blob, a flipped
// byte, a Range header ignored, a body without Content-Length. The client must retry or
// resume, and must never hand back bytes it has not verified.

import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import path from "node:path";
import { CapacityError, DigestMismatchError, RegistryError } from "../../src/errors.js";
import { RegistryClient, RegistrySource } from "../../src/sources/registry.js";
import { resolveImage } from "../../src/sources/image.js";
import "../../src/node.js"; // the Node entry registers how this process loads the core
import type { Descriptor } from "../../src/oci/types.js";
import { canRun, FIXTURES } from "./harness/tools.js";
import { useProxiedRegistry } from "./harness/proxied-registry.js";
import { sha256, skopeoCopy, skopeoInspect } from "./harness/push.js";
import { bytesOf, text } from "./harness/read.js";

const run = canRun("registry (faults)");

describe.runIf(run)("registry client through a fault proxy", () => {
  const env = useProxiedRegistry();
  let raw: string;
  let layer: Descriptor;
  let config: Descriptor;
  const delays: number[] = [];
  // Real backoff would only slow the suite down; the waits asked for are recorded instead.
  const retry = {
    attempts: 4,
    baseDelayMs: 100,
    sleep: async (ms: number) => {
      delays.push(ms);
    },
  };
  const client = (): RegistryClient => new RegistryClient({ registry: env.proxy.host, retry });
  const manifestPath = /^\/v2\/fixtures\/demo\/manifests\//;
  const layerPath = (): RegExp => new RegExp(`/blobs/${layer.digest}$`);

  beforeAll(async () => {
    await skopeoCopy(`oci:${path.join(FIXTURES, "layout")}:latest`, `${env.reg.host}/fixtures/demo:latest`);
    raw = await skopeoInspect(`${env.reg.host}/fixtures/demo:latest`, "raw");
    const manifest = JSON.parse(raw);
    // The biggest layer, so "half-way" is well inside the body.
    layer = [...manifest.layers].sort((a: Descriptor, b: Descriptor) => b.size - a.size)[0];
    config = manifest.config;
  });
  beforeEach(() => {
    delays.length = 0;
  });

  test("500 twice, then the manifest: retried with growing backoff", async () => {
    env.proxy.add({ path: manifestPath, action: { kind: "status", status: 500 }, times: 2 });
    const got = await client().manifest("fixtures/demo", "latest");
    expect(text(got.bytes)).toBe(raw);
    expect(env.proxy.seen.map((r) => r.fault)).toEqual(["status", "status", undefined]);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(50);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[1]).toBeGreaterThanOrEqual(100);
    expect(delays[1]).toBeLessThanOrEqual(200);
  });

  test("429 with Retry-After: the registry's wait is honoured", async () => {
    env.proxy.add({ path: manifestPath, action: { kind: "status", status: 429, retryAfter: "3" } });
    expect(text((await client().manifest("fixtures/demo", "latest")).bytes)).toBe(raw);
    expect(delays).toEqual([3000]);
  });

  test("500 on every try: RegistryError, retryable, after the configured attempts", async () => {
    env.proxy.add({ path: manifestPath, action: { kind: "status", status: 503 }, times: Infinity });
    const err = await client()
      .manifest("fixtures/demo", "latest")
      .catch((e) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({ status: 503, retryable: true, diagnostics: [{ code: "UNKNOWN" }] });
    expect(env.proxy.seen).toHaveLength(4);
  });

  test("a connection dropped before any answer is retried", async () => {
    env.proxy.add({ path: manifestPath, action: { kind: "drop-before-answer" }, times: 2 });
    expect(text((await client().manifest("fixtures/demo", "latest")).bytes)).toBe(raw);
    expect(env.proxy.seen).toHaveLength(3);
  });

  test("a blob dropped half-way is resumed with Range from the next byte, and verified", async () => {
    env.proxy.add({ path: layerPath(), action: { kind: "drop-mid-body" } });
    const c = client();
    const bytes = await c.blob("fixtures/demo", layer);
    expect(sha256(bytes)).toBe(layer.digest);
    expect(c.resumes).toBe(1);
    const blobRequests = env.proxy.seen.filter((r) => layerPath().test(r.path));
    expect(blobRequests[0].headers.range).toBeUndefined();
    expect(blobRequests[1].headers.range).toBe(`bytes=${layer.size >> 1}-${layer.size - 1}`);
  });

  test("a resume answered with the whole blob (Range ignored) skips what was already delivered", async () => {
    env.proxy.add({ path: layerPath(), action: { kind: "drop-mid-body", after: 1000 } });
    env.proxy.add({ path: layerPath(), action: { kind: "ignore-range" } });
    const c = client();
    const bytes = await c.blob("fixtures/demo", layer);
    expect(sha256(bytes)).toBe(layer.digest);
    expect(env.proxy.seen.map((r) => r.fault)).toEqual(["drop-mid-body", "ignore-range"]);
  });

  test("a ranged read dropped half-way resumes inside the range", async () => {
    const whole = await client().blob("fixtures/demo", layer);
    env.proxy.reset();
    env.proxy.add({ path: layerPath(), action: { kind: "drop-mid-body" } });
    const c = client();
    const part = await bytesOf(await c.openBlob("fixtures/demo", layer, { start: 1000, end: 9000 }));
    expect(Buffer.from(part).equals(Buffer.from(whole.subarray(1000, 9000)))).toBe(true);
    expect(env.proxy.seen.map((r) => r.headers.range)).toEqual(["bytes=1000-8999", "bytes=5000-8999"]);
  });

  test("a connection that keeps dropping ends in a retryable RegistryError, not in short data", async () => {
    env.proxy.add({ path: layerPath(), action: { kind: "drop-mid-body" }, times: Infinity });
    const err = await client()
      .blob("fixtures/demo", layer)
      .catch((e) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({ retryable: true });
    expect(err.message).toMatch(/kept dropping/);
  });

  test("one corrupted byte in a blob: blob() fetches it again and returns verified bytes", async () => {
    env.proxy.add({ path: layerPath(), action: { kind: "corrupt-byte" } });
    const bytes = await client().blob("fixtures/demo", layer);
    expect(sha256(bytes)).toBe(layer.digest);
    expect(env.proxy.seen.map((r) => r.fault)).toEqual(["corrupt-byte", undefined]);
  });

  test("a blob corrupted every time raises DigestMismatchError naming both digests", async () => {
    env.proxy.add({ path: layerPath(), action: { kind: "corrupt-byte" }, times: Infinity });
    const err = await client()
      .blob("fixtures/demo", layer)
      .catch((e) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(err.expected).toBe(layer.digest);
    expect(err.actual).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(err.actual).not.toBe(layer.digest);
    expect(err.message).toContain(layer.digest);
  });

  test("a streamed blob with a flipped byte errors at its end instead of closing", async () => {
    env.proxy.add({ path: layerPath(), action: { kind: "corrupt-byte" } });
    const stream = await client().openBlob("fixtures/demo", layer);
    await expect(bytesOf(stream)).rejects.toBeInstanceOf(DigestMismatchError);
  });

  test("a corrupted manifest: by tag it disagrees with Docker-Content-Digest, by digest with the digest", async () => {
    env.proxy.add({ path: manifestPath, action: { kind: "corrupt-byte" } });
    expect(text((await client().manifest("fixtures/demo", "latest")).bytes)).toBe(raw); // retried once
    env.proxy.reset();
    env.proxy.add({ path: manifestPath, action: { kind: "corrupt-byte" }, times: Infinity });
    await expect(client().manifest("fixtures/demo", "latest")).rejects.toBeInstanceOf(DigestMismatchError);
    await expect(client().manifest("fixtures/demo", sha256(raw))).rejects.toMatchObject({ code: "DIGEST_MISMATCH", expected: sha256(raw) });
  });

  test("through RegistrySource and resolveImage, a corrupted config is DigestMismatchError, never a result", async () => {
    env.proxy.add({ path: new RegExp(`/blobs/${config.digest}$`), action: { kind: "corrupt-byte", at: 10 }, times: Infinity });
    const source = new RegistrySource(`${env.proxy.host}/fixtures/demo:latest`, { retry });
    await expect(resolveImage(source)).rejects.toBeInstanceOf(DigestMismatchError);
    env.proxy.reset();
    const image = await resolveImage(new RegistrySource(`${env.proxy.host}/fixtures/demo:latest`, { retry }));
    expect(image.config).toEqual(JSON.parse(await skopeoInspect(`${env.reg.host}/fixtures/demo:latest`, "config")));
  });

  test("a manifest without Content-Length is capped while streaming", async () => {
    env.proxy.add({ path: manifestPath, action: { kind: "strip-length" }, times: Infinity });
    const small = new RegistryClient({ registry: env.proxy.host, maxManifestBytes: 1000 });
    const err = await small.manifest("fixtures/demo", "latest").catch((e) => e);
    expect(err).toBeInstanceOf(CapacityError);
    expect(err.message).toMatch(/more than the 1000-byte manifest limit/);
    expect(env.proxy.seen.at(-1)!.fault).toBe("strip-length");
    // Within the cap, the chunked answer reads normally.
    expect(text((await client().manifest("fixtures/demo", "latest")).bytes)).toBe(raw);
  });
});
