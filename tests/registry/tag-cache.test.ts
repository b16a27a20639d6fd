// Tag answers through the MetadataCache with a TTL, against a real docker-registry seen
// through the loopback proxy (which records every request, so "no round trip" is counted,
// not assumed). The TTL clock is injected: expiry is stepped, never waited for. A tag moved
// by skopeo is seen after its answer expires and not before; digests never go stale.

import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import path from "node:path";
import { debug, release } from "../helpers/core.js";
import { InvalidDigestError } from "../../src/errors.js";
import { MetadataCache } from "../../src/cache.js";
import {
  DEFAULT_TAG_TTL_MS,
  type RegistryCache,
  RegistrySource,
  createRegistryCache,
  defaultRegistryCache,
  tagCacheKey,
} from "../../src/sources/registry.js";
import { resolveImage } from "../../src/sources/image.js";
import { createSha256 } from "../../src/hash/hasher.js";
import { canRun, FIXTURES } from "./harness/tools.js";
import { useProxiedRegistry } from "./harness/proxied-registry.js";
import { sha256, skopeoCopy, skopeoInspect } from "./harness/push.js";
import { bytesOf, text } from "./harness/read.js";

const run = canRun("registry (tag cache)");
const layout = (tag: string): string => `oci:${path.join(FIXTURES, "layout")}:${tag}`;

