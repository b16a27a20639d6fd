// Known answers for the image readers, run unchanged in every runtime: the sample
// image generated in-process, opened from a File list (what a folder picker or a drop gives a
// browser), from one Blob as an oci-archive, and broken on purpose. The sample's manifest
// digest is a known answer: skopeo inspect reports the same (tests/conformance/skopeo-live).

import { equal, ok, rejects } from "./assert.js";
import type { KnownAnswerCase, Lib } from "./types.js";

/** Digest of the sample image's manifest (src/sample.ts), as skopeo inspect reports it. */
export const SAMPLE_MANIFEST_DIGEST = "sha256:62c276f26c9f31350989c03386d790fd9847ee6d00ca1701b9969ca6b7929d7c";

async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stream.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
    n += value.length;
  }
}

/** Resolve and read every layer verified; returns what a caller would show. */
async function openAll(lib: Lib, source: Awaited<ReturnType<Lib["openBlobArchive"]>>) {
  const image = await lib.resolveImage(source);
  let bytes = 0;
  for (const d of image.layers) bytes += await drain(await lib.openVerified(source, d, `layer ${d.digest}`));
  return { image, bytes };
}

export const imageCases: KnownAnswerCase[] = [
  {
    name: "images: the sample layout from a File list",
    async run(lib) {
      const { files, manifestDigest } = lib.buildSampleImage();
      equal(manifestDigest, SAMPLE_MANIFEST_DIGEST, "the sample is the same bytes everywhere");
      const list = [...files].map(([path, bytes]) => ({ path: `sample/${path}`, file: new Blob([bytes as BlobPart]) }));
      const { image, bytes } = await openAll(lib, await lib.openFileList(list, "latest"));
      equal(image.manifestDescriptor.digest, SAMPLE_MANIFEST_DIGEST, "manifest digest");
      equal(image.config?.config?.ExposedPorts, { "8080/tcp": {} }, "config ports");
      equal(image.layers.length, 3, "layers");
      equal(
        bytes,
        image.layers.reduce((n, l) => n + l.size, 0),
        "verified layer bytes",
      );
    },
  },
  {
    name: "images: the sample as an oci-archive Blob",
    async run(lib) {
      const { files } = lib.buildSampleImage();
      const tar = lib.writeTar([...files].map(([name, data]) => ({ name, data })));
      const { image } = await openAll(lib, await lib.openBlobArchive(new Blob([tar as BlobPart]), "latest", "sample.tar"));
      equal(image.manifestDescriptor.digest, SAMPLE_MANIFEST_DIGEST, "manifest digest");
      equal(image.config?.rootfs.diff_ids.length, 3, "diff_ids");
    },
  },
  {
    name: "images: a changed config byte is DigestMismatchError naming both digests",
    async run(lib) {
      const { files } = lib.buildSampleImage();
      const index = JSON.parse(new TextDecoder().decode(files.get("index.json")));
      const manifest = JSON.parse(new TextDecoder().decode(files.get(`blobs/sha256/${index.manifests[0].digest.slice(7)}`)));
      const key = `blobs/sha256/${manifest.config.digest.slice(7)}`;
      const bad = files.get(key)!.slice();
      bad[bad.length - 3] ^= 1;
      files.set(key, bad);
      const tar = lib.writeTar([...files].map(([name, data]) => ({ name, data })));
      const source = await lib.openBlobArchive(new Blob([tar as BlobPart]), "latest", "bad.tar");
      const err = await rejects(
        () => lib.resolveImage(source),
        { type: lib.DigestMismatchError, code: "DIGEST_MISMATCH", message: manifest.config.digest },
        "corrupt config",
      );
      ok(err.message.includes(lib.sha256Of(bad)), "the actual digest is named");
    },
  },
  {
    name: "images: a truncated archive is ArchiveError",
    async run(lib) {
      const { files } = lib.buildSampleImage();
      const tar = lib.writeTar([...files].map(([name, data]) => ({ name, data })));
      await rejects(
        () => lib.openBlobArchive(new Blob([tar.subarray(0, 700) as BlobPart]), "latest", "cut.tar"),
        { type: lib.ArchiveError, code: "ARCHIVE" },
        "truncated",
      );
    },
  },
  {
    name: "images: references and platforms",
    run(lib) {
      equal(lib.formatReference(lib.parseReference("alpine")), "docker.io/library/alpine:latest", "alpine");
      equal(
        lib.formatReference(lib.parseReference("localhost:5000/a/b@sha256:" + "0".repeat(64))),
        "localhost:5000/a/b@sha256:" + "0".repeat(64),
        "port + digest",
      );
      equal(lib.parsePlatform("linux/arm64/v8"), { os: "linux", architecture: "arm64", variant: "v8" }, "platform");
      equal(
        lib.sha256Of(new TextEncoder().encode("abc")),
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "sha256 abc",
      );
    },
  },
];
