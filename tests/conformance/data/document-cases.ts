// Documents for the document conformance table, each with the verdict its source publishes.
// Most are the test inputs of the image-spec repository's schema tests (schema/descriptor_test.go,
// manifest_test.go, imageindex_test.go, config_test.go, backwards_compatibility_test.go), rebuilt
// here as data; the rest probe the rules layerlens had wrong (sets given as arrays, Env without
// '=', urls that are not URIs, Docker schema 2 layer types). `exception` records, with its
// reason, where layerlens or the bare JSON schema knowingly answer otherwise than `fail`.

export type DocKind = "descriptor" | "manifest" | "index" | "config";
export interface DocCase {
  kind: DocKind;
  name: string;
  source: string;
  /** The document: JSON text when the text itself matters (invalid JSON), else the value. */
  doc: unknown;
  /** The published verdict: true when the document must be refused. */
  fail: boolean;
  /** The field layerlens must name when it refuses. */
  field?: string;
  exception?: { ours?: "pass" | "fail"; schema?: "pass" | "fail"; why: string };
}

/**
 * The grammar admits any algorithm, but a digest can only be trusted once its bytes were hashed:
 * layerlens verifies sha256 and sha512 and refuses every other algorithm rather than pass it
 * through unchecked.
 */
const UNREGISTERED = "only registered algorithms that layerlens can verify (sha256, sha512) are accepted";

const D1 = "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270";
const D2 = "sha256:c86f7763873b6c0aae22d963bab59b4f5debbed6685761b5951584f6efb0633b";
const D3 = "sha256:9d3dd9504c685a304985025df4ed0283e47ac9ffa9bd0326fddf4d59513f0827";
const D4 = "sha256:2b689805fbd00b2db1df73fae47562faac1a626d5f61744bfe29946ecff5d73d";
const D5 = "sha256:c57089565e894899735d458f0fd4bb17a0f1e0df8d72da392b85c9b35ee777cd";
const D6 = "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f";
const D7 = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";
const EMPTY = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const OCI_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
const DOCKER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";

const SPEC = (file: string) => `image-spec schema/${file}`;
const OURS = "layerlens (issue classes: documents)";

const desc = (mediaType: unknown, size: unknown, digest: unknown, extra: Record<string, unknown> = {}) => {
  const d: Record<string, unknown> = { ...extra };
  if (mediaType !== undefined) d.mediaType = mediaType;
  if (size !== undefined) d.size = size;
  if (digest !== undefined) d.digest = digest;
  return d;
};
const manifest = (config: unknown, layers: unknown, extra: Record<string, unknown> = {}) => ({
  schemaVersion: 2,
  ...extra,
  config,
  layers,
});
const three = [desc(OCI_GZIP, 675598, D3), desc(OCI_GZIP, 156, D4), desc(OCI_GZIP, 148, D5)];
const rootfs = (...ids: string[]) => ({ diff_ids: ids.length ? ids : [D7], type: "layers" });
const cfg = (extra: Record<string, unknown>) => ({ architecture: "amd64", os: "linux", rootfs: rootfs(), ...extra });
const dockerManifest = (layerType: string) => ({
  schemaVersion: 2,
  mediaType: DOCKER_MANIFEST,
  config: desc(DOCKER_CONFIG, 1470, D2),
  layers: [desc(layerType, 148, D5)],
});

