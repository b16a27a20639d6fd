// The verbs that mount an image (ls, cat, layers, export, diff) take the TLS flags inspect takes,
// against a real docker-registry on 127.0.0.1 speaking plain http: --tls-verify asks for https
// and hears the registry is http-only; --insecure and --tls-verify=false read it.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { skopeoCopy } from "../registry/harness/push.js";
import { type RunningRegistry, startRegistry } from "../registry/harness/registry.js";
import { FIXTURES, canRun } from "../registry/harness/tools.js";
import { cli } from "./in-process.js";

const run = canRun("cli mount verbs (registry)");

describe.runIf(run)("TLS flags on the mounting verbs", () => {
  let reg: RunningRegistry;
  let tmp: string;
  beforeAll(async () => {
    reg = await startRegistry();
    tmp = mkdtempSync(path.join(tmpdir(), "layerlens-mount-registry-"));
    await skopeoCopy(`oci:${path.join(FIXTURES, "layout")}:v1`, `${reg.host}/fixtures/demo:v1`);
  });
  afterAll(async () => {
    await reg?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });
  const ref = () => `docker://${reg.host}/fixtures/demo:v1`;
  const verbs = (): [string, string[]][] => [
    ["ls", ["ls", ref()]],
    ["cat", ["cat", ref(), "/etc/os-release"]],
    ["layers", ["layers", ref(), "--json"]],
    ["export", ["export", ref(), "-o", path.join(tmp, "out.tar")]],
    ["diff", ["diff", ref(), ref()]],
  ];

  test("--tls-verify makes each verb ask for https, and hear the registry is http-only", async () => {
    for (const [verb, argv] of verbs()) {
      const r = await cli(...argv, "--tls-verify");
      expect(r.code, verb).toBe(verb === "diff" ? 2 : 1);
      expect(r.err, verb).toMatch(/^layerlens: REGISTRY: .*http-only.*--insecure/);
      expect(r.err, verb).toContain(`https://${reg.host}/v2/fixtures/demo/`);
    }
  });

  test("--insecure and --tls-verify=false read it, on every verb", async () => {
    for (const flag of ["--insecure", "--tls-verify=false"]) {
      for (const [verb, argv] of verbs()) {
        const r = await cli(...argv, flag);
        expect({ verb, flag, code: r.code, err: r.err }).toEqual({ verb, flag, code: 0, err: "" });
        if (verb !== "export" && verb !== "diff") expect(r.out.length, verb).toBeGreaterThan(0);
      }
    }
    expect(existsSync(path.join(tmp, "out.tar"))).toBe(true);
    const both = await cli("ls", ref(), "--insecure", "--tls-verify");
    expect(both.code).toBe(1);
    expect(both.err).toMatch(/^layerlens: USAGE: ls: --tls-verify contradicts/);
  });
});
