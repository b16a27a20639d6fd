// docker://REF end to end: a real docker-registry (the registry suite's harness) holding the
// sample and the multi-platform fixture, pushed by skopeo; `inspect docker://…` must equal
// `skopeo inspect docker://…` field by field, per platform for the index.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSampleLayout } from "../../src/node/sample.js";
import { startRegistry, type RunningRegistry } from "../registry/harness/registry.js";
import { canRun } from "../registry/harness/tools.js";
import { asSkopeo, expectConfig, expectManifest, inspectJson, skopeoFields } from "./compare.js";
import { fixture } from "./fixtures-dir.js";
import { skopeo, skopeoInspect } from "./skopeo-live.js";

const run = canRun("registry inspect");
let reg: RunningRegistry;
const tmp = mkdtempSync(join(tmpdir(), "layerlens-reg-inspect-"));

beforeAll(async () => {
  if (!run) return;
  reg = await startRegistry();
  const L = await writeSampleLayout(join(tmp, "sample"));
  skopeo("copy", "-q", "--dest-tls-verify=false", `oci:${L}:latest`, `docker://${reg.host}/sample:latest`);
  skopeo("copy", "-q", "--all", "--dest-tls-verify=false", `oci:${fixture("layout-multi")}:multi`, `docker://${reg.host}/multi:latest`);
}, 120_000);

afterAll(async () => {
  await reg?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!run)("inspect docker:// equals skopeo inspect docker://", () => {
  it("the sample image", async () => {
    const spec = `docker://${reg.host}/sample:latest`;
    const r = await inspectJson(spec);
    expect(asSkopeo(r)).toEqual(skopeoFields(skopeoInspect(spec, "--tls-verify=false")));
    expectManifest(r, Buffer.from(skopeo("inspect", "--tls-verify=false", "--raw", spec)));
    expectConfig(r, Buffer.from(skopeo("inspect", "--tls-verify=false", "--config", "--raw", spec)));
  });

  for (const arch of ["amd64", "arm64"]) {
    it(`the multi-platform index, ${arch}`, async () => {
      const spec = `docker://${reg.host}/multi:latest`;
      const r = await inspectJson(spec, "--platform", `linux/${arch}`);
      expect(asSkopeo(r)).toEqual(skopeoFields(skopeoInspect(spec, "--tls-verify=false", "--override-arch", arch)));
      expect(r.indexes).toHaveLength(1);
    });
  }

  it("--referrers on an image with none (distribution 2.8 has no referrers API: tag fallback)", async () => {
    const r = await inspectJson(`docker://${reg.host}/sample:latest`, "--referrers", "--quick");
    expect(r.referrers).toEqual([]);
  });

  it("an unknown tag is a typed error with nothing on stdout", async () => {
    await expect(inspectJson(`docker://${reg.host}/sample:nope`)).rejects.toThrow(/exited 1: layerlens: [A-Z_]+: /);
  });
});