const descriptorCases: DocCase[] = [
  { name: "valid descriptor", doc: desc(OCI_MANIFEST, 7682, D1), fail: false },
  { name: "zero-length blob", doc: desc("application/octet-stream", 0, EMPTY), fail: false },
  { name: "mediaType missing", doc: desc(undefined, 7682, D1), fail: true, field: "descriptor.mediaType" },
  { name: "mediaType without subtype", doc: desc("application", 7682, D1), fail: true, field: "descriptor.mediaType" },
  { name: "mediaType type starts with '.'", doc: desc(".foo/bar", 7682, D1), fail: true, field: "descriptor.mediaType" },
  { name: "mediaType subtype starts with '.'", doc: desc("foo/.bar", 7682, D1), fail: true, field: "descriptor.mediaType" },
  {
    name: "mediaType type and subtype of 127 characters",
    doc: desc(`${"1234567890".repeat(12)}1234567/${"1234567890".repeat(12)}1234567`, 7682, D1),
    fail: false,
  },
  {
    name: "mediaType type of 128 characters",
    doc: desc(`${"1234567890".repeat(12)}12345678/bar`, 7682, D1),
    fail: true,
    field: "descriptor.mediaType",
  },
  {
    name: "mediaType subtype of 128 characters",
    doc: desc(`foo/${"1234567890".repeat(12)}12345678`, 7682, D1),
    fail: true,
    field: "descriptor.mediaType",
  },
  { name: "size missing", doc: desc(OCI_MANIFEST, undefined, D1), fail: true, field: "descriptor.size" },
  { name: "size as a string", doc: desc(OCI_MANIFEST, "7682", D1), fail: true, field: "descriptor.size" },
  { name: "digest missing", doc: desc(OCI_MANIFEST, 7682, undefined), fail: true, field: "descriptor.digest" },
  { name: "digest without algorithm", doc: desc(OCI_MANIFEST, 7682, D1.slice(6)), fail: true, field: "descriptor.digest" },
  { name: "digest without encoded part", doc: desc(OCI_MANIFEST, 7682, "sha256"), fail: true, field: "descriptor.digest" },
  { name: "digest algorithm in uppercase", doc: desc(OCI_MANIFEST, 7682, "SHA256" + D1.slice(6)), fail: true, field: "descriptor.digest" },
  {
    name: "sha256 digest in uppercase hex",
    doc: desc(OCI_MANIFEST, 7682, "sha256:" + D1.slice(7).toUpperCase()),
    fail: true,
    field: "descriptor.digest",
    exception: {
      schema: "pass" as const,
      why: "the schema's digest pattern allows uppercase; the spec's validator then checks the sha256 encoding (64 lowercase hex), as we do",
    },
  },
  { name: "urls with a URL", doc: desc(OCI_MANIFEST, 7682, D1, { urls: ["https://example.com/foo"] }), fail: false },
  {
    name: "urls with a word that is not a URI",
    doc: desc(OCI_MANIFEST, 7682, D1, { urls: ["value"] }),
    fail: true,
    field: "descriptor.urls[0]",
  },
  { name: "artifactType as a media type", doc: desc(OCI_MANIFEST, 7682, D1, { artifactType: OCI_MANIFEST }), fail: false },
  {
    name: "artifactType subtype starts with '.'",
    doc: desc(OCI_MANIFEST, 7682, D1, { artifactType: "foo/.bar" }),
    fail: true,
    field: "descriptor.artifactType",
  },
  {
    name: "data as base64",
    doc: desc("text/plain", 34, "sha256:2690af59371e9eca9453dc29882643f46e5ca47ec2862bd517b5e17351325153", {
      data: "aHR0cHM6Ly9naXRodWIuY29tL29wZW5jb250YWluZXJzCg==",
    }),
    fail: false,
  },
  {
    name: "data missing its base64 padding",
    doc: desc("text/plain", 34, "sha256:2690af59371e9eca9453dc29882643f46e5ca47ec2862bd517b5e17351325153", {
      data: "aHR0cHM6Ly9naXRodWIuY29tL29wZW5jb250YWluZXJzCg",
    }),
    fail: true,
    field: "descriptor.data",
    exception: {
      schema: "pass" as const,
      why: "the schema names base64 but does not check it; the spec's validator decodes it strictly, as we do",
    },
  },
  {
    name: "algorithm sha256+b64",
    doc: desc(OCI_CONFIG, 1470, "sha256+b64" + D2.slice(6)),
    fail: false,
    exception: { ours: "fail" as const, why: UNREGISTERED },
  },
  {
    name: "algorithm sha256+foo-bar",
    doc: desc(OCI_CONFIG, 1470, "sha256+foo-bar" + D2.slice(6)),
    fail: false,
    exception: { ours: "fail" as const, why: UNREGISTERED },
  },
  {
    name: "algorithm sha256.foo-bar",
    doc: desc(OCI_CONFIG, 1470, "sha256.foo-bar" + D2.slice(6)),
    fail: false,
    exception: { ours: "fail" as const, why: UNREGISTERED },
  },
  {
    name: "algorithm multihash+base58",
    doc: desc(OCI_CONFIG, 1470, "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8"),
    fail: false,
    exception: { ours: "fail" as const, why: UNREGISTERED },
  },
  {
    name: "algorithm with repeated separators",
    doc: desc(OCI_CONFIG, 1470, "sha256+foo+-b" + D2.slice(6)),
    fail: true,
    field: "descriptor.digest",
  },
  {
    name: "encoding in base64url",
    doc: desc(OCI_CONFIG, 1000000, "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564"),
    fail: false,
    exception: { ours: "fail" as const, why: UNREGISTERED },
  },
  {
    name: "encoding with '=' padding",
    doc: desc(OCI_CONFIG, 1000000, "sha256+b64u.unknownlength:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564="),
    fail: false,
    exception: { ours: "fail" as const, why: UNREGISTERED },
  },
  { name: "negative size", doc: desc(OCI_MANIFEST, -7682, D1), fail: true, field: "descriptor.size" },
].map((c) => ({ kind: "descriptor" as const, source: SPEC("descriptor_test.go"), ...c }));

