// The command line as a user meets it: dispatch, usage errors, "layerlens: CODE: message" with
// exit code 1 and nothing on stdout for every failure, --json, --platform, --sample. Runs the
// built CLI as a real process too (npm start's path), so the bin entry is covered.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { buildSampleImage } from "../../src/sample.js";
import { writeSampleLayout } from "../../src/node/sample.js";
import { writeTar } from "../../src/fs/tar-write.js";

const tmp = mkdtempSync(join(tmpdir(), "layerlens-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
process.env.LAYERLENS_CACHE = join(tmp, "cache");

async function run(...argv: string[]) {
  let out = "";
  let err = "";
  const code = await main(argv, {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

function expectUserError(r: { code: number; out: string; err: string }, code: string) {
  expect(r.code).toBe(1);
  expect(r.out).toBe("");
  expect(r.err).toMatch(new RegExp(`^layerlens: ${code}: .+\\n$`));
  expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
}

describe("dispatch and usage", () => {
  it("no command prints help and exits 1; --help exits 0", async () => {
    expect((await run()).code).toBe(1);
    const h = await run("--help");
    expect(h.code).toBe(0);
    expect(h.out).toContain("inspect");
  });
  it("an unknown command is USAGE", async () => expectUserError(await run("frobnicate"), "USAGE"));
  it("an unknown flag is USAGE", async () => expectUserError(await run("inspect", "x", "--frob"), "USAGE"));
  it("a missing value is USAGE", async () => expectUserError(await run("inspect", "x", "--platform"), "USAGE"));
  it("no image is USAGE", async () => expectUserError(await run("inspect"), "USAGE"));
  it("a bad platform is INVALID_REFERENCE", async () =>
    expectUserError(await run("inspect", "--sample", "--platform", "linux"), "INVALID_REFERENCE"));
  it("inspect --help shows the usage", async () => {
    const r = await run("inspect", "--help");
    expect(r.code).toBe(0);
    expect(r.out).toContain("--platform os/arch[/variant]");
  });
});

describe("inspect", () => {
  it("--sample --json reports the generated image", async () => {
    const r = await run("inspect", "--sample", "--json");
    expect(r.err).toBe("");
    const j = JSON.parse(r.out);
    expect(j.digest).toBe(buildSampleImage().manifestDigest);
    expect(j.config.exposedPorts).toEqual(["8080/tcp"]);
    expect(j.config.user).toBe("1000:1000");
    expect(j.history.map((h: { layer: number | null }) => h.layer)).toEqual([0, 1, null, 2]);
    expect(j.layers.every((l: { uncompressedSize: number; size: number }) => l.uncompressedSize > 0 && l.size > l.uncompressedSize)).toBe(
      true,
    );
  });

  it("text output has every section", async () => {
    const r = await run("inspect", "--sample");
    for (const s of ["Digest", "Manifest", "Config", "entrypoint", "env", "ports", "label", "History (4)", "Layers (3)"])
      expect(r.out).toContain(s);
  });

  it("a path that does not exist is NOT_FOUND", async () => expectUserError(await run("inspect", join(tmp, "nope")), "NOT_FOUND"));
  it("an unsupported transport is INVALID_REFERENCE", async () =>
    expectUserError(await run("inspect", "containers-storage:x"), "INVALID_REFERENCE"));
  it("a file that is not a tar is ARCHIVE", async () => {
    const f = join(tmp, "junk.tar");
    writeFileSync(f, "this is not a tar archive".repeat(40));
    expectUserError(await run("inspect", f), "ARCHIVE");
  });

  it("a corrupt layer prints nothing on stdout and names both digests", async () => {
    const dir = await writeSampleLayout(join(tmp, "corrupt"));
    const { files } = buildSampleImage();
    const layerPath = [...files.keys()].find((k) => k.startsWith("blobs/") && files.get(k)![0] === 0x1f)!;
    const bytes = files.get(layerPath)!.slice();
    bytes[300] ^= 0xff;
    writeFileSync(join(dir, layerPath), bytes);
    const r = await run("inspect", `oci:${dir}:latest`, "--json");
    expectUserError(r, "DIGEST_MISMATCH");
    expect(r.err).toContain(layerPath.slice("blobs/sha256/".length));
    // --quick does not read layers, so the same image inspects
    expect((await run("inspect", `oci:${dir}:latest`, "--quick")).code).toBe(0);
  });

  it("plain paths are auto-detected: layout dir, dir:tag, oci-archive, docker-archive", async () => {
    const dir = await writeSampleLayout(join(tmp, "auto"));
    const { files } = buildSampleImage();
    const archive = join(tmp, "sample.oci.tar");
    writeFileSync(archive, writeTar([...files].map(([name, data]) => ({ name, data }))));
    const digests = new Set<string>();
    for (const spec of [dir, `${dir}:latest`, archive, `oci-archive:${archive}:latest`]) {
      const r = await run("inspect", spec, "--json", "--quick");
      expect(r.err, spec).toBe("");
      digests.add(JSON.parse(r.out).digest);
    }
    expect([...digests]).toEqual([buildSampleImage().manifestDigest]);
  });
});

describe("the built CLI as a process", () => {
  it("node dist/cli/main.js inspect --sample --json exits 0", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["dist/cli/main.js", "inspect", "--sample", "--json"], {
      env: { ...process.env, LAYERLENS_CACHE: join(tmp, "proc") },
    });
    expect(JSON.parse(stdout).digest).toBe(buildSampleImage().manifestDigest);
  });
  it("a user error exits 1 with one line on stderr", async () => {
    const err = await promisify(execFile)(process.execPath, ["dist/cli/main.js", "inspect", join(tmp, "missing")]).then(
      () => undefined,
      (e) => e,
    );
    expect(err.code).toBe(1);
    expect(err.stdout).toBe("");
    expect(err.stderr).toMatch(/^layerlens: NOT_FOUND: [^\n]+\n$/);
  });
});
