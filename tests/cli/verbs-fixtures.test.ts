// The peers' verbs against the peers themselves, on every shared fixture: `inspect --format
// skopeo` is compared with `skopeo inspect` run live (every field skopeo prints, in its order,
// and the exact text), `manifest` and `config` with `skopeo inspect --raw` / `--config --raw`
// byte for byte, docker-archive RepoTags in inspect's text and JSON, `tags` on a layout, and
// `referrers` on a layout holding signatures, attestations and SBOMs built here.
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { ReferrersReport } from "../../src/cli/referrers.js";
import type { InspectReport } from "../../src/report/inspect.js";
import { fixture, skipFixtures } from "../helpers/fixtures.js";
import { skipLive } from "../conformance/skopeo-live.js";
import { REPO_ROOT } from "../registry/harness/tools.js";

const skip = skipFixtures() || skipLive;

/** Run the CLI in-process; stdout as bytes, so raw documents are compared unchanged. */
async function cli(...argv: string[]): Promise<{ code: number; out: Buffer; err: string }> {
  const chunks: Buffer[] = [];
  let err = "";
  const code = await main(argv, {
    stdout: (t: string) => void chunks.push(Buffer.from(t, "utf8")),
    stderr: (t: string) => void (err += t),
    stdoutBytes: (b: Uint8Array) => void chunks.push(Buffer.from(b)),
  } as Parameters<typeof main>[1]);
  return { code, out: Buffer.concat(chunks), err };
}

async function ok(...argv: string[]): Promise<Buffer> {
  const r = await cli(...argv);
  if (r.code !== 0) throw new Error(`layerlens ${argv.join(" ")} exited ${r.code}: ${r.err}`);
  return r.out;
}

/** The built CLI as a separate process (npm test builds before it tests). */
function cliProcess(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO_ROOT, "dist", "cli", "main.js"), ...argv], (error, out, err) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, out, err });
    });
  });
}