const ownDescriptorCases: DocCase[] = [
  {
    name: "urls: a relative path is not a URI",
    doc: desc(DOCKER_GZIP, 1, D1, { urls: ["/layers/base.tar.gz"] }),
    fail: true,
    field: "descriptor.urls[0]",
  },
  {
    name: "urls: a space inside",
    doc: desc(DOCKER_GZIP, 1, D1, { urls: ["https://exa mple.com/x"] }),
    fail: true,
    field: "descriptor.urls[0]",
  },
  {
    name: "urls: the second entry is bad",
    doc: desc(DOCKER_GZIP, 1, D1, { urls: ["https://a.example/x", "not a uri"] }),
    fail: true,
    field: "descriptor.urls[1]",
  },
  {
    name: "urls: percent-encoded and with a query",
    doc: desc(DOCKER_GZIP, 1, D1, { urls: ["https://mcr.example/v2/a%20b/blobs/sha256:00?x=1&y=2"] }),
    fail: false,
  },
  { name: "urls: not an array", doc: desc(DOCKER_GZIP, 1, D1, { urls: "https://a.example/x" }), fail: true, field: "descriptor.urls" },
].map((c) => ({ kind: "descriptor" as const, source: OURS, ...c }));

const manifestCases: DocCase[] = [
  {
    name: "config mediaType not a media type",
    doc: manifest(desc("invalid", 1470, D2), [desc(OCI_GZIP, 148, D5)]),
    fail: true,
    field: "config.mediaType",
  },
  {
    name: "top-level mediaType not a media type",
    doc: manifest(desc(OCI_CONFIG, 1470, D2), [desc(OCI_GZIP, 148, D5)], { mediaType: "invalid" }),
    fail: true,
    field: "mediaType",
  },
  {
    name: "config size as a string",
    doc: manifest(desc(OCI_CONFIG, "1470", D2), [desc(OCI_GZIP, 148, D5)]),
    fail: true,
    field: "config.size",
  },
  {
    name: "layer size as a string",
    doc: manifest(desc(OCI_CONFIG, 1470, D2), [desc(OCI_GZIP, "675598", D2)]),
    fail: true,
    field: "layers[0].size",
  },
  {
    name: "unknown layer type with a string size",
    doc: manifest(desc(OCI_CONFIG, 1470, D2), [desc("application/vnd.other.layer", "675598", D2)], { mediaType: OCI_MANIFEST }),
    fail: true,
    field: "layers[0].size",
  },
  {
    name: "config digest not hex",
    doc: manifest(desc(OCI_CONFIG, 1470, "sha256:c86f7763873b6c0aaehhhhhhhhhhhhhhhhmmmmmmmmmmmmmmmm22d9h3bab59b4f"), []),
    fail: true,
    field: "config.digest",
  },
  {
    name: "valid with optional fields",
    doc: manifest(desc(OCI_CONFIG, 1470, D2), three, { mediaType: OCI_MANIFEST, annotations: { key1: "value1", key2: "value2" } }),
    fail: false,
  },
  { name: "valid with only required fields", doc: manifest(desc(OCI_CONFIG, 1470, D2), three), fail: false },
  {
    name: "no layers",
    doc: manifest(desc(OCI_CONFIG, 1470, D2), []),
    fail: true,
    exception: {
      ours: "pass" as const,
      why: "layerlens reads `layers: []` (artifacts, umoci's empty image); the schema's minItems 1 forbids it",
    },
  },
  {
    name: "digest algorithms at the grammar's bounds",
    doc: manifest(desc(OCI_CONFIG, 1470, "sha256+b64" + D2.slice(6)), [
      desc(OCI_GZIP, 1470, "sha256+foo-bar" + D2.slice(6)),
      desc(OCI_GZIP, 1470, "sha256.foo-bar" + D2.slice(6)),
      desc(OCI_GZIP, 1470, "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8"),
    ]),
    fail: false,
    exception: { ours: "fail" as const, why: UNREGISTERED },
  },
  {
    name: "digest algorithm past the grammar's bounds",
    doc: manifest(desc(OCI_CONFIG, 1470, "sha256+b64" + D2.slice(6)), [desc(OCI_GZIP, 1470, "sha256+foo+-b" + D2.slice(6))]),
    fail: true,
    field: "config.digest",
    exception: { why: `${UNREGISTERED}; so the config's sha256+b64 digest is refused before the layer's` },
  },
].map((c) => ({ kind: "manifest" as const, source: SPEC("manifest_test.go"), ...c }));

