// The registry client against a real docker-registry with no auth, images pushed by skopeo.
// Expected answers come from skopeo run live against the same registry (differential), not
// from literals: raw manifests, configs, tags; plus error diagnostics, ranges, pagination,
// the manifest cap and the referrers tag fallback.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import path from "node:path";
import { CapacityError, RegistryError } from "../../src/errors.js";
import { RegistryClient, RegistrySource } from "../../src/sources/registry.js";
import { resolveImage } from "../../src/sources/image.js";
import "../../src/node.js"; // the Node entry registers how this process loads the core
import { canRun, FIXTURES } from "./harness/tools.js";
import { type RunningRegistry, startRegistry } from "./harness/registry.js";
import { pushBlob, pushManifest, sha256, skopeoCopy, skopeoInspect } from "./harness/push.js";
import { bytesOf, fixtureDescriptor, text } from "./harness/read.js";
import { storeManifest } from "./harness/storage.js";

const run = canRun("registry (anonymous)");
const layout = `oci:${path.join(FIXTURES, "layout")}`;

describe.runIf(run)("registry client, anonymous", () => {
  let reg: RunningRegistry;
  let client: RegistryClient;

  beforeAll(async () => {
    reg = await startRegistry();
    await skopeoCopy(`${layout}:latest`, `${reg.host}/fixtures/demo:latest`);
    await skopeoCopy(`${layout}:v1`, `${reg.host}/fixtures/demo:v1`);
    await skopeoCopy(`${layout}:latest`, `${reg.host}/fixtures/demo-docker:latest`, { format: "v2s2" });
    await skopeoCopy(`oci:${path.join(FIXTURES, "layout-multi")}`, `${reg.host}/fixtures/multi:latest`, { all: true });
    client = new RegistryClient({ registry: reg.host, retry: { attempts: 2, baseDelayMs: 1 } });
  });
  afterAll(async () => {
    await reg?.stop();
  });

  test("ping: /v2/ answers 200 with the API version header", async () => {
    const ping = await client.ping();
    expect(ping).toMatchObject({ status: 200, apiVersion: "registry/2.0" });
    expect(ping.authScheme).toBeUndefined();
  });

  test("manifest by tag equals skopeo inspect --raw, checked against Docker-Content-Digest", async () => {
    const raw = await skopeoInspect(`${reg.host}/fixtures/demo:latest`, "raw");
    const got = await client.manifest("fixtures/demo", "latest");
    expect(text(got.bytes)).toBe(raw);
    expect(got.descriptor).toEqual({
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: sha256(raw),
      size: Buffer.byteLength(raw),
    });
    // The same digest the OCI layout's index.json names for the tag.
    expect(got.descriptor.digest).toBe(fixtureDescriptor("layout", "latest").digest);
  });

  test("HEAD manifest gives the same descriptor without a body", async () => {
    const head = await client.headManifest("fixtures/demo", "v1");
    const get = await client.manifest("fixtures/demo", "v1");
    expect(head).toEqual(get.descriptor);
  });

  test("manifest by digest is verified and equals the tag's", async () => {
    const byTag = await client.manifest("fixtures/demo", "latest");
    const byDigest = await client.manifest("fixtures/demo", byTag.descriptor.digest);
    expect(byDigest).toEqual(byTag);
  });

  test("Docker schema 2 manifests and OCI indexes arrive in their own media types (full Accept list)", async () => {
    const docker = await client.manifest("fixtures/demo-docker", "latest");
    expect(docker.descriptor.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    expect(text(docker.bytes)).toBe(await skopeoInspect(`${reg.host}/fixtures/demo-docker:latest`, "raw"));
    const index = await client.manifest("fixtures/multi", "latest");
    expect(index.descriptor.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(text(index.bytes)).toBe(await skopeoInspect(`${reg.host}/fixtures/multi:latest`, "raw"));
  });

  test("config blob equals skopeo inspect --config; every layer reads back verified", async () => {
    const manifest = JSON.parse(text((await client.manifest("fixtures/demo", "latest")).bytes));
    const config = await client.blob("fixtures/demo", manifest.config);
    expect(JSON.parse(text(config))).toEqual(JSON.parse(await skopeoInspect(`${reg.host}/fixtures/demo:latest`, "config")));
    for (const layer of manifest.layers) {
      const bytes = await client.blob("fixtures/demo", layer);
      expect(bytes.length).toBe(layer.size);
      expect(sha256(bytes)).toBe(layer.digest);
    }
  });

  test("blob Range reads equal slices of the whole blob", async () => {
    const manifest = JSON.parse(text((await client.manifest("fixtures/demo", "latest")).bytes));
    const layer = manifest.layers[0];
    const whole = await client.blob("fixtures/demo", layer);
    for (const [start, end] of [
      [0, 100],
      [1000, 5000],
      [layer.size - 10, layer.size],
      [layer.size - 7, undefined],
      [5, 5],
    ] as const) {
      const part = await bytesOf(await client.openBlob("fixtures/demo", layer, { start, end }));
      expect(Buffer.from(part).equals(Buffer.from(whole.subarray(start, end ?? layer.size)))).toBe(true);
    }
  });

  test("a descriptor whose size disagrees with the registry's is refused; an unknown algorithm is never asked for", async () => {
    const manifest = JSON.parse(text((await client.manifest("fixtures/demo", "latest")).bytes));
    const layer = manifest.layers[0];
    for (const size of [layer.size - 1, layer.size + 1]) {
      const err = await client.blob("fixtures/demo", { ...layer, size }).catch((e) => e);
      expect(err).toMatchObject({ code: "SIZE_MISMATCH", expected: size, actual: layer.size });
    }
    // sha512 is verified (tests/registry/sha512.test.ts), so this one is asked for: the registry has no such manifest.
    await expect(client.manifest("fixtures/demo", "sha512:" + "0".repeat(128))).rejects.toMatchObject({ code: "REGISTRY", status: 404 });
    await expect(client.manifest("fixtures/demo", "sha384:" + "0".repeat(96))).rejects.toMatchObject({
      code: "INVALID_DIGEST",
      reason: "algorithm",
    });
    await expect(client.manifest("fixtures/demo", "sha256:XYZ")).rejects.toMatchObject({ code: "INVALID_DIGEST" });
  });

  test("unknown tag, blob and repository raise RegistryError with the registry's diagnostics", async () => {
    const tag = await client.manifest("fixtures/demo", "nope").catch((e) => e);
    expect(tag).toBeInstanceOf(RegistryError);
    expect(tag).toMatchObject({ code: "REGISTRY", status: 404, retryable: false });
    expect(tag.diagnostics[0]).toMatchObject({ code: "MANIFEST_UNKNOWN" });
    expect(tag.url).toBe(`${reg.url}/v2/fixtures/demo/manifests/nope`);
    const blob = await client.blob("fixtures/demo", { mediaType: "x/y", digest: "sha256:" + "0".repeat(64), size: 1 }).catch((e) => e);
    expect(blob).toMatchObject({ status: 404, diagnostics: [{ code: "BLOB_UNKNOWN" }] });
    const repo = await client.manifest("fixtures/absent", "latest").catch((e) => e);
    // distribution 2.8 reports a missing repository as MANIFEST_UNKNOWN (registry-http/18-repo-unknown).
    expect(repo).toMatchObject({ status: 404, diagnostics: [{ code: "MANIFEST_UNKNOWN" }] });
  });

  test("tags and catalog: Link pagination gives the same list as one page", async () => {
    const tags = await client.tags("fixtures/demo");
    expect(tags.sort()).toEqual(["latest", "v1"]);
    expect((await client.tags("fixtures/demo", { pageSize: 1 })).sort()).toEqual(tags);
    const all = await client.catalog();
    expect(all).toEqual(["fixtures/demo", "fixtures/demo-docker", "fixtures/multi"]);
    const before = client.transport.requests;
    expect(await client.catalog({ pageSize: 1 })).toEqual(all);
    // One page per repository (+ the empty last page some registries send): pagination really happened.
    expect(client.transport.requests - before).toBeGreaterThanOrEqual(all.length);
  });

  test("manifest size cap: the registry's own 4 MiB limit, and ours refusing before reading", async () => {
    const config = new TextEncoder().encode("{}");
    const configDigest = await pushBlob(reg.url, "fixtures/big", config);
    const big = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.empty.v1+json", digest: configDigest, size: 2 },
        layers: [],
        annotations: { padding: "x".repeat(4 << 20) },
      }),
    );
    // distribution 2.8 refuses to take a manifest over 4 MiB ...
    await expect(pushManifest(reg.url, "fixtures/big", "huge", big, "application/vnd.oci.image.manifest.v1+json")).rejects.toThrow(
      /request body too large/,
    );
    // ... and, written into its storage directly, refuses to serve it ("storage: read exceeds limit").
    storeManifest(reg.dataDir, "fixtures/big", "huge", big);
    const served = await new RegistryClient({ registry: reg.host, retry: { attempts: 1 } })
      .manifest("fixtures/big", "huge")
      .catch((e) => e);
    expect(served).toMatchObject({ code: "REGISTRY", status: 500, retryable: true });
    // Our cap (default 4 MiB) is checked on Content-Length before any body byte is read; a
    // small cap makes a real manifest exceed it. (Streaming without Content-Length: faults.test.ts.)
    const small = new RegistryClient({ registry: reg.host, maxManifestBytes: 1000 });
    const err = await small.manifest("fixtures/demo", "latest").catch((e) => e);
    expect(err).toBeInstanceOf(CapacityError);
    expect(err.message).toMatch(/1226 bytes is over the 1000-byte manifest limit/);
  });

  test("referrers: registry 2.8 has no API (404), the sha256-<hex> tag fallback is used and filtered", async () => {
    const subject = (await client.manifest("fixtures/demo", "latest")).descriptor;
    expect(await client.referrers("fixtures/demo", subject.digest)).toEqual({ via: "tag", descriptors: [] });
    const empty = await pushBlob(reg.url, "fixtures/demo", new TextEncoder().encode("{}"));
    const artifact = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        artifactType: "application/vnd.example.sbom",
        config: { mediaType: "application/vnd.oci.empty.v1+json", digest: empty, size: 2 },
        layers: [{ mediaType: "application/vnd.oci.empty.v1+json", digest: empty, size: 2 }],
        subject,
      }),
    );
    const artifactDigest = await pushManifest(
      reg.url,
      "fixtures/demo",
      sha256(artifact),
      artifact,
      "application/vnd.oci.image.manifest.v1+json",
    );
    const entry = {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: artifactDigest,
      size: artifact.length,
      artifactType: "application/vnd.example.sbom",
    };
    const index = new TextEncoder().encode(
      JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [entry] }),
    );
    await pushManifest(reg.url, "fixtures/demo", subject.digest.replace(":", "-"), index, "application/vnd.oci.image.index.v1+json");
    expect(await client.referrers("fixtures/demo", subject.digest)).toEqual({ via: "tag", descriptors: [entry] });
    expect((await client.referrers("fixtures/demo", subject.digest, { artifactType: "application/vnd.example.sbom" })).descriptors).toEqual(
      [entry],
    );
    expect((await client.referrers("fixtures/demo", subject.digest, { artifactType: "application/other" })).descriptors).toEqual([]);
    // Through the ImageSource interface too, and the artifact manifest itself reads back verified.
    const source = new RegistrySource(`${reg.host}/fixtures/demo:latest`);
    expect(await source.referrers(subject)).toEqual([entry]);
    expect((await client.manifest("fixtures/demo", artifactDigest)).bytes).toEqual(artifact);
  });

  test("RegistrySource + resolveImage give skopeo's config for a single image and an index", async () => {
    const source = new RegistrySource(`${reg.host}/fixtures/demo:latest`);
    expect(source.name).toBe(`docker://${reg.host}/fixtures/demo:latest`);
    const image = await resolveImage(source);
    expect(image.config).toEqual(JSON.parse(await skopeoInspect(`${reg.host}/fixtures/demo:latest`, "config")));
    expect(image.layers.map((l) => l.digest)).toEqual(
      JSON.parse(await skopeoInspect(`${reg.host}/fixtures/demo:latest`, "raw")).layers.map((l: { digest: string }) => l.digest),
    );
    const multi = await resolveImage(new RegistrySource(`${reg.host}/fixtures/multi:latest`), {
      platform: { os: "linux", architecture: "arm64", variant: "v8" },
    });
    expect(multi.indexes).toHaveLength(1);
    expect(multi.config?.architecture).toBe("arm64");
    const byDigest = await resolveImage(new RegistrySource(`${reg.host}/fixtures/demo@${image.root.digest}`));
    expect(byDigest.manifestDescriptor).toEqual(image.manifestDescriptor);
  });
});
