// The peers' verbs against a real docker-registry on 127.0.0.1 (plain http), with skopeo run
// live against the same registry as the expected answer: tags across pages, inspect --format
// skopeo (Name and RepoTags come from the registry), manifest/config bytes; then reaching an
// http-only registry: --insecure / --tls-verify=false, registries.conf `insecure = true`, and
// the error a TLS client gets from the plain-http port. Only 127.0.0.1 is ever contacted.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { main } from "../../src/cli/main.js";
import { openImage } from "../../src/node/open.js";
import { resolveImage } from "../../src/sources/image.js";
import "../../src/node.js";
import { pushManifest, skopeoCopy, skopeoInspect } from "../registry/harness/push.js";
import { type RunningRegistry, startRegistry } from "../registry/harness/registry.js";
import { FIXTURES, canRun } from "../registry/harness/tools.js";

const exec = promisify(execFile);
const run = canRun("cli verbs (registry)");

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    stdoutBytes: (b: Uint8Array) => void (out += Buffer.from(b).toString("utf8")),
  } as Parameters<typeof main>[1]);
  return { code, out, err };
}

describe.runIf(run)("tags, inspect --format skopeo, manifest and config on a registry", () => {
  let reg: RunningRegistry;
  const TAG_COUNT = 13;
  beforeAll(async () => {
    reg = await startRegistry();
    await skopeoCopy(`oci:${path.join(FIXTURES, "layout")}:latest`, `${reg.host}/fixtures/demo:latest`);
    // More tags than a page holds: the same manifest under t00..t11.
    const raw = Buffer.from(await skopeoInspect(`${reg.host}/fixtures/demo:latest`, "raw"));
    const type = JSON.parse(raw.toString()).mediaType ?? "application/vnd.oci.image.manifest.v1+json";
    for (let i = 0; i < TAG_COUNT - 1; i++) await pushManifest(reg.url, "fixtures/demo", `t${String(i).padStart(2, "0")}`, raw, type);
  });
  afterAll(async () => {
    await reg?.stop();
  });

  test("tags follows Link pagination to the last page, as skopeo list-tags lists them", async () => {
    const { stdout } = await exec("skopeo", ["list-tags", "--tls-verify=false", `docker://${reg.host}/fixtures/demo`]);
    const expected = (JSON.parse(stdout) as { Tags: string[] }).Tags;
    expect(expected).toHaveLength(TAG_COUNT);
    for (const pageSize of ["1", "5", "100"]) {
      const r = await cli("tags", `docker://${reg.host}/fixtures/demo`, "--page-size", pageSize);
      expect(r.err).toBe("");
      expect(r.out).toBe(expected.map((t) => t + "\n").join(""));
    }
    // crane's spelling (no transport) and --json.
    expect(JSON.parse((await cli("tags", `${reg.host}/fixtures/demo`, "--json", "--page-size", "4")).out)).toEqual(expected);
  });

  test("inspect --format skopeo equals skopeo inspect, Name and RepoTags included", async () => {
    const ref = `${reg.host}/fixtures/demo:latest`;
    const theirsText = await skopeoInspect(ref, "summary");
    const theirs = JSON.parse(theirsText) as Record<string, unknown>;
    const r = await cli("inspect", `docker://${ref}`, "--format", "skopeo");
    expect(r.code).toBe(0);
    const ours = JSON.parse(r.out) as Record<string, unknown>;
    const extra = "LayersData" in theirs ? [] : ["LayersData"];
    expect(Object.keys(ours).filter((k) => !extra.includes(k))).toEqual(Object.keys(theirs));
    for (const key of Object.keys(theirs)) expect({ [key]: ours[key] }).toEqual({ [key]: theirs[key] });
    expect(theirs.Name).toBe(`${reg.host}/fixtures/demo`);
    expect((theirs.RepoTags as string[]).length).toBe(TAG_COUNT);
  });

  test("manifest and config are skopeo's --raw and --config --raw bytes", async () => {
    const ref = `${reg.host}/fixtures/demo:latest`;
    expect((await cli("manifest", `docker://${ref}`)).out).toBe(await skopeoInspect(ref, "raw"));
    const { stdout } = await exec("skopeo", ["inspect", "--tls-verify=false", "--config", "--raw", `docker://${ref}`]);
    expect((await cli("config", `docker://${ref}`)).out).toBe(stdout);
  });
});