const dockerHubManifest = {
  schemaVersion: 2,
  mediaType: DOCKER_MANIFEST,
  config: desc("application/octet-stream", 3210, "sha256:5359a4f250650c20227055957e353e8f8a74152f35fe36f00b6b1f9fc19c8861"),
  layers: [
    desc(DOCKER_GZIP, 2310272, "sha256:fae91920dcd4542f97c9350b3157139a5d901362c2abec284de5ebd1b45b4957"),
    desc(DOCKER_GZIP, 913022, "sha256:f384f6ab36adad485192f09379c0b58dc612a3cde82c551e082a7c29a87c95da"),
    desc(DOCKER_GZIP, 9861668, "sha256:ed0d2dd5e1a0e5e650a330a864c8a122e9aa91fa6ba9ac6f0bd1882e59df55e7"),
    desc(DOCKER_GZIP, 465, "sha256:ec4d00b58417c45f7ddcfde7bcad8c9d62a7d6d5d17cdc1f7d79bcb2e22c1491"),
  ],
};
/** The spec's backwards-compatibility tests rename Docker's media types to OCI's before validating. */
const toOci = (v: unknown) =>
  JSON.parse(
    JSON.stringify(v)
      .replaceAll(DOCKER_MANIFEST, OCI_MANIFEST)
      .replaceAll(DOCKER_GZIP, OCI_GZIP)
      .replaceAll(DOCKER_CONFIG, OCI_CONFIG)
      .replaceAll("application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.oci.image.index.v1+json"),
  );

const compatManifestCases: DocCase[] = [
  { name: "Docker Hub manifest, renamed to OCI types", doc: toOci(dockerHubManifest), fail: false },
].map((c) => ({ kind: "manifest" as const, source: SPEC("backwards_compatibility_test.go"), ...c }));

