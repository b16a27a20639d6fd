// The OCI model: references, platforms, media types, and the validators checked against the
// image-spec's own JSON schemas as a second opinion (fixtures/third-party/image-spec/schema).
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InvalidManifestError, InvalidReferenceError } from "../../src/errors.js";
import {
  compressionOfMediaType,
  isForeignLayer,
  isIndex,
  isLayer,
  isNondistributableLayer,
  layerCompression,
  sniffCompression,
  DOCKER_FOREIGN_LAYER,
  EMPTY_DIGEST,
  EMPTY_DATA,
  LAYER_MEDIA_TYPE_TABLE,
} from "../../src/oci/media-types.js";
import { LAYER_FOREIGN, LAYER_GZIP, LAYER_MEDIA_TYPES, LAYER_NONDISTRIBUTABLE, LAYER_ZSTD, LayerPool } from "../../src/pool.js";
import { normalizePlatform, parsePlatform, platformMatches, selectPlatform } from "../../src/oci/platform.js";
import { formatReference, parseReference } from "../../src/oci/reference.js";
import { validateConfig, validateIndex, validateManifest } from "../../src/oci/validate.js";
import { sha256Of } from "../../src/hash/hasher.js";
import { buildSampleImage } from "../../src/sample.js";
import { release } from "../helpers/core.js";
import { selectFromIndex } from "../../src/sources/layout.js";
import { fixture, skipFixtures } from "../conformance/fixtures-dir.js";
import { SchemaSet } from "../conformance/json-schema.js";

describe("references", () => {
  const cases: [string, string][] = [
    ["alpine", "docker.io/library/alpine:latest"],
    ["alpine:3.19", "docker.io/library/alpine:3.19"],
    ["user/app", "docker.io/user/app:latest"],
    ["index.docker.io/library/alpine", "docker.io/library/alpine:latest"],
    ["localhost/app", "localhost/app:latest"],
    ["localhost:5000/a/b:v1", "localhost:5000/a/b:v1"],
    ["127.0.0.1:5000/fixtures/demo", "127.0.0.1:5000/fixtures/demo:latest"],
    ["[::1]:5000/x", "[::1]:5000/x:latest"],
    ["ghcr.io/o/r@sha256:" + "a".repeat(64), "ghcr.io/o/r@sha256:" + "a".repeat(64)],
    ["ghcr.io/o/r:t@sha256:" + "a".repeat(64), "ghcr.io/o/r:t@sha256:" + "a".repeat(64)],
    ["a.b/c__d/e-f---g.h_i", "a.b/c__d/e-f---g.h_i:latest"],
  ];
  for (const [input, want] of cases) it(`${input} -> ${want}`, () => expect(formatReference(parseReference(input))).toBe(want));

  const bad = [
    "",
    "UPPER/case",
    "a//b",
    "a/b:",
    "a/b:-tag",
    "a/b@sha256:short",
    "a/b@sha256:" + "A".repeat(64),
    "-a/b",
    "a/b/",
    "h:99999x/a",
    "a:" + "t".repeat(129),
  ];
  for (const input of bad)
    it(`refuses ${JSON.stringify(input).slice(0, 40)}`, () => expect(() => parseReference(input)).toThrow(InvalidReferenceError));

  it("refuses what distribution refuses: 64-hex names, unregistered digest algorithms", () => {
    for (const input of [
      "f".repeat(64),
      "name@unknownalg:" + "a".repeat(64),
      "name@unknownalg:abc",
      "a@md5:" + "a".repeat(32),
      "a@sha256+b64u:" + "a".repeat(43),
    ]) {
      expect(() => parseReference(input), input).toThrow(InvalidReferenceError);
    }
    expect(formatReference(parseReference("f".repeat(64) + ":v1"))).toBe(`docker.io/library/${"f".repeat(64)}:v1`);
    expect(formatReference(parseReference("a@sha512:" + "b".repeat(128)))).toBe("docker.io/library/a@sha512:" + "b".repeat(128));
  });
  it("registry-1.docker.io is a host like any other; index.docker.io is Docker Hub", () => {
    expect(parseReference("registry-1.docker.io/alpine")).toMatchObject({ registry: "registry-1.docker.io", repository: "alpine" });
    expect(parseReference("index.docker.io/alpine")).toMatchObject({ registry: "docker.io", repository: "library/alpine" });
    expect(parseReference("docker.io/alpine")).toMatchObject({ registry: "docker.io", repository: "library/alpine" });
  });

  it("keeps registry and repository apart", () => {
    expect(parseReference("localhost:5000/a/b:v1")).toEqual({
      registry: "localhost:5000",
      repository: "a/b",
      tag: "v1",
      digest: undefined,
    });
  });
});