function skopeo(...args: string[]): Buffer {
  return execFileSync("skopeo", args, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
}

/** skopeo's flags for a platform, and ours. */
function platformFlags(platform?: string): { skopeo: string[]; ours: string[] } {
  if (!platform) return { skopeo: [], ours: [] };
  const [os, arch] = platform.split("/");
  return { skopeo: ["--override-os", os, "--override-arch", arch], ours: ["--platform", platform] };
}

interface Case {
  spec: string;
  platform?: string;
  /** Where the manifests of an index live, to check LayersData against the stored manifest. */
  layoutDir?: string;
}

const TAGS = ["empty", "v1", "v2", "v3", "v4", "v5", "v6", "latest", "gnutar", "multi-amd64", "multi-arm64"];
const CASES: Case[] = [
  ...TAGS.map((t) => ({ spec: `oci:${fixture("layout")}:${t}`, layoutDir: fixture("layout") })),
  ...["layout-zstd", "layout-zstd-chunked", "layout-uncompressed", "layout-from-docker-archive"].map((d) => ({
    spec: `oci:${fixture(d)}:latest`,
    layoutDir: fixture(d),
  })),
  ...["linux/amd64", "linux/arm64"].flatMap((platform) => [
    { spec: `oci:${fixture("layout-multi")}:multi`, platform, layoutDir: fixture("layout-multi") },
    { spec: `oci-archive:${fixture("archives", "multi.oci.tar")}:multi`, platform, layoutDir: fixture("layout-multi") },
  ]),
  { spec: `oci-archive:${fixture("archives", "demo.oci.tar")}`, layoutDir: fixture("layout") },
  { spec: `docker-archive:${fixture("archives", "demo.docker.tar")}` },
  { spec: `docker-archive:${fixture("archives", "demo.docker.tar")}:docker.io/fixtures/demo:v6` },
];

const label = (c: Case) => `${c.spec.replace(fixture(), "FIXTURES")}${c.platform ? ` --platform ${c.platform}` : ""}`;
const sha256 = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");

/** The stored manifest whose layers skopeo listed: the raw manifest, or under an index the entry that matches. */
function storedManifest(
  c: Case,
  raw: Buffer,
  layers: string[],
): { layers: { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }[] } {
  const doc = JSON.parse(raw.toString("utf8"));
  if (!doc.manifests) return doc;
  for (const m of doc.manifests as { digest: string }[]) {
    const inner = JSON.parse(readFileSync(join(c.layoutDir!, "blobs", "sha256", m.digest.slice(7)), "utf8"));
    if (JSON.stringify(inner.layers.map((l: { digest: string }) => l.digest)) === JSON.stringify(layers)) return inner;
  }
  throw new Error(`${label(c)}: no manifest under the index has skopeo's layers`);
}

describe.skipIf(skip)("inspect --format skopeo against skopeo inspect, every fixture", () => {
  for (const c of CASES) {
    it(label(c), async () => {
      const flags = platformFlags(c.platform);
      const theirsText = skopeo(...flags.skopeo, "inspect", c.spec).toString("utf8");
      const oursText = (await ok("inspect", c.spec, ...flags.ours, "--format", "skopeo")).toString("utf8");
      const theirs = JSON.parse(theirsText) as Record<string, unknown>;
      const ours = JSON.parse(oursText) as Record<string, unknown>;
      // Every field skopeo prints, with its value and in its order; LayersData (which skopeo
      // 1.10+ prints after Layers) is the only field we may add.
      const extra = "LayersData" in theirs ? [] : ["LayersData"];
      expect(Object.keys(ours).filter((k) => !extra.includes(k))).toEqual(Object.keys(theirs));
      for (const key of Object.keys(theirs)) expect({ [key]: ours[key] }).toEqual({ [key]: theirs[key] });
      // The text too (Go's indent, escaping and time format), once LayersData is set aside.
      const withoutLayersData = extra.length ? oursText.replace(/\n {4}"LayersData": \[(?:\]|[\s\S]*?\n {4}\]),/, "") : oursText;
      expect(withoutLayersData).toBe(theirsText);
      // LayersData describes the stored manifest's layers, in order.
      const manifest = storedManifest(c, skopeo("inspect", "--raw", c.spec), theirs.Layers as string[]);
      expect(ours.LayersData).toEqual(
        manifest.layers.map((l) => ({ MIMEType: l.mediaType, Digest: l.digest, Size: l.size, Annotations: l.annotations ?? null })),
      );
    });
  }
});