const ownManifestCases: DocCase[] = [
  { name: "Docker Hub manifest as pulled", doc: dockerHubManifest, fail: false },
  { name: "Docker schema 2 with a Docker tar layer", doc: dockerManifest("application/vnd.docker.image.rootfs.diff.tar"), fail: false },
  {
    name: "Docker schema 2 with a foreign tar layer",
    doc: dockerManifest("application/vnd.docker.image.rootfs.foreign.diff.tar"),
    fail: false,
  },
  {
    name: "Docker schema 2 with a foreign tar.gzip layer",
    doc: dockerManifest("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"),
    fail: false,
  },
  {
    name: "Docker schema 2 with a Docker zstd layer",
    doc: dockerManifest("application/vnd.docker.image.rootfs.diff.tar.zstd"),
    fail: true,
    field: "layers[0].mediaType",
    exception: {
      schema: "pass" as const,
      why: "the OCI schema knows nothing of Docker's media types; Docker's spec and skopeo allow only tar, tar.gzip and foreign layers",
    },
  },
  {
    name: "Docker schema 2 with an OCI zstd layer",
    doc: dockerManifest("application/vnd.oci.image.layer.v1.tar+zstd"),
    fail: true,
    field: "layers[0].mediaType",
    exception: { schema: "pass" as const, why: "as above: mixing OCI layer types into a Docker manifest is refused by skopeo" },
  },
  {
    name: "OCI manifest with a zstd layer",
    doc: manifest(desc(OCI_CONFIG, 1470, D2), [desc("application/vnd.oci.image.layer.v1.tar+zstd", 148, D5)], { mediaType: OCI_MANIFEST }),
    fail: false,
  },
  {
    name: "foreign layer with a URI",
    doc: {
      ...dockerManifest("application/vnd.docker.image.rootfs.foreign.diff.tar"),
      layers: [
        desc("application/vnd.docker.image.rootfs.foreign.diff.tar", 148, D5, {
          urls: ["https://mcr.microsoft.com/v2/windows/nanoserver/blobs/" + D5],
        }),
      ],
    },
    fail: false,
  },
  {
    name: "foreign layer with a URL that is not a URI",
    doc: {
      ...dockerManifest("application/vnd.docker.image.rootfs.foreign.diff.tar"),
      layers: [desc("application/vnd.docker.image.rootfs.foreign.diff.tar", 148, D5, { urls: ["mcr.microsoft.com windows"] })],
    },
    fail: true,
    field: "layers[0].urls[0]",
  },
  { name: "layers as an object", doc: manifest(desc(OCI_CONFIG, 1470, D2), { 0: desc(OCI_GZIP, 148, D5) }), fail: true, field: "layers" },
  { name: "a layer as a string", doc: manifest(desc(OCI_CONFIG, 1470, D2), [D5]), fail: true, field: "layers[0]" },
  {
    name: "schemaVersion as a string",
    doc: { ...manifest(desc(OCI_CONFIG, 1470, D2), three), schemaVersion: "2" },
    fail: true,
    field: "schemaVersion",
  },
  {
    name: "annotations as an array",
    doc: manifest(desc(OCI_CONFIG, 1470, D2), three, { annotations: ["a=b"] }),
    fail: true,
    field: "annotations",
  },
].map((c) => ({ kind: "manifest" as const, source: OURS, ...c }));

const plat = (architecture: string, extra: Record<string, unknown> = {}) => ({ architecture, os: "linux", ...extra });
const index = (manifests: unknown, extra: Record<string, unknown> = {}) => ({ schemaVersion: 2, ...extra, manifests });
const indexCases: DocCase[] = [
  {
    name: "entry mediaType not a media type",
    doc: index([desc("invalid", 7143, D6, { platform: plat("ppc64le") })]),
    fail: true,
    field: "manifests[0].mediaType",
  },
  {
    name: "entry size as a string",
    doc: index([desc(OCI_MANIFEST, "7682", D1, { platform: plat("amd64", { features: ["sse4"] }) })]),
    fail: true,
    field: "manifests[0].size",
  },
  {
    name: "entry digest missing",
    doc: index([desc(OCI_MANIFEST, 7682, undefined, { platform: plat("amd64", { features: ["sse4"] }) })]),
    fail: true,
    field: "manifests[0].digest",
  },
  { name: "entry without platform", doc: index([desc(OCI_MANIFEST, 7682, D1)]), fail: false },
  {
    name: "entry mediaType invalid, with platform",
    doc: index([desc("invalid", 7682, D1, { platform: plat("amd64", { features: ["sse4"] }) })]),
    fail: true,
    field: "manifests[0].mediaType",
  },
  {
    name: "entry mediaType empty",
    doc: index([desc("", 7682, D1, { platform: plat("amd64", { features: ["sse4"] }) })]),
    fail: true,
    field: "manifests[0].mediaType",
  },
  {
    name: "valid with optional fields",
    doc: index(
      [
        desc(OCI_MANIFEST, 7143, D6, { platform: plat("ppc64le") }),
        desc(OCI_MANIFEST, 7682, D1, { platform: plat("amd64", { features: ["sse4"] }) }),
      ],
      { annotations: { "com.example.key1": "value1", "com.example.key2": "value2" } },
    ),
    fail: false,
  },
  { name: "valid with only required fields", doc: index([desc(OCI_MANIFEST, 7143, D6, { platform: plat("ppc64le") })]), fail: false },
  {
    name: "entry of a custom media type",
    doc: index([desc("application/customized.manifest+json", 7143, D6, { platform: plat("ppc64le") })]),
    fail: false,
  },
].map((c) => ({ kind: "index" as const, source: SPEC("imageindex_test.go"), ...c }));