describe("platforms", () => {
  it("parses os/arch[/variant] and refuses the rest", () => {
    expect(parsePlatform("linux/arm64/v8")).toEqual({ os: "linux", architecture: "arm64", variant: "v8" });
    expect(parsePlatform("linux/amd64")).toEqual({ os: "linux", architecture: "amd64" });
    for (const s of ["linux", "linux/", "a/b/c/d", "linux/am d64"]) expect(() => parsePlatform(s)).toThrow(InvalidReferenceError);
  });
  it("normalises aliases and implied variants", () => {
    expect(normalizePlatform({ os: "linux", architecture: "aarch64" })).toEqual({ os: "linux", architecture: "arm64", variant: "v8" });
    expect(platformMatches({ os: "linux", architecture: "arm64" }, { os: "linux", architecture: "arm64", variant: "v8" })).toBe(true);
    expect(platformMatches({ os: "linux", architecture: "arm", variant: "v6" }, { os: "linux", architecture: "arm", variant: "v7" })).toBe(
      false,
    );
    expect(platformMatches({ os: "linux", architecture: "amd64" }, { os: "windows", architecture: "amd64" })).toBe(false);
  });
  it("prefers the exact variant", () => {
    const d = (variant?: string) => ({
      mediaType: "x/y",
      digest:
        "sha256:" +
        (variant ?? "none")
          .padEnd(64, "0")
          .slice(0, 64)
          .replace(/[^0-9a-f]/g, "0"),
      size: 1,
      platform: { os: "linux", architecture: "arm", ...(variant ? { variant } : {}) },
    });
    const list = [d("v6"), d("v7")];
    expect(selectPlatform(list, { os: "linux", architecture: "arm", variant: "v7" })).toBe(list[1]);
    expect(selectPlatform(list, { os: "linux", architecture: "arm" })).toBe(list[1]); // arm implies v7
    expect(selectPlatform(list, { os: "linux", architecture: "arm", variant: "v5" })).toBeUndefined();
  });
});

describe("media types", () => {
  it("classifies and carries unknown types", () => {
    expect(isIndex("application/vnd.docker.distribution.manifest.list.v2+json")).toBe(true);
    expect(isLayer("application/vnd.oci.image.layer.nondistributable.v1.tar+zstd")).toBe(true);
    expect(layerCompression("application/vnd.docker.image.rootfs.diff.tar.gzip")).toBe("gzip");
    expect(layerCompression("application/x-something")).toBe("unknown");
    expect(sniffCompression(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd]))).toBe("zstd");
  });
  it("one table: the layer types, their compression, and what decompress and the pool derive from it", () => {
    expect(LAYER_MEDIA_TYPES).toEqual(["", ...LAYER_MEDIA_TYPE_TABLE.map(([t]) => t)]);
    for (const [type, compression] of LAYER_MEDIA_TYPE_TABLE) {
      expect(isLayer(type), type).toBe(true);
      expect(layerCompression(type), type).toBe(compression);
      expect(compressionOfMediaType(type), type).toBe(compression);
    }
    // The media type's own words agree with the table (".tar", "+gzip"/".gzip", "+zstd"/".zstd").
    for (const [type, compression] of LAYER_MEDIA_TYPE_TABLE) {
      const said = /[+.]gzip$/.test(type) ? "gzip" : /[+.]zstd$/.test(type) ? "zstd" : type.endsWith(".tar") ? "none" : "?";
      expect(said, type).toBe(compression);
    }
    expect(isForeignLayer(DOCKER_FOREIGN_LAYER)).toBe(true);
    expect(DOCKER_FOREIGN_LAYER).toBe("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip");
    expect(isNondistributableLayer("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip")).toBe(true);
    expect(isNondistributableLayer(DOCKER_FOREIGN_LAYER)).toBe(false);
    expect(compressionOfMediaType("application/vnd.cncf.helm.chart.content.v1.tar+gzip")).toBe("gzip");
    expect(compressionOfMediaType("application/x-something")).toBeUndefined();
    expect(compressionOfMediaType(undefined)).toBeUndefined();
  });

  it("the pool's per-type templates carry the flags the table implies", () => {
    const pool = new LayerPool({ core: release, initial: 4 });
    try {
      const flags = (t: string) => pool.flags(pool.acquire(t));
      expect(flags("application/vnd.oci.image.layer.v1.tar+zstd")).toBe(LAYER_ZSTD);
      expect(flags("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip")).toBe(LAYER_NONDISTRIBUTABLE | LAYER_GZIP);
      expect(flags(DOCKER_FOREIGN_LAYER)).toBe(LAYER_FOREIGN | LAYER_GZIP);
      expect(flags("application/vnd.docker.image.rootfs.diff.tar")).toBe(0);
      expect(pool.mediaType(pool.acquire(DOCKER_FOREIGN_LAYER))).toBe(DOCKER_FOREIGN_LAYER);
    } finally {
      pool.free();
    }
  });

  it("the empty descriptor's constants agree", () => {
    expect(sha256Of(Uint8Array.from(atob(EMPTY_DATA), (c) => c.charCodeAt(0)))).toBe(EMPTY_DIGEST);
  });
  it("unknown media types in manifests pass validation (carried, not rejected)", () => {
    const m = validateManifest("m", {
      schemaVersion: 2,
      config: { mediaType: "application/vnd.example.config+json", digest: EMPTY_DIGEST, size: 2 },
      layers: [{ mediaType: "application/vnd.example.thing", digest: EMPTY_DIGEST, size: 2 }],
    });
    expect(m.layers[0].mediaType).toBe("application/vnd.example.thing");
  });
});

