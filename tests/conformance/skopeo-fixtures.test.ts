// Differential test against skopeo's recorded answers: for every tag of the fixture layouts
// and the other layouts and archives, what `layerlens inspect --json` reports must equal
// skopeo's inspect (fixtures/expected/<tag>/skopeo-inspect.json), its raw manifest
// (manifest.json) and raw config (config.json), field by field. Expected values are read from
// the files skopeo wrote, never typed here.
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { InspectReport } from "../../src/cli/inspect.js";
import { fixture, skipFixtures } from "./fixtures-dir.js";

const skip = skipFixtures();

/** Run the CLI in-process and parse its --json output; fails on a non-zero exit. */
export async function inspectJson(...args: string[]): Promise<InspectReport> {
  let out = "";
  let err = "";
  const code = await main(["inspect", ...args, "--json"], { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  if (code !== 0) throw new Error(`inspect ${args.join(" ")} exited ${code}: ${err}`);
  return JSON.parse(out) as InspectReport;
}

const readJson = (...p: string[]) => JSON.parse(readFileSync(fixture(...p), "utf8"));
const sha256 = (b: Buffer) => "sha256:" + createHash("sha256").update(b).digest("hex");

/** skopeo inspect's fields, as our report gives them. */
function asSkopeo(r: InspectReport) {
  return {
    Digest: r.digest,
    Created: r.config.created,
    Labels: Object.keys(r.config.labels).length ? r.config.labels : null,
    Architecture: r.config.architecture,
    Os: r.config.os,
    ...(r.config.variant ? { Variant: r.config.variant } : {}),
    Layers: r.layers.map((l) => l.digest),
    Env: r.config.env.length ? r.config.env : null,
  };
}

function skopeoFields(s: Record<string, unknown>) {
  const { Digest, Created, Labels, Architecture, Os, Variant, Layers, Env } = s;
  return { Digest, Created, Labels: Labels ?? null, Architecture, Os, ...(Variant ? { Variant } : {}), Layers, Env: Env ?? null };
}

/** The raw manifest skopeo printed, field by field against the report. */
function expectManifest(r: InspectReport, raw: Buffer) {
  const m = JSON.parse(raw.toString("utf8"));
  expect(r.manifest.digest).toBe(sha256(raw));
  expect(r.manifest.size).toBe(raw.length);
  // umoci omits the manifest's own mediaType; the report then gives the descriptor's.
  expect(r.manifest.mediaType).toBe(m.mediaType ?? "application/vnd.oci.image.manifest.v1+json");
  expect(r.manifest.annotations).toEqual(m.annotations ?? {});
  expect({ digest: r.config.digest, size: r.config.size, mediaType: r.config.mediaType }).toEqual({ digest: m.config.digest, size: m.config.size, mediaType: m.config.mediaType });
  expect(r.layers.map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType, ...(l.annotations ? { annotations: l.annotations } : {}) })))
    .toEqual(m.layers.map((l: Record<string, unknown>) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType, ...(l.annotations ? { annotations: l.annotations } : {}) })));
}

/** The raw config skopeo printed, field by field against the report. */
function expectConfig(r: InspectReport, raw: Buffer, checkDigest = true) {
  const c = JSON.parse(raw.toString("utf8"));
  const cc = c.config ?? {};
  if (checkDigest) expect(r.config.digest).toBe(sha256(raw));
  expect(r.config).toMatchObject({
    created: c.created ?? null, author: c.author ?? null, architecture: c.architecture, os: c.os, variant: c.variant ?? null,
    env: cc.Env ?? [], entrypoint: cc.Entrypoint ?? [], cmd: cc.Cmd ?? [], user: cc.User ?? "", workingDir: cc.WorkingDir ?? "",
    labels: cc.Labels ?? {}, exposedPorts: Object.keys(cc.ExposedPorts ?? {}), volumes: Object.keys(cc.Volumes ?? {}), stopSignal: cc.StopSignal ?? null,
  });
  expect(r.layers.map((l) => l.diffId)).toEqual(c.rootfs.diff_ids);
  expect(r.history.map((h) => ({ created: h.created, created_by: h.createdBy, author: h.author, comment: h.comment, empty_layer: h.emptyLayer })))
    .toEqual((c.history ?? []).map((h: Record<string, unknown>) => ({ created: h.created ?? null, created_by: h.created_by ?? null, author: h.author ?? null, comment: h.comment ?? null, empty_layer: h.empty_layer === true })));
}

const TAGS = ["empty", "v1", "v2", "v3", "v4", "v5", "v6", "latest", "gnutar", "multi-amd64", "multi-arm64"];

