// A layout with one document fuzzed (manifest, config, index.json, a referrer candidate):
// open, resolve, list referrers and build the report, and either succeed or refuse with our
// typed error. Before, a manifest whose JSON is `null` or a null referrer candidate ended in
// TypeErrors (INTERNAL in the CLI).

import "../../src/node.js";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { buildReport } from "../../src/report/inspect.js";
import { memoryStore } from "../../src/sources/file-store.js";
import { resolveImage, resolveReferrers } from "../../src/sources/image.js";
import { LayoutSource } from "../../src/sources/layout.js";
import { mutatedJsonBytes, ourErrorOrValueAsync, runs, sampleFiles } from "./fuzz-inputs.js";

// Each case reads and verifies a whole image: fewer than the per-parser runs of document-fuzz.
const RUNS = runs(2_500, 300);
const s = sampleFiles();
const enc = new TextEncoder();
const sha = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");

/** The sample layout with the manifest, the config or index.json replaced, re-pointed so digests hold. */
function layoutWith(which: "manifest" | "config" | "index" | "referrer", bytes: Uint8Array): Map<string, Uint8Array> {
  const files = new Map(s.files);
  const put = (b: Uint8Array) => {
    files.set(`blobs/sha256/${sha(b).slice(7)}`, b);
    return { digest: sha(b), size: b.length };
  };
  const index = structuredClone(s.index);
  if (which === "index") files.set("index.json", bytes);
  else if (which === "referrer") {
    // An extra index entry whose manifest is the fuzzed document, read by --referrers.
    index.manifests.push({ mediaType: "application/vnd.oci.image.manifest.v1+json", ...put(bytes) });
    files.set("index.json", enc.encode(JSON.stringify(index)));
  } else {
    const manifest = which === "config" ? { ...s.manifest, config: { ...s.manifest.config, ...put(bytes) } } : null;
    const m = manifest ? put(enc.encode(JSON.stringify(manifest))) : put(bytes);
    index.manifests[0] = { ...index.manifests[0], ...m };
    files.set("index.json", enc.encode(JSON.stringify(index)));
  }
  return files;
}

describe("a layout with one fuzzed document: open, resolve, referrers, report", () => {
  const docs = { manifest: s.manifest, config: s.config, index: s.index, referrer: { ...s.manifest, subject: s.index.manifests[0] } };
  test.each(Object.keys(docs) as (keyof typeof docs)[])("%s", async (which) => {
    await fc.assert(
      fc.asyncProperty(mutatedJsonBytes(docs[which]), async (bytes) => {
        await ourErrorOrValueAsync(async () => {
          const source = await LayoutSource.open(memoryStore(layoutWith(which, bytes), "fuzz"), "latest");
          const image = await resolveImage(source);
          await resolveReferrers(source, image.manifestDescriptor);
          await buildReport(image, { quick: true });
        });
      }),
      { numRuns: RUNS },
    );
  });

  test("named cases: a manifest whose JSON is null, a null referrer candidate", async () => {
    const open = (files: Map<string, Uint8Array>) => LayoutSource.open(memoryStore(files, "fuzz"), "latest");
    await expect(resolveImage(await open(layoutWith("manifest", enc.encode("null"))))).rejects.toThrow(
      /^manifest sha256:[0-9a-f]{64}: a manifest must be a JSON object$/,
    );
    const source = await open(layoutWith("referrer", enc.encode("null")));
    const image = await resolveImage(source);
    await expect(resolveReferrers(source, image.manifestDescriptor)).rejects.toThrow(/a manifest must be a JSON object$/);
    const typed = await open(layoutWith("referrer", enc.encode(JSON.stringify({ ...docs.referrer, artifactType: 5 }))));
    await expect(resolveReferrers(typed, (await resolveImage(typed)).manifestDescriptor)).rejects.toThrow(
      /artifactType: must be a string$/,
    );
  });
});
