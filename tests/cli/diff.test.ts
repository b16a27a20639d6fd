// `diff` against the fixtures' oracles: each changed path's old and new values in --json equal
// umoci's listings of both rootfs (expected/<tag>/rootfs.tsv), a type change reads "directory →
// file" in text, and --config's changes equal what skopeo's raw configs (expected/<tag>/config.json)
// say, key by key. Two images with one filesystem and two configs: same without --config, 1 with.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixture, skipFixtures } from "../helpers/fixtures.js";
import { file, writeLayout } from "./build-image.js";
import { cli } from "./in-process.js";

const L = `oci:${fixture("layout")}`;
const TYPES: Record<string, string> = { d: "directory", f: "file", l: "symlink", c: "chardev", b: "blockdev", p: "fifo" };

/** umoci's listing of a tag's rootfs, by path: the values diff must report. */
function rows(tag: string): Map<string, Record<string, string | number | null>> {
  const out = new Map<string, Record<string, string | number | null>>();
  for (const line of readFileSync(fixture("expected", tag, "rootfs.tsv"), "utf8")
    .trim()
    .split("\n")) {
    const [path, type, mode, uid, gid, size, , sha, link] = line.split("\t");
    out.set(path, {
      type: TYPES[type],
      mode,
      uid: Number(uid),
      gid: Number(gid),
      size: size === "-" ? 0 : Number(size),
      link: link === "-" ? null : link,
      content: sha === "-" ? null : `sha256:${sha}`,
    });
  }
  return out;
}

interface JsonDiff {
  entries: { path: string; kind: string; type?: string; fields?: string[]; values?: Record<string, { old: unknown; new: unknown }> }[];
  config?: { field: string; kind: string; old?: unknown; new?: unknown }[];
}

async function jsonDiff(...argv: string[]): Promise<JsonDiff> {
  const r = await cli("diff", ...argv, "--json");
  expect(r.err).toBe("");
  expect(r.code).toBe(1);
  return JSON.parse(r.out) as JsonDiff;
}

