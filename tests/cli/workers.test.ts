// `--workers N` on the verbs that mount layers: 2 workers print what 1 (the sequential path,
// in-process) prints, for OCI layouts, zstd layers and a docker-archive; bad counts are usage
// errors; a real process with workers exits once done, and a corrupt layer fails it the same way.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { fixture, SKIP_FIXTURES } from "../helpers/fixtures.js";
import { dir, file, symlink, writeDockerArchive, writeLayout } from "./build-image.js";
import { runOnPipes } from "./helpers.js";
import { cli, ok } from "./in-process.js";

const tmp = mkdtempSync(join(tmpdir(), "layerlens-workers-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const image = {
  layers: [
    { entries: [dir("a"), file("a/x", "x\n"), file("b", "b\n"), dir("d"), file("d/y", "y\n")] },
    {
      entries: [file("a", "now a file\n"), symlink("c", "b"), file("d/.wh..wh..opq", ""), file("d/z", "z\n")],
      compression: "zstd" as const,
    },
    { entries: [file(".wh.b", ""), file("e", "e\n")] },
  ],
};
writeLayout(join(tmp, "layout"), { latest: image });
writeDockerArchive(join(tmp, "image.tar"), image);
const BUILT = [`oci:${join(tmp, "layout")}:latest`, `docker-archive:${join(tmp, "image.tar")}`];
const FIXTURE_IMAGES = SKIP_FIXTURES ? [] : ["gnutar", "v6", "latest"].map((t) => `oci:${fixture("layout")}:${t}`);

describe("2 workers print what the sequential path prints", () => {
  test.each([...BUILT, ...FIXTURE_IMAGES])("%s", async (spec) => {
    for (const verb of [
      ["ls", spec, "-R", "-l", "--json"],
      ["layers", spec, "--changes", "--json"],
      ["ls", spec, "--layer", "1", "-R", "--json"],
      ["check", spec, "--json"],
      ["diff", spec, spec, "--json"],
    ]) {
      const one = await cli(...verb, "--workers", "1");
      const two = await cli(...verb, "--workers=2");
      expect(two, verb.join(" ")).toEqual(one);
    }
    const exported = (w: string) => {
      const out = join(tmp, `export-${w}.tar`);
      return ok("export", spec, "-o", out, "--workers", w).then(() => createHash("sha256").update(readFileSync(out)).digest("hex"));
    };
    expect(await exported("2")).toBe(await exported("1"));
  });
});

describe("--workers takes a positive count", () => {
  test.each([["0"], ["-1"], ["two"], ["1.5"], [""]])("%j is refused", async (value) => {
    const r = await cli("layers", BUILT[0], `--workers=${value}`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/USAGE: layers: --workers (takes a positive count|needs a value)/);
  });
  test("every layer-reading verb names it in its usage", async () => {
    for (const verb of ["ls", "layers", "cat", "check", "diff", "export"])
      expect((await cli(verb, "--help")).out + (await cli(verb, "--help")).err).toContain("--workers N");
  });
});

describe("a real process with workers", () => {
  test("exits when done and fails a corrupt layer with the sequential path's error", async () => {
    const spec = BUILT[0];
    const good = await runOnPipes(["ls", spec, "-R", "--workers", "2"]);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain("d/z");
    // Flip one byte of the bottom layer (its digest no longer matches).
    const index = JSON.parse(readFileSync(join(tmp, "layout/index.json"), "utf8"));
    const blob = (d: string) => join(tmp, "layout/blobs/sha256", d.slice(7));
    const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), "utf8"));
    const path = blob(manifest.layers[2].digest);
    const bytes = readFileSync(path);
    bytes[bytes.length - 20] ^= 0xff;
    writeFileSync(path, bytes);
    const [one, two] = [await runOnPipes(["ls", spec, "--workers", "1"]), await runOnPipes(["ls", spec, "--workers", "2"])];
    expect(one.code).not.toBe(0);
    expect(two).toEqual(one);
  });
});