describe.skipIf(skip)("layout tags against skopeo's recorded answers", () => {
  for (const tag of TAGS) {
    it(`oci:layout:${tag}`, async () => {
      const r = await inspectJson(`oci:${fixture("layout")}:${tag}`);
      expect(asSkopeo(r)).toEqual(skopeoFields(readJson("expected", tag, "skopeo-inspect.json")));
      expectManifest(r, readFileSync(fixture("expected", tag, "manifest.json")));
      expectConfig(r, readFileSync(fixture("expected", tag, "config.json")));
      // layers.tsv: index, blob digest, diff_id, blob size (from umoci)
      const rows = readFileSync(fixture("expected", tag, "layers.tsv"), "utf8").trim().split("\n").filter(Boolean).map((l) => l.split("\t"));
      expect(r.layers.map((l) => [String(l.index), l.digest, l.diffId, String(l.size)])).toEqual(rows);
      expect(r.layers.every((l) => l.uncompressedSize !== null && l.uncompressedSize > 0)).toBe(true);
    });
  }
});

describe.skipIf(skip)("other layouts and archives against skopeo", () => {
  for (const name of ["layout-zstd", "layout-zstd-chunked", "layout-uncompressed", "layout-from-docker-archive"]) {
    it(`oci:${name}:latest`, async () => {
      const r = await inspectJson(`oci:${fixture(name)}:latest`);
      expectManifest(r, readFileSync(fixture("expected", name, "manifest-or-index.json")));
      expectConfig(r, readFileSync(fixture("expected", name, "config.json")));
    });
  }

  for (const [platform, file] of [["linux/amd64", "inspect-amd64.json"], ["linux/arm64", "inspect-arm64.json"]]) {
    it(`oci:layout-multi:multi --platform ${platform}`, async () => {
      const r = await inspectJson(`oci:${fixture("layout-multi")}:multi`, "--platform", platform);
      expect(asSkopeo(r)).toEqual(skopeoFields(readJson("expected", "layout-multi", file)));
      const index = readFileSync(fixture("expected", "layout-multi", "manifest-or-index.json"));
      expect(r.indexes[0].digest).toBe(sha256(index));
      expect(r.indexes[0].manifests.map((m) => m.digest)).toEqual(JSON.parse(index.toString()).manifests.map((m: { digest: string }) => m.digest));
    });
  }

  it("the Docker manifest list layout (which skopeo 1.9 cannot read) gives the same images", async () => {
    for (const p of ["linux/amd64", "linux/arm64/v8"]) {
      const a = await inspectJson(`oci:${fixture("layout-multi-v2s2list")}:multi`, "--platform", p);
      const b = await inspectJson(`oci:${fixture("layout-multi")}:multi`, "--platform", p);
      expect(a.indexes[0].mediaType).toBe("application/vnd.docker.distribution.manifest.list.v2+json");
      expect(a.layers.map((l) => l.diffId)).toEqual(b.layers.map((l) => l.diffId));
      expect(a.config.env).toEqual(b.config.env);
    }
  });

  it("oci-archive demo.oci.tar equals the layout's latest", async () => {
    const r = await inspectJson(`oci-archive:${fixture("archives", "demo.oci.tar")}`);
    expect(asSkopeo(r)).toEqual(skopeoFields(readJson("expected", "latest", "skopeo-inspect.json")));
    expectConfig(r, readFileSync(fixture("expected", "latest", "config.json")));
  });

  it("oci-archive multi.oci.tar (an index) picks each platform", async () => {
    for (const [p, file] of [["linux/amd64", "inspect-amd64.json"], ["linux/arm64", "inspect-arm64.json"]]) {
      const r = await inspectJson(`oci-archive:${fixture("archives", "multi.oci.tar")}:multi`, "--platform", p);
      expect(asSkopeo(r)).toEqual(skopeoFields(readJson("expected", "layout-multi", file)));
    }
  });

  it("docker-archive demo.docker.tar: every RepoTag and the auto-detected path give the same image", async () => {
    const manifest = readJson("expected", "demo.docker.tar-manifest.json")[0];
    const reports = [
      await inspectJson(fixture("archives", "demo.docker.tar")),
      ...await Promise.all(manifest.RepoTags.map((t: string) => inspectJson(`docker-archive:${fixture("archives", "demo.docker.tar")}:${t}`))),
    ];
    for (const r of reports) {
      expect(r.config.digest).toBe("sha256:" + manifest.Config.replace(/\.json$/, ""));
      expect(r.layers.map((l) => l.digest + ".tar")).toEqual(manifest.Layers.map((l: string) => "sha256:" + l));
      // skopeo rewrote the config when it made the archive: same fields, other bytes.
      expectConfig(r, readFileSync(fixture("expected", "layout-from-docker-archive", "config.json")), false);
      expect(r.layers.map((l) => l.diffId)).toEqual(r.layers.map((l) => l.digest));
    }
  });
});