describe.runIf(run)("reaching a plain-http registry", () => {
  let reg: RunningRegistry;
  let dir: string;
  const saved = process.env.CONTAINERS_REGISTRIES_CONF;
  beforeAll(async () => {
    reg = await startRegistry();
    dir = mkdtempSync(path.join(tmpdir(), "layerlens-registries-conf-"));
    await skopeoCopy(`oci:${path.join(FIXTURES, "layout")}:v1`, `${reg.host}/fixtures/demo:v1`);
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.CONTAINERS_REGISTRIES_CONF;
    else process.env.CONTAINERS_REGISTRIES_CONF = saved;
  });
  afterAll(async () => {
    await reg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const conf = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const ref = () => `docker://${reg.host}/fixtures/demo:v1`;

  test("a TLS client on the plain-http port hears that it is http-only and which flag to use", async () => {
    // --tls-verify asks for https even on loopback, as skopeo's does.
    const r = await cli("inspect", ref(), "--tls-verify", "--quick");
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/^layerlens: REGISTRY: .*plain HTTP.*http-only.*--insecure.*--tls-verify=false/);
    expect(r.err).toContain(`https://${reg.host}/v2/fixtures/demo/manifests/v1`);
  });

  test("--insecure and --tls-verify=false both reach it, on every registry verb", async () => {
    for (const flag of ["--insecure", "--tls-verify=false"]) {
      expect((await cli("inspect", ref(), flag, "--quick")).code).toBe(0);
      expect((await cli("manifest", ref(), flag)).code).toBe(0);
      expect((await cli("config", ref(), flag)).code).toBe(0);
      expect((await cli("referrers", ref(), flag)).code).toBe(0);
      expect((await cli("tags", `docker://${reg.host}/fixtures/demo`, flag)).out).toBe("v1\n");
    }
    const both = await cli("inspect", ref(), "--insecure", "--tls-verify");
    expect(both.code).toBe(1);
    expect(both.err).toMatch(/^layerlens: USAGE: /);
    expect((await cli("inspect", ref(), "--tls-verify=maybe")).err).toMatch(/^layerlens: USAGE: /);
  });

  test("registries.conf insecure = true (v2 [[registry]] and v1 [registries.insecure]) makes it plain http", async () => {
    // With loopback's plain-http default switched off, only the setting can make this work.
    const open = async () => {
      const source = await openImage(ref(), { registry: { loopbackHttp: false, retry: { attempts: 1 } } });
      try {
        return (await resolveImage(source)).manifestDescriptor.digest;
      } finally {
        await source.close?.();
      }
    };
    process.env.CONTAINERS_REGISTRIES_CONF = conf(
      "v2.conf",
      `unqualified-search-registries = ["docker.io"]\n\n[[registry]]\nprefix = "${reg.host}/fixtures"\nlocation = "${reg.host}"\ninsecure = true # plain http\n\n[[registry.mirror]]\nlocation = "mirror.invalid"\n`,
    );
    const digest = await open();
    expect(digest).toMatch(/^sha256:/);
    process.env.CONTAINERS_REGISTRIES_CONF = conf("v1.conf", `[registries.insecure]\nregistries = [\n  "${reg.host}",\n]\n`);
    expect(await open()).toBe(digest);
    process.env.CONTAINERS_REGISTRIES_CONF = conf("off.conf", `[[registry]]\nlocation = "${reg.host}"\ninsecure = false\n`);
    await expect(open()).rejects.toMatchObject({ code: "REGISTRY", message: expect.stringMatching(/http-only.*--insecure/) });
    // A prefix that does not cover the repository does not apply.
    process.env.CONTAINERS_REGISTRIES_CONF = conf("other.conf", `[[registry]]\nlocation = "${reg.host}/elsewhere"\ninsecure = true\n`);
    await expect(open()).rejects.toMatchObject({ code: "REGISTRY" });
  });

  test("a malformed registries.conf is a typed error naming the file and line", async () => {
    process.env.CONTAINERS_REGISTRIES_CONF = conf("bad.conf", `[[registry]]\nlocation = "${reg.host}"\ninsecure = yes\n`);
    const r = await cli("inspect", ref(), "--quick");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^layerlens: REGISTRIES_CONF: ${path.join(dir, "bad.conf").replace(/[.]/g, "\\.")}:3: `));
    // An explicit flag does not need the file.
    expect((await cli("inspect", ref(), "--insecure", "--quick")).code).toBe(0);
  });
});
