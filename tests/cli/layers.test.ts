// `layers` on images built here: each layer shows the history command that made it (entries
// marked empty_layer skipped, as dive and the image-spec pair them), the counts say what they
// include (the root directory's own entry is an entry that changed no path), and a path whose
// type changed reads as one change, "directory → file", in text and in JSON.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { InspectReport } from "../../src/report/inspect.js";
import type { LayersReport } from "../../src/report/layers.js";
import { dir, file, symlink, writeLayout } from "./build-image.js";
import { ok } from "./in-process.js";

const tmp = mkdtempSync(join(tmpdir(), "layerlens-layers-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const layout = join(tmp, "layout");
writeLayout(layout, {
  latest: {
    layers: [
      { entries: [dir("./"), dir("a"), file("a/x", "x\n"), file("b", "b\n"), file("c", "c\n"), dir("keep")] },
      { entries: [dir("./"), file("a", "now a file\n"), dir("b"), symlink("c", "b"), file("keep/new", "n\n")] },
    ],
    history: [
      { created_by: "/bin/sh -c #(nop) ENV A=1", empty_layer: true },
      { created_by: "ADD rootfs.tar /" },
      { created_by: "/bin/sh -c #(nop) WORKDIR /keep", empty_layer: true },
      { created_by: "RUN retype\n  && things" },
      { created_by: '/bin/sh -c #(nop) CMD ["sh"]', empty_layer: true },
    ],
  },
});
const IMG = `oci:${layout}:latest`;

/** The layer tars' member counts, as Python's tarfile reads them. */
function tarMembers(): number[] {
  const script = `
import json, sys, tarfile, os
index = json.load(open(os.path.join(sys.argv[1], "index.json")))
blob = lambda d: os.path.join(sys.argv[1], "blobs", *d.split(":"))
m = json.load(open(blob(index["manifests"][0]["digest"])))
print(json.dumps([len(tarfile.open(blob(l["digest"])).getmembers()) for l in m["layers"]]))`;
  return JSON.parse(execFileSync("python3", ["-c", script, layout], { encoding: "utf8" })) as number[];
}

describe("layers", () => {
  it("pairs the history's created_by with the layers, skipping empty_layer entries", async () => {
    const r = JSON.parse(await ok("layers", IMG, "--json")) as LayersReport;
    expect(r.layers.map((l) => l.createdBy)).toEqual(["ADD rootfs.tar /", "RUN retype\n  && things"]);
    // inspect pairs history and layers too: both must agree.
    const inspect = JSON.parse(await ok("inspect", IMG, "--json", "--quick")) as InspectReport;
    const byLayer = inspect.history.filter((h) => h.layer !== null).map((h) => h.createdBy);
    expect(r.layers.map((l) => l.createdBy)).toEqual(byLayer);
    const text = await ok("layers", IMG);
    expect(text).toContain("\n       created by: ADD rootfs.tar /\n");
    expect(text).toContain("\n       created by: RUN retype ⏎ && things\n");
    expect(text).not.toContain("ENV A=1");
  });

  it("entries count every tar member; the root's own entry is counted as one that changed no path", async () => {
    const r = JSON.parse(await ok("layers", IMG, "--json")) as LayersReport;
    expect(r.layers.map((l) => l.entries)).toEqual(tarMembers());
    expect(r.layers.map((l) => l.otherEntries)).toEqual([1, 1]);
    const text = await ok("layers", IMG);
    expect(text).toMatch(/entries +other +added/);
    expect(text).toContain('other: those that changed no path, such as the root directory "./"');
  });

  it("a directory replaced by a file, a file by a directory and by a symlink read unambiguously", async () => {
    const r = JSON.parse(await ok("layers", IMG, "--json", "--changes")) as LayersReport;
    const top = r.layers[1].changes!;
    expect(top.modified.filter((c) => c.was).map((c) => [c.path, c.was, c.type])).toEqual([
      ["a", "directory", "file"],
      ["b", "file", "directory"],
      ["c", "file", "symlink"],
    ]);
    const text = await ok("layers", IMG, "--changes");
    const top1 = text.slice(text.indexOf("\n  1 "), text.indexOf("\n(entries:"));
    const lines = top1.split("\n").filter((l) => /^ {7}[-+~] /.test(l));
    expect(lines).toContain("       ~ a  directory → file");
    expect(lines).toContain("       ~ b  file → directory");
    expect(lines).toContain("       ~ c  file → symlink");
    expect(lines).toContain("       + keep/new");
    // The replaced directory is one change, not also a "- a".
    expect(lines.filter((l) => / a$/.test(l) || / a {2}/.test(l))).toEqual(["       ~ a  directory → file"]);
  });
});
