// Archives: oci-archive and docker-archive files opened from fuzzed bytes (the tar index, then
// the layout or manifest.json / repositories reader, then resolution and a quick report), and
// from archives whose metadata members hold values of the wrong type. Each either opens or
// refuses with our typed error; never a TypeError or RangeError.

import "../../src/node.js";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, test } from "vitest";
import { buildReport } from "../../src/report/inspect.js";
import { openOciArchive } from "../../src/sources/archive.js";
import { bytesReader } from "../../src/sources/byte-reader.js";
import { DockerArchiveSource } from "../../src/sources/docker-archive.js";
import { resolveImage } from "../../src/sources/image.js";
import type { ImageSource } from "../../src/sources/source.js";
import { indexTar } from "../../src/sources/tar-index.js";
import { tarEntry } from "../../src/fs/tar-write.js";
import {
  dockerArchiveMembers,
  json,
  mutatedBytes,
  mutatedJsonBytes,
  ourErrorOrValueAsync,
  runs,
  sampleFiles,
  tarOfMembers,
} from "./fuzz-inputs.js";

const INDEX_RUNS = runs(100_000, 5_000);
const OPEN_RUNS = runs(5_000, 400);
const enc = new TextEncoder();
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

const ociMembers = () => {
  const m = new Map(sampleFiles().files);
  const layout = m.get("oci-layout")!;
  m.delete("oci-layout");
  return new Map([["oci-layout", layout], ...m]);
};
const OCI = tarOfMembers(ociMembers());
const DOCKER = tarOfMembers(dockerArchiveMembers());

/** A pre-manifest.json docker-archive: repositories, <id>/json, <id>/layer.tar. */
function legacyMembers(): Map<string, Uint8Array> {
  const layer = new Uint8Array(tarEntry({ name: "hello", data: enc.encode("hi") }));
  const id = sha(enc.encode("legacy"));
  return new Map([
    ["repositories", enc.encode(JSON.stringify({ sample: { latest: id } }))],
    [`${id}/json`, enc.encode(JSON.stringify({ id, architecture: "amd64", os: "linux", config: {} }))],
    [`${id}/layer.tar`, layer],
  ]);
}
const LEGACY = legacyMembers();

async function openAll(kind: "oci" | "docker", bytes: Uint8Array): Promise<void> {
  const reader = bytesReader(bytes);
  const source: ImageSource =
    kind === "oci" ? await openOciArchive(reader, "fuzz.tar") : await DockerArchiveSource.open(reader, "fuzz.tar");
  try {
    await buildReport(await resolveImage(source), { quick: true });
  } finally {
    await source.close?.();
  }
}

const noise = fc.uint8Array({ maxLength: 3000 });

describe("archives from fuzzed bytes", () => {
  test("the tar index: noise, mutated and cut archives index or raise our error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(noise, mutatedBytes(OCI), mutatedBytes(DOCKER)), (b) =>
        ourErrorOrValueAsync(() => indexTar(bytesReader(b), "fuzz.tar")),
      ),
      { numRuns: INDEX_RUNS },
    );
  });

  test.each(["oci", "docker"] as const)("%s-archive: opened, resolved and reported, or our error", async (kind) => {
    const valid = kind === "oci" ? OCI : DOCKER;
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 1, arbitrary: noise }, { weight: 6, arbitrary: mutatedBytes(valid, 4) }), (b) =>
        ourErrorOrValueAsync(() => openAll(kind, b)),
      ),
      { numRuns: OPEN_RUNS },
    );
  });
});

describe("archives whose metadata members hold wrong JSON types", () => {
  const cases: [string, "oci" | "docker", () => Map<string, Uint8Array>, string][] = [
    ["docker-archive manifest.json", "docker", dockerArchiveMembers, "manifest.json"],
    ["docker-archive config", "docker", dockerArchiveMembers, "config.json"],
    ["docker-archive repositories", "docker", legacyMembers, "repositories"],
    ["docker-archive legacy <id>/json", "docker", legacyMembers, [...LEGACY.keys()][1]],
    ["oci-archive oci-layout", "oci", ociMembers, "oci-layout"],
    ["oci-archive index.json", "oci", ociMembers, "index.json"],
  ];
  test.each(cases)("%s", async (_name, kind, members, member) => {
    const base = members();
    const doc = json(base.get(member)!);
    await fc.assert(
      fc.asyncProperty(mutatedJsonBytes(doc), (bytes) => {
        const m = new Map(base);
        m.set(member, bytes);
        return ourErrorOrValueAsync(() => openAll(kind, tarOfMembers(m)));
      }),
      { numRuns: OPEN_RUNS },
    );
  });
});
