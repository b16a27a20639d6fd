// Bad input to the readers: each case breaks one rule and must end in the typed error that
// names it (code, the blob or field, both digests), never a crash, a hang or a partial result.
import { describe, expect, it } from "vitest";
import { init } from "../../src/node.js";
import { buildReport } from "../../src/report/inspect.js";
import { MetadataCache } from "../../src/cache.js";
import { LayerlensError } from "../../src/errors.js";
import { resolveImage } from "../../src/sources/image.js";
import { blobKey, enc, open, putBlob, sample, sha, withConfig, withIndex, withManifest } from "./sources-helpers.js";

await init();

/** Resolve and read every layer; resolves to the report or rejects with the error. */
async function inspectAll(s: ReturnType<typeof sample>, tag = "latest") {
  const source = await open(s, tag);
  const image = await resolveImage(source);
  return buildReport(image);
}

async function expectCode(p: Promise<unknown>, code: string, ...inMessage: (string | RegExp)[]) {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(err, "expected an error").toBeInstanceOf(LayerlensError);
  expect((err as LayerlensError).code).toBe(code);
  for (const m of inMessage) expect((err as Error).message).toMatch(m);
  return err as LayerlensError & Record<string, unknown>;
}

describe("verified reads", () => {
  it("the untouched sample resolves, every layer verified", async () => {
    const r = await inspectAll(sample());
    expect(r.layers).toHaveLength(3);
    expect(r.layers.every((l) => l.uncompressedSize! > 0 && l.compression === "gzip")).toBe(true);
  });

  it("a missing config blob is NOT_FOUND naming the digest", async () => {
    const s = sample();
    s.files.delete(blobKey(s.manifest.config.digest));
    await expectCode(inspectAll(s), "NOT_FOUND", s.manifest.config.digest);
  });

  it("a missing layer blob is NOT_FOUND naming the digest", async () => {
    const s = sample();
    s.files.delete(blobKey(s.manifest.layers[1].digest));
    await expectCode(inspectAll(s), "NOT_FOUND", s.manifest.layers[1].digest);
  });

  it("a manifest descriptor one byte too large is SIZE_MISMATCH", async () => {
    const s = sample();
    s.index.manifests[0].size = (s.index.manifests[0].size as number) + 1;
    const err = await expectCode(inspectAll(withIndex(s, s.index)), "SIZE_MISMATCH", /manifest sha256:/);
    expect(err.expected).toBe(s.index.manifests[0].size as number);
  });

  it("a manifest descriptor one byte too small is SIZE_MISMATCH (the read stops at size+1)", async () => {
    const s = sample();
    s.index.manifests[0].size = (s.index.manifests[0].size as number) - 1;
    await expectCode(inspectAll(withIndex(s, s.index)), "SIZE_MISMATCH");
  });

  it("a changed byte in the config is DIGEST_MISMATCH naming the blob and both digests", async () => {
    const s = sample();
    const key = blobKey(s.manifest.config.digest);
    const bytes = s.files.get(key)!.slice();
    bytes[bytes.indexOf(0x61)] = 0x62; // one 'a' -> 'b', same size
    s.files.set(key, bytes);
    const err = await expectCode(inspectAll(s), "DIGEST_MISMATCH", `config ${s.manifest.config.digest}`, sha(bytes));
    expect(err.expected).toBe(s.manifest.config.digest);
    expect(err.actual).toBe(sha(bytes));
  });

  it("a changed byte in a layer is DIGEST_MISMATCH once the layer is read", async () => {
    const s = sample();
    const key = blobKey(s.manifest.layers[2].digest);
    const bytes = s.files.get(key)!.slice();
    bytes[200] ^= 1; // inside the stored deflate data: still valid gzip framing until the CRC
    s.files.set(key, bytes);
    // The gzip CRC fails first; the report names the root cause, the blob digest.
    await expectCode(inspectAll(s), "DIGEST_MISMATCH", s.manifest.layers[2].digest, sha(bytes));
  });

  it("a config whose diff_id does not match its layer is DIGEST_MISMATCH on the diff_id", async () => {
    const s = sample();
    const diffIds = [...s.config.rootfs.diff_ids];
    diffIds[0] = "sha256:" + "0".repeat(64);
    const s2 = withConfig(s, { ...s.config, rootfs: { type: "layers", diff_ids: diffIds } });
    await expectCode(inspectAll(s2), "DIGEST_MISMATCH", "0".repeat(64));
  });

  it("an embedded `data` field that does not match is DIGEST_MISMATCH", async () => {
    const s = sample();
    const m = { ...s.manifest, config: { ...s.manifest.config, data: btoa("{}") } };
    await expectCode(inspectAll(withManifest(s, m)), "SIZE_MISMATCH", /embedded data/);
  });

  it("a manifest over 4 MiB is refused before it is read (CAPACITY)", async () => {
    const s = sample();
    s.index.manifests[0].size = (4 << 20) + 1;
    await expectCode(inspectAll(withIndex(s, s.index)), "CAPACITY", /4194304/);
  });

  it("a real 5 MiB manifest with a correct digest is refused too", async () => {
    const s = sample();
    const big = { ...s.manifest, annotations: { pad: "x".repeat(5 << 20) } };
    await expectCode(inspectAll(withManifest(s, big)), "CAPACITY");
  });

  it("an index that lists itself cannot verify (content addressing): typed error, no loop", async () => {
    const s = sample();
    // The blob stored under D lists D: whatever D is, the bytes cannot hash to it.
    const selfDigest = "sha256:" + "ab".repeat(32);
    const idx = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{ mediaType: "application/vnd.oci.image.index.v1+json", digest: selfDigest, size: 200 }],
    };
    const bytes = enc.encode(JSON.stringify(idx));
    s.files.set(blobKey(selfDigest), bytes);
    idx.manifests[0].size = bytes.length;
    s.files.set(blobKey(selfDigest), enc.encode(JSON.stringify(idx)));
    withIndex(s, {
      schemaVersion: 2,
      manifests: [{ ...idx.manifests[0], annotations: { "org.opencontainers.image.ref.name": "latest" } }],
    });
    await expectCode(inspectAll(s), "DIGEST_MISMATCH", selfDigest);
  });
});