describe.skipIf(skip)("manifest and config print the stored bytes, as skopeo --raw does", () => {
  for (const c of CASES) {
    it(label(c), async () => {
      const flags = platformFlags(c.platform);
      const raw = skopeo("inspect", "--raw", c.spec);
      // Without --platform: what the reference names (an index stays an index), like skopeo --raw.
      expect(sha256(await ok("manifest", c.spec))).toBe(sha256(raw));
      expect((await ok("manifest", c.spec)).equals(raw)).toBe(true);
      const config = skopeo(...flags.skopeo, "inspect", "--config", "--raw", c.spec);
      expect((await ok("config", c.spec, ...flags.ours)).equals(config)).toBe(true);
      if (c.platform) {
        // With --platform under an index: the platform's manifest, whose config is the one above.
        const m = JSON.parse((await ok("manifest", c.spec, ...flags.ours)).toString("utf8"));
        expect(m.config.digest).toBe(sha256(config));
        expect(JSON.parse(raw.toString("utf8")).manifests).toBeDefined();
      }
    });
  }

  it("a blob changed on disk prints nothing and says DIGEST_MISMATCH", async () => {
    // A fresh process: this one remembers verified documents by digest, rightly.
    const dir = mkdtempSync(join(tmpdir(), "layerlens-verbs-"));
    try {
      cpSync(fixture("layout"), dir, { recursive: true });
      const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
      const latest = index.manifests.find(
        (m: { annotations?: Record<string, string> }) => m.annotations?.["org.opencontainers.image.ref.name"] === "latest",
      );
      const manifestPath = join(dir, "blobs", "sha256", latest.digest.slice(7));
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
      const flip = (path: string) => {
        const bytes = readFileSync(path);
        bytes[bytes.length - 3] ^= 1;
        writeFileSync(path, bytes);
      };
      flip(join(dir, "blobs", "sha256", manifest.config.digest.slice(7)));
      const config = await cliProcess("config", `oci:${dir}:latest`);
      expect(config).toMatchObject({ code: 1, out: "" });
      expect(config.err).toMatch(/^layerlens: DIGEST_MISMATCH: /);
      flip(manifestPath);
      const m = await cliProcess("manifest", `oci:${dir}:latest`);
      expect(m).toMatchObject({ code: 1, out: "" });
      expect(m.err).toMatch(/^layerlens: DIGEST_MISMATCH: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(skip)("docker-archive RepoTags in inspect", () => {
  const archive = fixture("archives", "demo.docker.tar");
  const expected = JSON.parse(readFileSync(fixture("expected", "demo.docker.tar-manifest.json"), "utf8"))[0].RepoTags as string[];

  it("JSON carries the chosen image's RepoTags, text shows them", async () => {
    const report = JSON.parse((await ok("inspect", `docker-archive:${archive}`, "--quick", "--json")).toString()) as InspectReport;
    expect(report.repoTags).toEqual(expected);
    const text = (await ok("inspect", archive, "--quick")).toString();
    expect(text).toContain(`RepoTags    ${expected.join(" ")}\n`);
  });

  it("a layout has no RepoTags field", async () => {
    const report = JSON.parse((await ok("inspect", `oci:${fixture("layout")}:latest`, "--quick", "--json")).toString()) as InspectReport;
    expect(report).not.toHaveProperty("repoTags");
  });
});

describe.skipIf(skip)("tags of a layout", () => {
  it("lists index.json's ref.name tags in order, text and JSON", async () => {
    const index = JSON.parse(readFileSync(fixture("layout", "index.json"), "utf8"));
    const names = index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations["org.opencontainers.image.ref.name"]);
    expect((await ok("tags", `oci:${fixture("layout")}`)).toString()).toBe(names.map((n: string) => n + "\n").join(""));
    expect(JSON.parse((await ok("tags", `oci:${fixture("layout")}`, "--json")).toString())).toEqual(names);
  });

  it("a tag or digest in REPO is a usage error", async () => {
    const r = await cli("tags", "docker://127.0.0.1:5000/demo:latest");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^layerlens: USAGE: /);
    expect((await cli("tags", "127.0.0.1:5000/demo", "--page-size", "0")).err).toMatch(/^layerlens: USAGE: .*page-size/);
  });
});

// ---- referrers: artifacts written into a copy of the layout ----

const enc = new TextEncoder();

describe.skipIf(skip)("referrers of a layout image", () => {
  const dir = mkdtempSync(join(tmpdir(), "layerlens-referrers-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(fixture("layout"), dir, { recursive: true });
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
  const image = index.manifests.find(
    (m: { annotations?: Record<string, string> }) => m.annotations?.["org.opencontainers.image.ref.name"] === "latest",
  );
  const subject = { mediaType: image.mediaType, digest: image.digest, size: image.size };

  const put = (bytes: Uint8Array) => {
    const digest = sha256(bytes);
    writeFileSync(join(dir, "blobs", "sha256", digest.slice(7)), bytes);
    return { digest, size: bytes.length };
  };
  const emptyConfig = { mediaType: "application/vnd.oci.empty.v1+json", ...put(enc.encode("{}")) };
  /** An artifact manifest (image-spec's guidance) listed in index.json; returns its descriptor and blob bytes. */
  const artifact = (of: typeof subject, artifactType: string | undefined, layerType: string, payload: string, config = emptyConfig) => {
    const layer = { mediaType: layerType, ...put(enc.encode(payload)) };
    const manifest = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      ...(artifactType ? { artifactType } : {}),
      config,
      layers: [layer],
      subject: of,
    };
    const bytes = enc.encode(JSON.stringify(manifest));
    const desc = { mediaType: "application/vnd.oci.image.manifest.v1+json", ...put(bytes), ...(artifactType ? { artifactType } : {}) };
    index.manifests.push(desc);
    return { desc, manifestSize: bytes.length, blobsSize: config.size + layer.size };
  };
  const sbom = artifact(subject, "application/spdx+json", "application/spdx+json", '{"spdxVersion":"SPDX-2.3"}');
  const sbomSig = artifact(
    sbom.desc,
    "application/vnd.dev.cosign.artifact.sig.v1+json",
    "application/vnd.dev.cosign.simplesigning.v1+json",
    '{"critical":{}}',
  );
  const notation = artifact(subject, "application/vnd.cncf.notary.signature", "application/jose+json", '{"payload":"e30"}');
  const attestation = artifact(
    subject,
    "application/vnd.dsse.envelope.v1+json",
    "application/vnd.dsse.envelope.v1+json",
    '{"payloadType":"application/vnd.in-toto+json"}',
  );
  // Older tools name the type by the config's media type only (no artifactType).
  const cdxConfig = { mediaType: "application/vnd.cyclonedx+json", ...put(enc.encode('{"bomFormat":"CycloneDX"}')) };
  const cyclonedx = artifact(subject, undefined, "application/vnd.cyclonedx+json", '{"bomFormat":"CycloneDX","components":[]}', cdxConfig);
  const other = artifact(subject, "application/vnd.example.thing", "text/plain", "hello");
  writeFileSync(join(dir, "index.json"), JSON.stringify(index));

  const expectNode = (node: ReferrersReport["referrers"][number], a: ReturnType<typeof artifact>, kind: string, type: string) => {
    expect(node).toMatchObject({ digest: a.desc.digest, kind, artifactType: type, size: a.manifestSize, blobsSize: a.blobsSize });
  };

  it("--json: the tree, each referrer named by its type and sized", async () => {
    const r = JSON.parse((await ok("referrers", `oci:${dir}:latest`, "--json")).toString()) as ReferrersReport;
    expect(r.subject.digest).toBe(image.digest);
    expect(r.referrers.map((n) => n.digest)).toEqual([sbom, notation, attestation, cyclonedx, other].map((a) => a.desc.digest));
    expectNode(r.referrers[0], sbom, "SBOM (SPDX)", "application/spdx+json");
    expectNode(r.referrers[0].referrers[0], sbomSig, "cosign signature", "application/vnd.dev.cosign.artifact.sig.v1+json");
    expectNode(r.referrers[1], notation, "notation signature", "application/vnd.cncf.notary.signature");
    expectNode(r.referrers[2], attestation, "in-toto attestation (DSSE)", "application/vnd.dsse.envelope.v1+json");
    expectNode(r.referrers[3], cyclonedx, "SBOM (CycloneDX)", "application/vnd.cyclonedx+json");
    expectNode(r.referrers[4], other, "artifact", "application/vnd.example.thing");
    expect(r.referrers.slice(1).every((n) => n.referrers.length === 0)).toBe(true);
  });

  it("text: a tree with kinds and types; --artifact-type filters", async () => {
    const text = (await ok("referrers", `oci:${dir}:latest`)).toString();
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toContain(image.digest);
    expect(lines[1]).toMatch(new RegExp(`^├── ${sbom.desc.digest}  SBOM \\(SPDX\\)  application/spdx\\+json  `));
    expect(lines[2]).toMatch(new RegExp(`^│   └── ${sbomSig.desc.digest}  cosign signature  `));
    expect(lines[lines.length - 1]).toMatch(new RegExp(`^└── ${other.desc.digest}  artifact  `));
    const only = JSON.parse(
      (await ok("referrers", `oci:${dir}:latest`, "--artifact-type", "application/vnd.cncf.notary.signature", "--json")).toString(),
    );
    expect(only.referrers.map((n: { digest: string }) => n.digest)).toEqual([notation.desc.digest]);
  });

  it("an image without referrers says so", async () => {
    expect((await ok("referrers", `oci:${fixture("layout")}:v1`)).toString()).toMatch(/\(no referrers\)\n$/);
  });
});
