// go-containerregistry's test images (fixtures/third-party/ggcr): each either opens, and then
// agrees with skopeo run live on the same file, or fails with the typed error a careful reader
// must give (these are ggcr's own negative cases: a null manifest.json, a missing blob, a
// descriptor whose media type contradicts its document). Divergences from skopeo are named.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { InspectReport } from "../../src/report/inspect.js";
import { fixture, skipFixtures } from "./fixtures-dir.js";
import { skipLive, skopeoInspect } from "./skopeo-live.js";

const skip = skipFixtures();
const G = (...p: string[]) => fixture("third-party", "ggcr", "pkg", ...p);

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(["inspect", ...args, "--json"], {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

/** What skopeo's inspect and ours share. */
function common(r: InspectReport) {
  return {
    Digest: r.digest,
    Architecture: r.config.architecture,
    Os: r.config.os,
    Created: r.config.created,
    Layers: r.layers.map((l) => l.digest),
    Env: r.config.env.length ? r.config.env : null,
    Labels: Object.keys(r.config.labels).length ? r.config.labels : null,
  };
}
function skopeoCommon(s: Record<string, unknown>) {
  return {
    Digest: s.Digest,
    Architecture: s.Architecture,
    Os: s.Os,
    Created: s.Created,
    Layers: s.Layers,
    Env: s.Env ?? null,
    Labels: s.Labels ?? null,
  };
}

const tar = (f: string) => G("v1", "tarball", "testdata", f);
const mut = (f: string) => G("v1", "mutate", "testdata", f);
const lay = (d: string) => G("v1", "layout", "testdata", d);

// [spec, how it compares with skopeo: "skopeo" (the same spec), "skopeo:SPEC" (skopeo asked for SPEC), or why it is not compared]
const OPENS: [string, string][] = [
  [`docker-archive:${tar("test_image_1.tar")}`, "skopeo"],
  [`docker-archive:${tar("test_image_2.tar")}`, "skopeo"],
  [`docker-archive:${tar("test_load_manifest.tar")}`, "skopeo"],
  // skopeo 1.9 normalises the bare RepoTag "test_image_1" and then cannot find it: ask it by index.
  [`docker-archive:${tar("test_bundle.tar")}:test_image_1`, `skopeo:docker-archive:${tar("test_bundle.tar")}:@1`],
  [`docker-archive:${tar("test_bundle.tar")}:test_image_2`, `skopeo:docker-archive:${tar("test_bundle.tar")}:@0`],
  [`docker-archive:${tar("test_bundle.tar")}:@1`, "skopeo"],
  [`docker-archive:${tar("test_link.tar")}:bazel/v1/tarball:test_image_1`, "skopeo"],
  [
    `docker-archive:${tar("test_link.tar")}:bazel/v1/tarball:test_image_3`,
    "skopeo reports the size of the symlinked layer.tar as 0; we follow the link",
  ],
  [`docker-archive:${tar("hello-world-v25.tar")}`, "skopeo"],
  [`docker-archive:${tar("no_manifest.tar")}`, "skopeo cannot read archives with only `repositories`"],
  [`docker-archive:${mut("source_image.tar")}`, "skopeo"],
  [`docker-archive:${mut("source_image_with_empty_layer_history.tar")}`, "skopeo"],
  [`docker-archive:${mut("overwritten_file.tar")}`, "skopeo"],
  [`docker-archive:${mut("whiteout_image.tar")}`, "skopeo"],
  [`docker-archive:${mut("whiteout_dir.tar")}`, "skopeo serves gzip members decompressed; we describe the stored bytes"],
  [`oci:${lay("test_index_one_image")}`, "skopeo"],
  [`oci:${lay("test_index")}:2`, "skopeo 1.9 rejects the descriptor media type application/vnd.oci.descriptor.v1+json"],
  [`oci:${lay("test_index_media_type")}`, "an artifact (Helm config): skopeo refuses, we report it as an artifact"],
];

const FAILS: [string, string][] = [
  [tar("content.tar"), "ARCHIVE"], // a layer, not an image
  [fixture("third-party", "ggcr", "pkg", "crane", "testdata", "content.tar.zst"), "ARCHIVE"],
  [`docker-archive:${tar("null_manifest.tar")}`, "INVALID_MANIFEST"], // manifest.json is `null`
  [`docker-archive:${tar("test_bundle.tar")}`, "INVALID_REFERENCE"], // two images, none named
  [`docker-archive:${tar("test_bundle.tar")}:nope:latest`, "NOT_FOUND"],
  [`oci:${lay("test_gc_image_unknown_mediatype")}`, "NOT_FOUND"], // its blob is not there
  [`oci:${lay("test_index")}:1`, "INVALID_MANIFEST"], // OCI descriptor, Docker document
  [`oci:${lay("test_index")}`, "NOT_FOUND"], // four tags, none named
];

describe.skipIf(skip)("go-containerregistry test images", () => {
  for (const [spec, how] of OPENS) {
    const against = how === "skopeo" ? spec : how.startsWith("skopeo:") ? how.slice(7) : undefined;
    it(`opens ${spec.replace(G(), "ggcr")}${against ? " (= skopeo)" : ""}`, async () => {
      const { code, out, err } = await run(spec);
      expect(err).toBe("");
      expect(code).toBe(0);
      const r = JSON.parse(out) as InspectReport;
      expect(r.layers.length).toBeGreaterThan(0);
      if (against && !skipLive) expect(common(r)).toEqual(skopeoCommon(skopeoInspect(against)));
    });
  }

  for (const [spec, code] of FAILS) {
    it(`refuses ${spec.replace(G(), "ggcr")} with ${code}`, async () => {
      const r = await run(spec);
      expect(r.code).toBe(1);
      expect(r.out).toBe("");
      expect(r.err).toMatch(new RegExp(`^layerlens: ${code}: \\S`));
      expect(r.err.split("\n").length).toBe(2); // one line, no stack trace
    });
  }

  it("no_manifest.tar (legacy `repositories` + parent chain): diff_ids are the layer.tar hashes", async () => {
    const file = tar("no_manifest.tar");
    const r = JSON.parse((await run(`docker-archive:${file}`)).out) as InspectReport;
    const repos = JSON.parse(execFileSync("tar", ["xOf", file, "repositories"], { encoding: "utf8" }));
    const top = repos["bazel/v1/tarball"]["test_image"];
    const layer = execFileSync("tar", ["xOf", file, `${top}/layer.tar`]);
    expect(r.layers.map((l) => l.diffId)).toEqual(["sha256:" + createHash("sha256").update(layer).digest("hex")]);
    expect(r.config.created).toBe("1970-01-01T00:00:00Z");
  });
});
