// End to end: the CLI (main() with an in-memory CliIO) on fuzzed inputs of every kind the other
// fuzz suites feed the parsers (documents, layer tars, archives, references) never prints
// INTERNAL: it succeeds, or fails with "layerlens: CODE: message" for one of our codes.

import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";
import { main } from "../../src/cli/main.js";
import { tarOf } from "../fs/helpers/layers.js";
import { oneLayerLayout } from "../fs/helpers/one-layer-layout.js";
import { dockerArchiveMembers, json, mutatedBytes, mutatedJsonBytes, runs, sampleFiles, tarOfMembers } from "./fuzz-inputs.js";

// Each case writes an image and runs four commands on it: hundreds, not the parsers' 10^5.
const RUNS = runs(300, 60);
const enc = new TextEncoder();
const hex = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const scratch = mkdtempSync(join(tmpdir(), "layerlens-cli-fuzz-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;

async function cli(argv: string[]): Promise<void> {
  let err = "";
  const code = await main(argv, { stdout: () => {}, stderr: (t) => void (err += t) });
  expect(err, argv.join(" ")).not.toMatch(/INTERNAL/);
  if (code !== 0) expect(err, argv.join(" ")).toMatch(/^layerlens: [A-Z_]+: /);
}

/** Every command that reads the image, on `spec`. */
async function everyCommand(spec: string): Promise<void> {
  await cli(["inspect", spec, "--referrers", "--json"]);
  await cli(["ls", "-R", "-l", spec]);
  await cli(["export", spec, "-o", join(scratch, `out-${n}.tar`)]);
  await cli(["layers", spec]);
}

/** A layout directory from `files` (path -> bytes). */
function writeLayout(files: Map<string, Uint8Array>): string {
  const dir = join(scratch, `layout-${n++}`);
  for (const [p, b] of files) {
    mkdirSync(join(dir, p, ".."), { recursive: true });
    writeFileSync(join(dir, p), b);
  }
  return dir;
}

/** The sample layout with one document replaced and everything above it re-pointed. */
function withDocument(which: "manifest" | "config" | "index", bytes: Uint8Array): Map<string, Uint8Array> {
  const s = sampleFiles();
  const files = new Map(s.files);
  const put = (b: Uint8Array) => {
    files.set(`blobs/sha256/${hex(b)}`, b);
    return { digest: `sha256:${hex(b)}`, size: b.length };
  };
  if (which === "index") files.set("index.json", bytes);
  else {
    const m =
      which === "config" ? put(enc.encode(JSON.stringify({ ...s.manifest, config: { ...s.manifest.config, ...put(bytes) } }))) : put(bytes);
    files.set("index.json", enc.encode(JSON.stringify({ ...s.index, manifests: [{ ...s.index.manifests[0], ...m }] })));
  }
  return files;
}

/** A one-layer layout whose layer is `tar` (uncompressed; digests and diff_id hold). */
const withLayer = oneLayerLayout;

const LAYER = tarOf([
  { name: "dir", type: "dir" },
  { name: "dir/file", data: enc.encode("hello") },
  { name: "x".repeat(150), data: new Uint8Array(600) },
  { name: "dir/link", type: "symlink", linkname: "file" },
  { name: "dir/.wh.gone" },
  { name: "hard", type: "hardlink", linkname: "dir/file" },
]);
const s = sampleFiles();
const ociArchive = () => {
  const m = new Map(s.files);
  const layout = m.get("oci-layout")!;
  m.delete("oci-layout");
  return tarOfMembers(new Map([["oci-layout", layout], ...m]));
};
const OCI = ociArchive();
const DOCKER = tarOfMembers(dockerArchiveMembers());

describe("the CLI never prints INTERNAL", () => {
  test("layouts with a fuzzed manifest, config or index.json", async () => {
    const doc = fc.oneof(
      mutatedJsonBytes(s.manifest).map((b) => ["manifest", b] as const),
      mutatedJsonBytes(s.config).map((b) => ["config", b] as const),
      mutatedJsonBytes(s.index).map((b) => ["index", b] as const),
    );
    await fc.assert(
      fc.asyncProperty(doc, async ([which, bytes]) => everyCommand(`oci:${writeLayout(withDocument(which, bytes))}:latest`)),
      { numRuns: RUNS },
    );
  });

  test("layers of fuzzed tar bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedBytes(LAYER), fc.uint8Array({ maxLength: 2048 })), async (tar) =>
        everyCommand(`oci:${writeLayout(withLayer(tar))}`),
      ),
      { numRuns: RUNS },
    );
  });

  test("fuzzed oci-archive and docker-archive files", async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.oneof(mutatedBytes(OCI, 4), mutatedBytes(DOCKER, 4)), async (asOci, bytes) => {
        const file = join(scratch, `archive-${n++}.tar`);
        writeFileSync(file, bytes);
        await everyCommand(`${asOci ? "oci-archive" : "docker-archive"}:${file}`);
      }),
      { numRuns: RUNS },
    );
  });

  test("fuzzed references and selectors after a valid image", async () => {
    const dir = writeLayout(s.files);
    const archive = join(scratch, "docker.tar");
    writeFileSync(archive, DOCKER);
    const selector = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom("@", "@0", "@99", "sample:latest", "a:b:c", "sha256:" + "a".repeat(64)),
    );
    await fc.assert(
      fc.asyncProperty(selector, async (sel) => {
        await cli(["inspect", `oci:${dir}:${sel}`]);
        await cli(["ls", `docker-archive:${archive}:${sel}`]);
        if (!sel.startsWith("docker://")) await cli(["inspect", sel]); // never the network
      }),
      { numRuns: RUNS },
    );
  });

  test("the documents' own JSON still opens (the fuzz starts from a valid image)", async () => {
    let out = "";
    const code = await main(["inspect", `oci:${writeLayout(s.files)}:latest`, "--json"], {
      stdout: (t) => void (out += t),
      stderr: () => {},
    });
    expect(code).toBe(0);
    expect((json(enc.encode(out)) as { digest: string }).digest).toBe(s.index.manifests[0].digest);
  });
});