describe.skipIf(skipFixtures())("diff against umoci's listings and skopeo's configs", () => {
  for (const [a, b] of [
    ["v1", "v2"],
    ["v1", "latest"],
    ["v5", "v6"],
  ]) {
    it(`${a} → ${b}: every changed field carries umoci's old and new value`, async () => {
      const d = await jsonDiff(`${L}:${a}`, `${L}:${b}`);
      const ra = rows(a);
      const rb = rows(b);
      expect(d.entries.filter((e) => e.kind === "changed").length).toBeGreaterThan(0);
      for (const e of d.entries) {
        if (e.kind === "added") expect(e.type, e.path).toBe(rb.get(e.path)!.type);
        if (e.kind === "removed") expect(e.type, e.path).toBe(ra.get(e.path)!.type);
        if (e.kind !== "changed") continue;
        expect(Object.keys(e.values!), e.path).toEqual(e.fields);
        for (const [field, v] of Object.entries(e.values!)) {
          expect({ path: e.path, field, ...v }).toEqual({ path: e.path, field, old: ra.get(e.path)![field], new: rb.get(e.path)![field] });
        }
      }
    });
  }

  it("two platforms of one image: the same name twice, each side's values from its own platform", async () => {
    const multi = `oci:${fixture("layout-multi")}:multi`;
    const d = await jsonDiff(multi, multi, "--platform", "linux/amd64", "--platform-b", "linux/arm64");
    const [ra, rb] = [rows("multi-amd64"), rows("multi-arm64")];
    const changed = d.entries.filter((e) => e.kind === "changed");
    expect(changed.length).toBeGreaterThan(0);
    for (const e of changed)
      for (const [field, v] of Object.entries(e.values!))
        expect({ path: e.path, field, ...v }).toEqual({ path: e.path, field, old: ra.get(e.path)![field], new: rb.get(e.path)![field] });
  });

  it("a directory replaced by a file (and the reverse) reads as the types before → after", async () => {
    const r = await cli("diff", `${L}:v1`, `${L}:latest`);
    const [ra, rb] = [rows("v1"), rows("latest")];
    const retyped = [...rb.keys()].filter((p) => ra.has(p) && ra.get(p)!.type !== rb.get(p)!.type);
    expect(retyped.length).toBeGreaterThanOrEqual(2);
    for (const p of retyped) expect(r.out).toContain(`\n~ ${p}  ${ra.get(p)!.type} → ${rb.get(p)!.type}\n`);
    expect(r.out).toMatch(/\n~ usr\/share\/app\/a\.txt {2}mode 0644 → 0600\n/);
  });

  it("--config: each config difference with its old and new value, as skopeo's raw configs have them", async () => {
    const ca = JSON.parse(readFileSync(fixture("expected", "v1", "config.json"), "utf8")).config;
    const cb = JSON.parse(readFileSync(fixture("expected", "latest", "config.json"), "utf8")).config;
    const d = await jsonDiff(`${L}:v1`, `${L}:latest`, "--config");
    const byField = new Map(d.config!.map((c) => [c.field, c]));
    expect(byField.get("Cmd")).toEqual({ field: "Cmd", kind: "changed", old: ca.Cmd, new: cb.Cmd });
    for (const k of ["User", "WorkingDir", "Entrypoint", "StopSignal"])
      expect(byField.get(k)).toEqual({ field: k, kind: "added", new: cb[k] });
    for (const [k, v] of Object.entries(cb.Labels))
      expect(byField.get(`Labels.${k}`)).toEqual({ field: `Labels.${k}`, kind: "added", new: v });
    for (const k of Object.keys(cb.ExposedPorts)) expect(byField.get(`ExposedPorts.${k}`)).toMatchObject({ kind: "added" });
    const envA = new Set(ca.Env as string[]);
    const newVars = (cb.Env as string[]).filter((e) => !envA.has(e)).map((e) => e.slice(0, e.indexOf("=")));
    expect(d.config!.filter((c) => c.field.startsWith("Env.")).map((c) => c.field)).toEqual(newVars.sort().map((n) => `Env.${n}`));
    expect(byField.has("Env.PATH")).toBe(false); // the same in both
    const text = (await cli("diff", `${L}:v1`, `${L}:latest`, "--config")).out;
    expect(text).toContain(`\nconfig:\n`);
    expect(text).toContain(`\n~ Cmd: ${JSON.stringify(ca.Cmd)} → ${JSON.stringify(cb.Cmd)}\n`);
    expect(text).toContain(`\n+ User: ${cb.User}\n`);
  });
});

describe("diff --config on one filesystem under two configs", () => {
  const tmp = mkdtempSync(join(tmpdir(), "layerlens-diff-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const layers = [{ entries: [file("a.txt", "same\n")] }];
  writeLayout(tmp, {
    one: { layers, config: { Env: ["A=1", "B=2"], Cmd: ["sh"], Labels: { keep: "x", gone: "y" } } },
    two: { layers, config: { Env: ["A=1", "B=3", "C=4"], Cmd: ["sh"], Labels: { keep: "x" }, User: "nobody" } },
  });
  const [one, two] = [`oci:${tmp}:one`, `oci:${tmp}:two`];

  it("the filesystems alone are the same (0); with --config they differ (1), key by key", async () => {
    expect(await cli("diff", one, two)).toEqual({ code: 0, out: "0 added, 0 removed, 0 changed\n", err: "" });
    const r = await cli("diff", one, two, "--config");
    expect(r.code).toBe(1);
    expect(r.out).toBe("0 added, 0 removed, 0 changed\n\nconfig:\n~ Env.B: 2 → 3\n+ Env.C: 4\n- Labels.gone: y\n+ User: nobody\n");
    expect(await cli("diff", one, one, "--config")).toEqual({
      code: 0,
      out: "0 added, 0 removed, 0 changed\n\nconfig: the same\n",
      err: "",
    });
  });
});
