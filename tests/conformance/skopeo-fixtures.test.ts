// Differential test against skopeo's recorded answers: for every tag of the fixture layouts
// and the other layouts and archives, what `layerlens inspect --json` reports must equal
// skopeo's inspect (fixtures/expected/<tag>/skopeo-inspect.json), its raw manifest
// (manifest.json) and raw config (config.json), field by field. Expected values are read from
// the files skopeo wrote, never typed here.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { InspectReport } from "../../src/report/inspect.js";
import { asSkopeo, expectConfig, expectManifest, inspectJson, sha256, skopeoFields } from "./compare.js";
import { fixture, skipFixtures } from "./fixtures-dir.js";

const skip = skipFixtures();
const readJson = (...p: string[]) => JSON.parse(readFileSync(fixture(...p), "utf8"));

const TAGS = ["empty", "v1", "v2", "v3", "v4", "v5", "v6", "latest", "gnutar", "multi-amd64", "multi-arm64"];

describe.skipIf(skip)("layout tags against skopeo's recorded answers", () => {
  for (const tag of TAGS) {
    it(`oci:layout:${tag}`, async () => {
      const r = await inspectJson(`oci:${fixture("layout")}:${tag}`);
      expect(asSkopeo(r)).toEqual(skopeoFields(readJson("expected", tag, "skopeo-inspect.json")));
      expectManifest(r, readFileSync(fixture("expected", tag, "manifest.json")));
      expectConfig(r, readFileSync(fixture("expected", tag, "config.json")));
      // layers.tsv: index, blob digest, diff_id, blob size (from umoci)
      const rows = readFileSync(fixture("expected", tag, "layers.tsv"), "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split("\t"));
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

  for (const [platform, file] of [
    ["linux/amd64", "inspect-amd64.json"],
    ["linux/arm64", "inspect-arm64.json"],
  ]) {
    it(`oci:layout-multi:multi --platform ${platform}`, async () => {
      const r = await inspectJson(`oci:${fixture("layout-multi")}:multi`, "--platform", platform);
      expect(asSkopeo(r)).toEqual(skopeoFields(readJson("expected", "layout-multi", file)));
      const index = readFileSync(fixture("expected", "layout-multi", "manifest-or-index.json"));
      expect(r.indexes[0].digest).toBe(sha256(index));
      expect(r.indexes[0].manifests.map((m) => m.digest)).toEqual(
        JSON.parse(index.toString()).manifests.map((m: { digest: string }) => m.digest),
      );
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
    for (const [p, file] of [
      ["linux/amd64", "inspect-amd64.json"],
      ["linux/arm64", "inspect-arm64.json"],
    ]) {
      const r = await inspectJson(`oci-archive:${fixture("archives", "multi.oci.tar")}:multi`, "--platform", p);
      expect(asSkopeo(r)).toEqual(skopeoFields(readJson("expected", "layout-multi", file)));
    }
  });

  it("docker-archive demo.docker.tar: every RepoTag and the auto-detected path give the same image", async () => {
    const manifest = readJson("expected", "demo.docker.tar-manifest.json")[0];
    const reports: InspectReport[] = [
      await inspectJson(fixture("archives", "demo.docker.tar")),
      await inspectJson(`${fixture("archives", "demo.docker.tar")}:fixtures/demo:v6`), // plain PATH:REPO:TAG
      ...(await Promise.all(
        manifest.RepoTags.map((t: string) => inspectJson(`docker-archive:${fixture("archives", "demo.docker.tar")}:${t}`)),
      )),
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
