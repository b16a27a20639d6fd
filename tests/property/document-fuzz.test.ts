// Documents: the image-spec validators and parseJson, fed the sample image's manifest, config,
// index and a descriptor with values of the wrong type anywhere (and bytes that are not JSON),
// either accept or refuse with our typed error naming the field (layout-fuzz.test.ts runs the
// same documents through a whole layout).

import "../../src/node.js";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { InvalidManifestError } from "../../src/errors.js";
import { validateConfig, validateDescriptor, validateIndex, validateManifest } from "../../src/oci/validate.js";
import { parseJson } from "../../src/sources/verify.js";
import { anyJson, mutatedJson, mutatedJsonBytes, ourErrorOrValue, runs, sampleFiles } from "./fuzz-inputs.js";

const RUNS = runs(100_000, 5_000);
const s = sampleFiles();

/** Refused with a field named, or accepted: nothing else. */
function validatorVerdict(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(InvalidManifestError);
  }
}

describe("validators on documents with values of any type anywhere", () => {
  test.each([
    ["manifest", s.manifest, (v: unknown) => validateManifest("m", v)],
    ["index", s.index, (v: unknown) => validateIndex("i", v)],
    ["config", s.config, (v: unknown) => validateConfig("c", v)],
    ["descriptor", s.manifest.layers[0], (v: unknown) => validateDescriptor("d", "layers[0]", v)],
  ] as const)("%s", (_name, doc, validate) => {
    fc.assert(
      fc.property(fc.oneof(mutatedJson(doc), anyJson), (v) => validatorVerdict(() => validate(v))),
      { numRuns: RUNS },
    );
  });

  test("the field is named: history[].created that is not a string", () => {
    for (const created of [5, null, {}, [], true]) {
      expect(() => validateConfig("c", { ...s.config, history: [{ created }] })).toThrow(/^c: history\[0\]\.created: must be a string$/);
    }
  });
});

describe("parseJson on arbitrary bytes", () => {
  test("returns a value or throws the caller's typed error", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutatedJsonBytes(s.manifest)), (b) =>
        ourErrorOrValue(() => parseJson(b, (why) => new InvalidManifestError("doc", "", why))),
      ),
      { numRuns: RUNS },
    );
  });
});
