// A docker-archive's layers are typed by their bytes: skopeo's synthesised manifest labels every
// layer ...tar.gzip (kept, so the digest is skopeo's), but the merged view reads each layer as
// what its bytes are, with no "does not match the bytes" warning; an archive holding a zstd layer,
// which Docker schema 2 cannot describe, gets an OCI image manifest.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { LayersReport } from "../../src/report/layers.js";
import type { InspectReport } from "../../src/report/inspect.js";
import { fixture, skipFixtures } from "../helpers/fixtures.js";
import { type LayerCompression, file, writeDockerArchive } from "./build-image.js";
import { ok } from "./in-process.js";

const tmp = mkdtempSync(join(tmpdir(), "layerlens-dockerarchive-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function archive(name: string, kinds: LayerCompression[]): string {
  const path = join(tmp, name);
  writeDockerArchive(path, { layers: kinds.map((compression, i) => ({ compression, entries: [file(`f${i}.txt`, `layer ${i}\n`)] })) });
  return path;
}

describe.skipIf(skipFixtures())("the shared docker-archive fixture", () => {
  it("layers reads every layer without a media-type warning, typed as its bytes are", async () => {
    const r = JSON.parse(await ok("layers", fixture("archives", "demo.docker.tar"), "--json")) as LayersReport;
    expect(r.layers.length).toBeGreaterThan(0);
    for (const l of r.layers) {
      expect(l.warnings.filter((w) => /does not match the bytes/.test(w))).toEqual([]);
      expect(l.mediaType).toBe(`application/vnd.docker.image.rootfs.diff.tar${l.compression === "gzip" ? ".gzip" : ""}`);
    }
    const text = await ok("layers", fixture("archives", "demo.docker.tar"));
    expect(text).not.toContain("does not match the bytes");
  });
});

describe("docker-archives built here", () => {
  it("uncompressed and gzip layers: schema 2 as skopeo writes it, each layer read as its bytes", async () => {
    const path = archive("mixed.tar", ["none", "gzip"]);
    const inspect = JSON.parse(await ok("inspect", path, "--json")) as InspectReport;
    expect(inspect.manifest.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    expect(inspect.layers.map((l) => l.mediaType)).toEqual([
      "application/vnd.docker.image.rootfs.diff.tar.gzip",
      "application/vnd.docker.image.rootfs.diff.tar.gzip",
    ]);
    expect(inspect.layers.map((l) => l.compression)).toEqual(["none", "gzip"]);
    const layers = JSON.parse(await ok("layers", path, "--json")) as LayersReport;
    expect(layers.layers.map((l) => [l.mediaType, l.compression])).toEqual([
      ["application/vnd.docker.image.rootfs.diff.tar", "none"],
      ["application/vnd.docker.image.rootfs.diff.tar.gzip", "gzip"],
    ]);
    expect(layers.layers.flatMap((l) => l.warnings)).toEqual([]);
  });

  it("a zstd layer: an OCI image manifest whose layer types say what the bytes are", async () => {
    const path = archive("zstd.tar", ["none", "gzip", "zstd"]);
    const inspect = JSON.parse(await ok("inspect", path, "--json")) as InspectReport;
    expect(inspect.manifest.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(inspect.config.mediaType).toBe("application/vnd.oci.image.config.v1+json");
    expect(inspect.layers.map((l) => [l.mediaType, l.compression])).toEqual([
      ["application/vnd.oci.image.layer.v1.tar", "none"],
      ["application/vnd.oci.image.layer.v1.tar+gzip", "gzip"],
      ["application/vnd.oci.image.layer.v1.tar+zstd", "zstd"],
    ]);
    const layers = JSON.parse(await ok("layers", path, "--json")) as LayersReport;
    expect(layers.layers.flatMap((l) => l.warnings)).toEqual([]);
    expect(await ok("cat", path, "f2.txt")).toBe("layer 2\n");
  });
});
