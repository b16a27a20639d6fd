// The README's library example, run as written: the fenced block after the
// "readme-example: library" marker is saved as a module that imports "layerlens" (the built
// package, dist/), then run by Node from the fixtures folder, where `oci:layout:latest` names
// the fixture layout. Its output is checked against umoci's rootfs listing of that image, so a
// README that drifts from the API (or an API that breaks the README) fails here.

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, test } from "vitest";
import { FIXTURES, skipFixtures } from "../conformance/fixtures-dir.js";
import { expectedRootfs } from "../fs/helpers/fixtures.js";

const ROOT = resolve(import.meta.dirname, "../..");
const MARKER = "<!-- readme-example: library -->";

/** The fenced block right after `marker` in the README; fails the test when there is none. */
function exampleAfter(marker: string): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const at = readme.indexOf(marker);
  expect(at, `README.md has no ${marker}`).toBeGreaterThanOrEqual(0);
  const block = /^\s*```(?:ts|js)\n([\s\S]*?)\n```/.exec(readme.slice(at + marker.length));
  expect(block, `no fenced ts block after ${marker}`).not.toBeNull();
  return block![1];
}

const tmp = mkdtempSync(join(tmpdir(), "layerlens-readme-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(skipFixtures())("README", () => {
  test("the library example runs as written and shows the image as umoci unpacks it", async () => {
    const code = exampleAfter(MARKER);
    expect(code).toContain("fs.mountBatch(image.layers)");
    // "layerlens" resolves to this checkout, as it would to the installed package.
    mkdirSync(join(tmp, "node_modules"), { recursive: true });
    symlinkSync(ROOT, join(tmp, "node_modules", "layerlens"), "dir");
    const file = join(tmp, "example.mjs");
    writeFileSync(file, code);
    const { stdout } = await promisify(execFile)(process.execPath, [file], { cwd: FIXTURES });

    const rows = expectedRootfs("latest");
    const inEtc = rows.filter((r) => /^etc\/[^/]+$/.test(r.path)).map((r) => r.path.slice(4));
    const osRelease = rows.find((r) => r.path === "etc/os-release")!;
    const [names, ...rest] = stdout.split("\n");
    expect(names.split(" ")).toEqual(inEtc);
    const text = rest.join("\n").replace(/\n$/, ""); // console.log's own newline
    expect(createHash("sha256").update(text).digest("hex")).toBe(osRelease.sha256);
  });
});
