// Blob redirects, as S3/CDN-backed registries do them: docker-registry's `redirect` storage
// middleware answers blob GETs with a 307 to another host (here a static server over the
// registry's own storage on 127.0.0.2). The client must follow it and must not send the
// registry's Authorization header there.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import path from "node:path";
import { RegistryClient } from "../../src/sources/registry.js";
import type { Descriptor } from "../../src/oci/types.js";
import { canRun, FIXTURES } from "./harness/tools.js";
import { type RunningRegistry, startRegistry } from "./harness/registry.js";
import { BlobServer } from "./harness/blob-server.js";
import { sha256, skopeoCopy, skopeoInspect } from "./harness/push.js";
import { bytesOf } from "./harness/read.js";

const run = canRun("registry (redirects)");

describe.runIf(run)("registry client, blob redirects to another host", () => {
  let reg: RunningRegistry;
  let blobs: BlobServer;
  let layers: Descriptor[];
  let config: Descriptor;
  const creds = { username: "alice", password: "wonderland" };

  beforeAll(async () => {
    blobs = new BlobServer("127.0.0.2");
    await blobs.start();
    reg = await startRegistry({ auth: { mode: "basic", users: { alice: "wonderland" } }, redirectBase: blobs.base });
    blobs.root = reg.dataDir;
    await skopeoCopy(`oci:${path.join(FIXTURES, "layout")}:latest`, `${reg.host}/private/demo:latest`, { creds: "alice:wonderland" });
    const manifest = JSON.parse(await skopeoInspect(`${reg.host}/private/demo:latest`, "raw", "alice:wonderland"));
    layers = manifest.layers;
    config = manifest.config;
  });
  afterAll(async () => {
    await reg?.stop();
    await blobs?.stop();
  });

  test("the registry really redirects (raw fetch sees a 307 to 127.0.0.2)", async () => {
    const res = await fetch(`${reg.url}/v2/private/demo/blobs/${config.digest}`, {
      redirect: "manual",
      headers: { Authorization: `Basic ${Buffer.from("alice:wonderland").toString("base64")}` },
    });
    expect(res.status).toBe(307);
    expect(res.headers.get("Location")).toMatch(/^http:\/\/127\.0\.0\.2:\d+\/docker\/registry\/v2\/blobs\/sha256\//);
  });

  test("blobs are read from the redirect target, verified, with no Authorization sent there", async () => {
    blobs.seen.length = 0;
    const client = new RegistryClient({ registry: reg.host, credentials: creds });
    for (const desc of [config, ...layers]) {
      expect(sha256(await client.blob("private/demo", desc))).toBe(desc.digest);
    }
    expect(blobs.seen).toHaveLength(1 + layers.length);
    for (const seen of blobs.seen) expect(seen.headers.authorization).toBeUndefined();
    // The registry itself did get credentials: without them it refuses.
    const anonymous = new RegistryClient({ registry: reg.host, retry: { attempts: 1 } });
    await expect(anonymous.blob("private/demo", config)).rejects.toMatchObject({ status: 401 });
  });

  test("Range reads follow the redirect and keep their Range header", async () => {
    blobs.seen.length = 0;
    const client = new RegistryClient({ registry: reg.host, credentials: creds });
    const layer = layers[0];
    const whole = await client.blob("private/demo", layer);
    const part = await bytesOf(await client.openBlob("private/demo", layer, { start: 100, end: 200 }));
    expect(Buffer.from(part).equals(Buffer.from(whole.subarray(100, 200)))).toBe(true);
    expect(blobs.seen.at(-1)!.headers.range).toBe("bytes=100-199");
    expect(blobs.seen.at(-1)!.headers.authorization).toBeUndefined();
  });
});