describe.runIf(run)("tag answers cached with a TTL", () => {
  const env = useProxiedRegistry();
  let clock = 0;
  let cache: RegistryCache;
  const ttl = 1_000;
  const open = (ref: string, options: { tagTtlMs?: number; cache?: RegistryCache | false } = {}): RegistrySource =>
    new RegistrySource(`${env.proxy.host}/${ref}`, { cache, tagTtlMs: ttl, ...options });
  const manifestGets = (): string[] => env.proxy.seen.filter((r) => r.path.includes("/manifests/")).map((r) => `${r.method} ${r.path}`);
  /** The digest skopeo sees for a tag right now (the registry's answer, not ours). */
  const liveDigest = async (ref: string): Promise<string> => sha256(await skopeoInspect(`${env.reg.host}/${ref}`, "raw"));

  beforeAll(async () => {
    await skopeoCopy(layout("latest"), `${env.reg.host}/tc/demo:latest`);
    await skopeoCopy(layout("latest"), `${env.reg.host}/tc/moving:latest`);
  });
  beforeEach(() => {
    clock = 0;
    // The debug core checks its own links; a fresh cache per test keeps stats readable.
    cache = createRegistryCache({ now: () => clock, core: debug });
    return () => {
      cache.checkInvariants();
      cache.free();
    };
  });

  test("a second root() within the TTL, from another source sharing the cache, makes no request", async () => {
    const first = await open("tc/demo:latest").root();
    expect(manifestGets()).toEqual(["GET /v2/tc/demo/manifests/latest"]);
    expect(first.digest).toBe(await liveDigest("tc/demo:latest"));
    env.proxy.reset();
    clock += ttl - 1;
    const second = await open("tc/demo:latest").root();
    expect(env.proxy.seen).toEqual([]);
    expect(second).toEqual(first);
    expect(cache.stats).toMatchObject({ hits: 1, expirations: 0 });
  });

  test("once the clock passes the TTL the tag is asked again, and the expiry shows in stats", async () => {
    await open("tc/demo:latest").root();
    clock += ttl;
    env.proxy.reset();
    const again = await open("tc/demo:latest").root();
    expect(manifestGets()).toEqual(["GET /v2/tc/demo/manifests/latest"]);
    expect(again.digest).toBe(await liveDigest("tc/demo:latest"));
    expect(cache.stats).toMatchObject({ hits: 0, expirations: 1 });
    // The fresh answer starts a new TTL.
    env.proxy.reset();
    await open("tc/demo:latest").root();
    expect(env.proxy.seen).toEqual([]);
  });

  test("a re-pushed tag is seen after expiry and not before", async () => {
    const before = await open("tc/moving:latest").root();
    await skopeoCopy(layout("v1"), `${env.reg.host}/tc/moving:latest`);
    const moved = await liveDigest("tc/moving:latest");
    expect(moved).not.toBe(before.digest);
    clock += ttl - 1;
    expect((await open("tc/moving:latest").root()).digest).toBe(before.digest);
    clock += 1;
    const after = await open("tc/moving:latest").root();
    expect(after.digest).toBe(moved);
    expect(cache.stats).toMatchObject({ hits: 1, expirations: 1 });
    // The image read through the new answer is the new one, as skopeo sees it.
    const image = await resolveImage(open("tc/moving:latest"));
    expect(image.root.digest).toBe(moved);
    expect(image.config).toEqual(JSON.parse(await skopeoInspect(`${env.reg.host}/tc/moving:latest`, "config")));
  });

  test("manifests by digest never go stale: root() and openBlob() from another source make no request", async () => {
    const byTag = await open("tc/demo:latest").root();
    clock += 1e12;
    env.proxy.reset();
    const source = open(`tc/demo@${byTag.digest}`);
    expect(await source.root()).toEqual(byTag);
    const bytes = await bytesOf(await source.openBlob(byTag));
    expect(text(bytes)).toBe(await skopeoInspect(`${env.reg.host}/tc/demo:latest`, "raw"));
    expect(env.proxy.seen).toEqual([]);
    // Purging the stale entries takes the tag's answer only; the manifest stays.
    expect(cache.purgeStale()).toBe(1);
    expect(cache.has(byTag.digest)).toBe(true);
    expect(cache.has(tagCacheKey(env.proxy.host, "tc/demo", "latest", createSha256))).toBe(false);
  });

  test("tagTtlMs: 0 asks on every root(), cache: false shares nothing", async () => {
    await open("tc/demo:latest", { tagTtlMs: 0 }).root();
    await open("tc/demo:latest", { tagTtlMs: 0 }).root();
    await open("tc/demo:latest", { cache: false }).root();
    await open("tc/demo:latest", { cache: false }).root();
    expect(manifestGets()).toHaveLength(4);
    // With tagTtlMs 0 the manifest itself is still kept by digest.
    expect(cache.has(sha256(await skopeoInspect(`${env.reg.host}/tc/demo:latest`, "raw")))).toBe(true);
  });

  test("the tag's key is the sha256 of registry/repository:tag, and each tag has its own", async () => {
    await open("tc/demo:latest").root();
    const key = tagCacheKey(env.proxy.host, "tc/demo", "latest", createSha256);
    expect(key).toBe(sha256(`${env.proxy.host}/tc/demo:latest`));
    expect(cache.has(key)).toBe(true);
    expect(cache.has(tagCacheKey(env.proxy.host, "tc/demo", "other", createSha256))).toBe(false);
    expect(cache.has(tagCacheKey(env.proxy.host, "tc/moving", "latest", createSha256))).toBe(false);
  });

  test("without a cache option, sources share the module's default cache", async () => {
    const a = new RegistrySource(`${env.proxy.host}/tc/demo:latest`);
    const b = new RegistrySource(`${env.proxy.host}/tc/demo:latest`);
    expect(a.cache).toBeDefined();
    expect(a.cache).toBe(b.cache);
    expect(a.cache).toBe(defaultRegistryCache());
    expect(a.tagTtlMs).toBe(DEFAULT_TAG_TTL_MS);
    await a.root();
    env.proxy.reset();
    // Back to back, well inside the default 30 s.
    await b.root();
    expect(env.proxy.seen).toEqual([]);
  });

  test("bad options are refused with a clear message", () => {
    expect(() => open("tc/demo:latest", { tagTtlMs: -1 })).toThrow(/tagTtlMs must be a number of ms >= 0/);
    expect(() => open("tc/demo:latest", { tagTtlMs: Number.NaN })).toThrow(RangeError);
    const noTtl = new MetadataCache<never>({ max: 4, core: release }) as unknown as RegistryCache;
    try {
      expect(() => open("tc/demo:latest", { cache: noTtl })).toThrow(/made without a ttl/);
      // Without tag caching such a cache still holds manifests by digest.
      expect(open("tc/demo:latest", { cache: noTtl, tagTtlMs: 0 }).cache).toBe(noTtl);
    } finally {
      noTtl.free();
    }
  });

  test("a reference by a malformed digest is a typed error, not a cache crash", async () => {
    const source = new RegistrySource({ registry: env.proxy.host, repository: "tc/demo", digest: "sha256:abc" }, { cache });
    await expect(source.root()).rejects.toBeInstanceOf(InvalidDigestError);
  });
});