describe("documents that break the image-spec name the field", () => {
  const cases: [string, (m: any) => unknown, RegExp][] = [
    ["schemaVersion 1", (m) => ({ ...m, schemaVersion: 1 }), /schemaVersion/],
    ["schemaVersion as a string", (m) => ({ ...m, schemaVersion: "2" }), /schemaVersion/],
    ["no config", ({ config: _c, ...m }) => m, /config: must be a descriptor/],
    ["layers not an array", (m) => ({ ...m, layers: {} }), /layers: is required/],
    [
      "a layer without digest",
      (m) => ({ ...m, layers: [{ ...m.layers[0], digest: undefined }, ...m.layers.slice(1)] }),
      /layers\[0\]\.digest/,
    ],
    [
      "a layer digest in uppercase",
      (m) => ({ ...m, layers: [m.layers[0], { ...m.layers[1], digest: m.layers[1].digest.toUpperCase() }, m.layers[2]] }),
      /layers\[1\]\.digest/,
    ],
    ["a negative layer size", (m) => ({ ...m, layers: [m.layers[0], m.layers[1], { ...m.layers[2], size: -1 }] }), /layers\[2\]\.size/],
    ["a fractional config size", (m) => ({ ...m, config: { ...m.config, size: 1.5 } }), /config\.size/],
    [
      "a media type without a slash",
      (m) => ({ ...m, layers: [{ ...m.layers[0], mediaType: "tar" }, ...m.layers.slice(1)] }),
      /layers\[0\]\.mediaType/,
    ],
    ["a non-string annotation", (m) => ({ ...m, annotations: { a: 1 } }), /annotations\["a"\]/],
    ["urls not an array", (m) => ({ ...m, layers: [{ ...m.layers[0], urls: "http://x" }, ...m.layers.slice(1)] }), /layers\[0\]\.urls/],
    ["data not base64", (m) => ({ ...m, config: { ...m.config, data: "%%%" } }), /config\.data/],
    ["an index media type on a manifest", (m) => ({ ...m, mediaType: "application/vnd.oci.image.index.v1+json" }), /mediaType/],
    ["a JSON array", () => [], /manifest must be a JSON object|mediaType/],
  ];
  for (const [name, change, field] of cases) {
    it(name, async () => {
      const s = sample();
      await expectCode(inspectAll(withManifest(s, change(s.manifest))), "INVALID_MANIFEST", field);
    });
  }

  it("invalid JSON", async () => {
    const s = sample();
    await expectCode(inspectAll(withManifest(s, enc.encode('{"schemaVersion": 2,'))), "INVALID_MANIFEST", /invalid JSON/);
  });

  it("bytes that are not UTF-8", async () => {
    const s = sample();
    await expectCode(inspectAll(withManifest(s, new Uint8Array([0x7b, 0xff, 0x7d]))), "INVALID_MANIFEST", /UTF-8/);
  });

  it("a document media type that contradicts its descriptor", async () => {
    const s = sample();
    await expectCode(
      inspectAll(withManifest(s, { ...s.manifest, mediaType: "application/vnd.docker.distribution.manifest.v2+json" })),
      "INVALID_MANIFEST",
      /descriptor says/,
    );
  });

  const configCases: [string, (c: any) => unknown, RegExp][] = [
    ["config without architecture", ({ architecture: _a, ...c }) => c, /architecture/],
    ["config rootfs.type other than layers", (c) => ({ ...c, rootfs: { ...c.rootfs, type: "tar" } }), /rootfs\.type/],
    [
      "config diff_ids not digests",
      (c) => ({ ...c, rootfs: { ...c.rootfs, diff_ids: ["nope", ...c.rootfs.diff_ids.slice(1)] } }),
      /rootfs\.diff_ids\[0\]/,
    ],
    [
      "config with fewer diff_ids than layers",
      (c) => ({ ...c, rootfs: { ...c.rootfs, diff_ids: c.rootfs.diff_ids.slice(1) } }),
      /3 layers but the config lists 2/,
    ],
    ["config Env not strings", (c) => ({ ...c, config: { ...c.config, Env: [1] } }), /config\.Env\[0\]/],
    ["config created not a date", (c) => ({ ...c, created: "yesterday" }), /created/],
    ["config history empty_layer not boolean", (c) => ({ ...c, history: [{ empty_layer: "yes" }] }), /history\[0\]\.empty_layer/],
  ];
  for (const [name, change, field] of configCases) {
    it(name, async () => {
      const s = sample();
      await expectCode(inspectAll(withConfig(s, change(s.config))), "INVALID_MANIFEST", field);
    });
  }

  it("index.json that is not an index", async () => {
    const s = sample();
    await expectCode(open(withIndex(s, { schemaVersion: 2, manifests: "x" })), "INVALID_MANIFEST", /index\.json: manifests/);
  });

  it("a layout without oci-layout", async () => {
    const s = sample();
    s.files.delete("oci-layout");
    await expectCode(open(s), "NOT_FOUND", /oci-layout/);
  });

  it("an unknown tag lists the tags there are", async () => {
    await expectCode(
      open(sample(), "v9").then((src) => src.root()),
      "NOT_FOUND",
      /"v9".*tags: latest/,
    );
  });
});