const dockerList = {
  schemaVersion: 2,
  mediaType: "application/vnd.docker.distribution.manifest.list.v2+json",
  manifests: [
    desc(DOCKER_MANIFEST, 2094, "sha256:7820f9a86d4ad15a2c4f0c0e5479298df2aa7c2f6871288e2ef8546f3e7b6783", { platform: plat("ppc64le") }),
    desc(DOCKER_MANIFEST, 1922, "sha256:ae1b0e06e8ade3a11267564a26e750585ba2259c0ecab59ab165ad1af41d1bdd", { platform: plat("amd64") }),
    desc(DOCKER_MANIFEST, 2084, "sha256:e4c0df75810b953d6717b8f8f28298d73870e8aa2a0d5e77b8391f16fdfbbbe2", { platform: plat("s390x") }),
    desc(DOCKER_MANIFEST, 2084, "sha256:07ebe243465ef4a667b78154ae6c3ea46fdb1582936aac3ac899ea311a701b40", {
      platform: plat("arm", { variant: "v7" }),
    }),
    desc(DOCKER_MANIFEST, 2090, "sha256:fb2fc0707b86dafa9959fe3d29e66af8787aee4d9a23581714be65db4265ad8a", {
      platform: plat("arm64", { variant: "v8" }),
    }),
  ],
};
const ownIndexCases: DocCase[] = [
  { name: "Docker manifest list as pulled", doc: dockerList, fail: false, source: OURS },
  {
    name: "Docker manifest list, renamed to OCI types",
    doc: toOci(dockerList),
    fail: false,
    source: SPEC("backwards_compatibility_test.go"),
  },
  {
    name: "platform os missing",
    doc: index([desc(OCI_MANIFEST, 7682, D1, { platform: { architecture: "amd64" } })]),
    fail: true,
    field: "manifests[0].platform.os",
    source: OURS,
  },
  {
    name: "platform os.features not an array",
    doc: index([desc(OCI_MANIFEST, 7682, D1, { platform: plat("amd64", { "os.features": "x" }) })]),
    fail: true,
    field: 'manifests[0].platform["os.features"]',
    source: OURS,
  },
  { name: "manifests as an object", doc: index({}), fail: true, field: "manifests", source: OURS },
  { name: "an entry as null", doc: index([null]), fail: true, field: "manifests[0]", source: OURS },
].map((c) => ({ kind: "index" as const, ...c }));

const fullConfig = {
  created: "2015-10-31T22:22:56.015925234Z",
  author: "Alyssa P. Hacker <alyspdev@example.com>",
  architecture: "arm64",
  variant: "v8",
  os: "linux",
  config: {
    User: "1:1",
    ExposedPorts: { "8080/tcp": {} },
    Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "FOO=docker_is_a_really", "BAR=great_tool_you_know"],
    Entrypoint: ["/bin/sh"],
    Cmd: ["--foreground", "--config", "/etc/my-app.d/default.cfg"],
    Volumes: { "/var/job-result-data": {}, "/var/log/my-app-logs": {} },
    StopSignal: "SIGKILL",
    WorkingDir: "/home/alice",
    Labels: {
      "com.example.project.git.url": "https://example.com/project.git",
      "com.example.project.git.commit": "45a939b2999782a3f005621a8d0f29aa387e1d6b",
    },
  },
  rootfs: rootfs(D3, D4),
  history: [
    {
      created: "2015-10-31T22:22:54.690851953Z",
      created_by: "/bin/sh -c #(nop) ADD file:a3bc1e842b69636f9df5256c49c5374fb4eef1e281fe3f282c65fb853ee171c5 in /",
    },
    { created: "2015-10-31T22:22:55.613815829Z", created_by: '/bin/sh -c #(nop) CMD ["sh"]', empty_layer: true },
  ],
};
const configCases: DocCase[] = [
  { name: "os as a number", doc: cfg({ os: 123 }), fail: true, field: "os" },
  { name: "variant as a number", doc: cfg({ architecture: "arm64", variant: 123 }), fail: true, field: "variant" },
  {
    name: "config.User as a number",
    doc: cfg({ created: fullConfig.created, author: fullConfig.author, config: { User: 1234 } }),
    fail: true,
    field: "config.User",
  },
  { name: "history as a string (and os a number)", doc: cfg({ history: "should be an array", os: 123 }), fail: true },
  { name: "Env entry a number (and os a number)", doc: cfg({ os: 123, config: { Env: [7353] } }), fail: true },
  {
    name: "Volumes as an array (and os a number)",
    doc: cfg({ os: 123, config: { Volumes: ["/var/job-result-data", "/var/log/my-app-logs"] } }),
    fail: true,
  },
  { name: "not JSON", doc: "invalid JSON", fail: true, field: "" },
  { name: "valid with optional fields", doc: fullConfig, fail: false },
  { name: "valid with only required fields", doc: cfg({}), fail: false },
  {
    name: "Env entry without '='",
    doc: cfg({ config: { Env: ["foo"] } }),
    fail: true,
    field: "config.Env[0]",
    exception: { schema: "pass" as const, why: "the schema only types Env as strings; the spec's validator wants NAME=VALUE, as we do" },
  },
].map((c) => ({ kind: "config" as const, source: SPEC("config_test.go"), ...c }));

