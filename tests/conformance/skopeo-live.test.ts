// Images this test builds itself, read by skopeo live and by us: the project's sample layout,
// skopeo's copies of it (oci layout, oci-archive, docker-archive, zstd, uncompressed) and
// umoci's edits of it (new config and a new layer). skopeo's inspect, raw manifest and raw
// config are the expected answers, compared field by field.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSampleLayout } from "../../src/node/sample.js";
import { asSkopeo, expectConfig, expectManifest, inspectJson, skopeoFields } from "./compare.js";
import { SAMPLE_MANIFEST_DIGEST } from "../runtimes/cases/images.js";
import { HAVE_UMOCI, skipLive, skopeo, skopeoInspect } from "./skopeo-live.js";

const tmp = mkdtempSync(join(tmpdir(), "layerlens-live-"));
const L = join(tmp, "layout");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(async () => {
  if (skipLive) return;
  await writeSampleLayout(L);
  const copy = (...a: string[]) => skopeo("copy", "-q", ...a);
  copy(`oci:${L}:latest`, `oci:${L}:copied`);
  copy(`oci:${L}:latest`, `oci-archive:${join(tmp, "s.oci.tar")}:latest`);
  copy("--additional-tag", "example.com/sample:v2", `oci:${L}:latest`, `docker-archive:${join(tmp, "s.docker.tar")}:example.com/sample:v1`);
  copy("--dest-compress-format", "zstd", `oci:${L}:latest`, `oci:${join(tmp, "zstd")}:latest`);
  copy(`docker-archive:${join(tmp, "s.docker.tar")}`, `oci:${join(tmp, "from-docker")}:latest`);
  if (HAVE_UMOCI) {
    const umoci = (...a: string[]) => execFileSync("umoci", a, { stdio: "pipe" });
    umoci(
      "config",
      "--image",
      `${L}:latest`,
      "--tag",
      "configured",
      "--config.env",
      "EXTRA=1",
      "--config.label",
      "edited=yes",
      "--config.cmd",
      "/bin/true",
    );
    const add = join(tmp, "add");
    mkdirSync(join(add, "opt"), { recursive: true });
    writeFileSync(join(add, "opt", "added.txt"), "added by umoci insert\n");
    umoci("insert", "--image", `${L}:configured`, "--tag", "inserted", join(add, "opt"), "/opt");
  }
}, 120_000);

describe.skipIf(skipLive)("images built here: ours equals skopeo live", () => {
  const cases: [string, () => string][] = [
    ["sample layout", () => `oci:${L}:latest`],
    ["skopeo copy to a layout tag", () => `oci:${L}:copied`],
    ["oci-archive", () => `oci-archive:${join(tmp, "s.oci.tar")}:latest`],
    ["docker-archive", () => `docker-archive:${join(tmp, "s.docker.tar")}`],
    ["docker-archive by its second tag", () => `docker-archive:${join(tmp, "s.docker.tar")}:example.com/sample:v2`],
    ["zstd layout", () => `oci:${join(tmp, "zstd")}:latest`],
    ["layout converted from the docker-archive", () => `oci:${join(tmp, "from-docker")}:latest`],
  ];
  if (HAVE_UMOCI) cases.push(["umoci config", () => `oci:${L}:configured`], ["umoci insert", () => `oci:${L}:inserted`]);

  for (const [name, spec] of cases) {
    it(name, async () => {
      const s = spec();
      const r = await inspectJson(s);
      expect(asSkopeo(r)).toEqual(skopeoFields(skopeoInspect(s)));
      expectManifest(r, Buffer.from(skopeo("inspect", "--raw", s)));
      expectConfig(r, Buffer.from(skopeo("inspect", "--config", "--raw", s)));
      expect(r.layers.every((l) => l.uncompressedSize !== null)).toBe(true);
    });
  }

  it("the sample's digest, a known answer of the runtime cases, is skopeo's", () => {
    expect(skopeoInspect(`oci:${L}:latest`).Digest).toBe(SAMPLE_MANIFEST_DIGEST);
  });

  it("umoci's edits show up as skopeo sees them", async () => {
    if (!HAVE_UMOCI) return;
    const r = await inspectJson(`oci:${L}:inserted`);
    expect(r.config.env).toContain("EXTRA=1");
    expect(r.config.labels.edited).toBe("yes");
    expect(r.layers).toHaveLength(4);
  });
});