const skip = skipFixtures();
describe.skipIf(skip)("validators agree with the image-spec JSON schemas", () => {
  const schemas = new SchemaSet(fixture("third-party", "image-spec", "schema"));
  const docs: { kind: "manifest" | "index" | "config"; name: string; value: any }[] = [];
  for (const layout of readdirSync(fixture(".")).filter((d) => d.startsWith("layout"))) {
    for (const f of readdirSync(fixture(layout, "blobs", "sha256"))) {
      const bytes = readFileSync(fixture(layout, "blobs", "sha256", f));
      if (bytes.length > 100_000 || bytes[0] !== 0x7b) continue;
      let v: any;
      try {
        v = JSON.parse(bytes.toString("utf8"));
      } catch {
        continue;
      }
      const kind = v.manifests ? "index" : v.layers ? "manifest" : v.rootfs ? "config" : undefined;
      if (kind) docs.push({ kind, name: `${layout}/${f.slice(0, 12)}`, value: v });
    }
  }
  const schemaOf = { manifest: "image-manifest-schema.json", index: "image-index-schema.json", config: "config-schema.json" };
  const ours = { manifest: validateManifest, index: validateIndex, config: validateConfig };

  it("every manifest, index and config in the fixture layouts is valid to both", () => {
    expect(docs.length).toBeGreaterThan(20);
    for (const d of docs) {
      const schemaErrors = schemas
        .validate(schemaOf[d.kind], d.value)
        // The schema says layers minItems 1; the spec text allows an image with no layers
        // (umoci writes one: tag `empty`) and so do we.
        .filter((e) => !(d.kind === "manifest" && e === ".layers: minItems"));
      expect(schemaErrors, d.name).toEqual([]);
      expect(() => ours[d.kind](d.name, d.value), d.name).not.toThrow();
    }
  });

  it("each broken manifest is refused by both, and ours names the field", () => {
    const { files, manifestDigest } = buildSampleImage();
    const m = JSON.parse(new TextDecoder().decode(files.get(`blobs/sha256/${manifestDigest.slice(7)}`)));
    // [case, document, the field we name, does the schema refuse it too?]
    const broken: [string, unknown, string, boolean][] = [
      ["schemaVersion", { ...m, schemaVersion: 1 }, "schemaVersion", true],
      ["config missing", { ...m, config: undefined }, "config", true],
      ["layer digest grammar", { ...m, layers: [{ ...m.layers[0], digest: "sha256-abc" }] }, "layers[0].digest", true],
      // descriptor.md: a registered algorithm's encoding is fixed (sha256 = 64 lowercase hex);
      // the schema only checks the generic grammar, so here we are stricter than it.
      ["sha256 encoding", { ...m, layers: [{ ...m.layers[0], digest: "sha256:XYZ" }] }, "layers[0].digest", false],
      // A well-formed digest of an algorithm we cannot verify is refused, not passed through
      // unchecked; the schema accepts any algorithm that fits the grammar.
      ["unsupported algorithm", { ...m, layers: [{ ...m.layers[0], digest: "sha384:" + "a".repeat(96) }] }, "layers[0].digest", false],
      ["unsupported algorithm (config)", { ...m, config: { ...m.config, digest: "blake3:" + "a".repeat(64) } }, "config.digest", false],
      ["layer size", { ...m, layers: [{ ...m.layers[0], size: -5 }] }, "layers[0].size", true],
      ["layer size type", { ...m, layers: [{ ...m.layers[0], size: "5" }] }, "layers[0].size", true],
      ["media type", { ...m, config: { ...m.config, mediaType: "nope" } }, "config.mediaType", true],
      ["annotation value", { ...m, annotations: { k: 5 } }, 'annotations["k"]', true],
      ["urls item", { ...m, layers: [{ ...m.layers[0], urls: [5] }] }, "layers[0].urls[0]", true],
      ["artifactType", { ...m, artifactType: "bad type" }, "artifactType", true],
    ];
    for (const [name, value, field, schemaRefuses] of broken) {
      const clean = JSON.parse(JSON.stringify(value));
      expect(schemas.validate(schemaOf.manifest, clean).length > 0, `schema on ${name}`).toBe(schemaRefuses);
      let err: unknown;
      try {
        validateManifest("m", clean);
      } catch (e) {
        err = e;
      }
      expect(err, name).toBeInstanceOf(InvalidManifestError);
      expect((err as InvalidManifestError).field, name).toBe(field);
    }
  });

  it("broken indexes and configs are refused by both", () => {
    const idx: [unknown, string][] = [
      [{ schemaVersion: 2 }, "manifests"],
      [
        { schemaVersion: 2, manifests: [{ mediaType: "a/b", digest: EMPTY_DIGEST, size: 2, platform: { os: "linux" } }] },
        "manifests[0].platform.architecture",
      ],
      [{ schemaVersion: 2, manifests: [{ mediaType: "a/b", size: 2 }] }, "manifests[0].digest"],
    ];
    for (const [v, field] of idx) {
      expect(schemas.validate(schemaOf.index, v).length).toBeGreaterThan(0);
      expect(() => validateIndex("i", v)).toThrow(field);
    }
    const cfg: [unknown, string][] = [
      [{ os: "linux", rootfs: { type: "layers", diff_ids: [] } }, "architecture"],
      [{ architecture: "amd64", os: "linux" }, "rootfs"],
      [{ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [5] } }, "rootfs.diff_ids[0]"],
      [{ architecture: "amd64", os: "linux", rootfs: { type: "tar", diff_ids: [] } }, "rootfs.type"],
    ];
    for (const [v, field] of cfg) {
      expect(schemas.validate(schemaOf.config, v).length).toBeGreaterThan(0);
      expect(() => validateConfig("c", v)).toThrow(field);
    }
  });
});