const ownConfigCases: DocCase[] = [
  { name: "Volumes as an array, otherwise valid", doc: cfg({ config: { Volumes: ["/data"] } }), fail: true, field: "config.Volumes" },
  { name: "ExposedPorts as an array", doc: cfg({ config: { ExposedPorts: ["80/tcp"] } }), fail: true, field: "config.ExposedPorts" },
  {
    name: "ExposedPorts member not an object",
    doc: cfg({ config: { ExposedPorts: { "80/tcp": true } } }),
    fail: true,
    field: 'config.ExposedPorts["80/tcp"]',
  },
  {
    name: "Volumes member a string",
    doc: cfg({ config: { Volumes: { "/data": "/data" } } }),
    fail: true,
    field: 'config.Volumes["/data"]',
  },
  { name: "Volumes as a string", doc: cfg({ config: { Volumes: "/data" } }), fail: true, field: "config.Volumes" },
  {
    name: "Volumes null",
    doc: cfg({ config: { Volumes: null } }),
    fail: false,
  },
  {
    name: "Env null (Go's nil slice)",
    doc: cfg({ config: { Env: null } }),
    fail: true,
    exception: {
      ours: "pass" as const,
      why: "null for an optional config array or map is read as absent: Go tools write unset slices and maps as null",
    },
  },
  { name: "Env entry with an empty value", doc: cfg({ config: { Env: ["EMPTY="] } }), fail: false },
  {
    name: "Env entry with an empty name",
    doc: cfg({ config: { Env: ["=x"] } }),
    fail: true,
    field: "config.Env[0]",
    exception: { schema: "pass" as const, why: "as for Env without '='" },
  },
  { name: "history created not a date", doc: cfg({ history: [{ created: "yesterday" }] }), fail: true, field: "history[0].created" },
  { name: "history created_by a number", doc: cfg({ history: [{ created_by: 5 }] }), fail: true, field: "history[0].created_by" },
  { name: "ArgsEscaped a string", doc: cfg({ config: { ArgsEscaped: "true" } }), fail: true, field: "config.ArgsEscaped" },
  { name: "os.features a string", doc: cfg({ "os.features": "win32k" }), fail: true, field: "os.features" },
  { name: "created not RFC 3339", doc: cfg({ created: "Tue, 10 Oct 2016 23:04:00 GMT" }), fail: true, field: "created" },
  { name: "rootfs.diff_ids as a string", doc: cfg({ rootfs: { type: "layers", diff_ids: D7 } }), fail: true, field: "rootfs.diff_ids" },
].map((c) => ({ kind: "config" as const, source: OURS, ...c }));

export const DOCUMENT_CASES: readonly DocCase[] = [
  ...descriptorCases,
  ...ownDescriptorCases,
  ...manifestCases,
  ...compatManifestCases,
  ...ownManifestCases,
  ...indexCases,
  ...ownIndexCases,
  ...configCases,
  ...ownConfigCases,
];
