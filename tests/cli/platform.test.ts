// `--platform` names what the image must offer: a multi-platform index picks the entry, a single
// image must be of that platform, and a platform not offered is a NOT_FOUND error listing the
// platforms the image has, never a silent pick of another one.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { InspectReport } from "../../src/report/inspect.js";
import { fixture, skipFixtures } from "../helpers/fixtures.js";
import { file, writeLayout } from "./build-image.js";
import { cli, ok } from "./in-process.js";

const tmp = mkdtempSync(join(tmpdir(), "layerlens-platform-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const layout = join(tmp, "layout");
writeLayout(layout, { arm: { architecture: "arm64", variant: "v8", layers: [{ entries: [file("a.txt", "arm\n")] }] } });
const ARM = `oci:${layout}:arm`;

describe("--platform on a single-platform image", () => {
  it("its own platform (aliases and the implied variant included) is accepted", async () => {
    for (const p of ["linux/arm64", "linux/arm64/v8", "linux/aarch64"])
      expect(await ok("cat", ARM, "a.txt", "--platform", p), p).toBe("arm\n");
  });

  it("another platform is refused on every verb, naming the one offered", async () => {
    for (const verb of [
      ["cat", ARM, "a.txt"],
      ["ls", ARM],
      ["layers", ARM],
      ["inspect", ARM],
    ]) {
      const r = await cli(...verb, "--platform", "linux/amd64");
      expect(r.code, verb[0]).toBe(1);
      expect(r.out, verb[0]).toBe("");
      expect(r.err, verb[0]).toBe(
        `layerlens: NOT_FOUND: ${ARM}: no image for linux/amd64 (platforms: linux/arm64/v8; the image is not a multi-platform index)\n`,
      );
    }
  });
});

describe.skipIf(skipFixtures())("--platform on a multi-platform index", () => {
  const multi = () => `oci:${fixture("layout-multi")}:multi`;
  it("picks each offered platform", async () => {
    for (const p of ["linux/amd64", "linux/arm64"]) {
      const r = JSON.parse(await ok("inspect", multi(), "--platform", p, "--json", "--quick")) as InspectReport;
      expect(`${r.config.os}/${r.config.architecture}`).toBe(p);
    }
  });

  it("a platform not offered is NOT_FOUND listing those that are", async () => {
    const r = await cli("ls", multi(), "--platform", "linux/s390x");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^layerlens: NOT_FOUND: index sha256:[0-9a-f]{64} has no manifest for linux\/s390x \(platforms: linux\/amd64, linux\/arm64\/v8\)\n$/,
    );
  });
});