describe("digests in documents and references", () => {
  const config = (diffIds: unknown[]) => ({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: diffIds } });

  it("a diff_id of an algorithm that cannot be verified is refused, naming it as unsupported", () => {
    let err: unknown;
    try {
      validateConfig("config", config(["sha256:" + "a".repeat(64), "sha384:" + "b".repeat(96)]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidManifestError);
    expect((err as InvalidManifestError).field).toBe("rootfs.diff_ids[1]");
    expect((err as Error).message).toMatch(/algorithm "sha384" is not supported/);
  });

  it("sha512 diff_ids are accepted; a malformed algorithm is told apart from an unsupported one", () => {
    expect(() => validateConfig("config", config(["sha512:" + "c".repeat(128)]))).not.toThrow();
    let err: unknown;
    try {
      validateConfig("config", config(["SHA256:" + "a".repeat(64)]));
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toMatch(/"SHA256" is not an algorithm/);
  });

  it("a reference pinned to an unsupported algorithm is refused", () => {
    expect(() => parseReference("alpine@sha384:" + "a".repeat(96))).toThrow(/not supported/);
    expect(parseReference("alpine@sha512:" + "a".repeat(128)).digest).toBe("sha512:" + "a".repeat(128));
  });

  it("a layout's index.json entry is selected by its sha512 digest as by a sha256 one", () => {
    const d512 = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: "sha512:" + "e".repeat(128), size: 2 };
    const d256 = {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: "sha256:" + "f".repeat(64),
      size: 2,
      annotations: { "org.opencontainers.image.ref.name": "v1" },
    };
    const index = { schemaVersion: 2, manifests: [d256, d512] } as never;
    expect(selectFromIndex(index, d512.digest, "layout")).toBe(d512);
    expect(selectFromIndex(index, d256.digest, "layout")).toBe(d256);
    expect(selectFromIndex(index, "v1", "layout")).toBe(d256);
  });
});