describe("platform selection in indexes", () => {
  function multi() {
    const s = sample();
    const m = s.index.manifests[0];
    const arm = withConfig(sample(), { ...s.config, architecture: "arm64", variant: "v8" });
    for (const [k, v] of arm.files) s.files.set(k, v);
    const armEntry = { ...arm.index.manifests[0], platform: { os: "linux", architecture: "arm64", variant: "v8" } };
    const amdEntry = { mediaType: m.mediaType, digest: m.digest, size: m.size, platform: { os: "linux", architecture: "amd64" } };
    const d = putBlob(
      s.files,
      enc.encode(
        JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [amdEntry, armEntry] }),
      ),
    );
    return withIndex(s, {
      schemaVersion: 2,
      manifests: [
        { mediaType: "application/vnd.oci.image.index.v1+json", ...d, annotations: { "org.opencontainers.image.ref.name": "latest" } },
      ],
    });
  }

  it("picks by platform, arm64 implying v8, and reports the index", async () => {
    const s = multi();
    const cache = new MetadataCache<Uint8Array>({ max: 16 });
    const arm = await resolveImage(await open(s), { platform: { os: "linux", architecture: "arm64" }, cache });
    expect(arm.config?.architecture).toBe("arm64");
    expect(arm.indexes).toHaveLength(1);
    const amd = await resolveImage(await open(s), { platform: { os: "linux", architecture: "amd64" }, cache });
    expect(amd.config?.architecture).toBe("amd64");
    // the index was read once, then served from the cache by digest
    expect(cache.stats.hits).toBeGreaterThanOrEqual(1);
  });

  it("an absent platform is NOT_FOUND listing the platforms there are", async () => {
    await expectCode(
      resolveImage(await open(multi()), { platform: { os: "linux", architecture: "s390x" } }),
      "NOT_FOUND",
      /linux\/s390x.*linux\/amd64, linux\/arm64\/v8/,
    );
  });
});

describe("foreign layers", () => {
  it("a layer with urls whose blob is not in the layout is reported, not read", async () => {
    const s = sample();
    const m = structuredClone(s.manifest);
    m.layers[1] = {
      ...m.layers[1],
      mediaType: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
      urls: ["https://example.invalid/layer"],
    };
    s.files.delete(blobKey(s.manifest.layers[1].digest));
    const r = await inspectAll(withManifest(s, m));
    expect(r.layers[1].uncompressedSize).toBeNull();
    expect(r.layers[1].urls).toEqual(["https://example.invalid/layer"]);
    expect(r.layers[0].uncompressedSize).toBeGreaterThan(0);
    expect(r.totals.uncompressedSize).toBeNull();
  });
});
