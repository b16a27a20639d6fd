// The TOC parsers and the footer on arbitrary input: each either gives a chunk map that keeps
// the invariants toc-index.ts promises (chunks back to back over the file, members in blob
// order and before the metadata, digests valid) or throws TocFormatError, nothing else.

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { isVerifiableDigest } from "../../src/oci/digest.js";
import { parseEstargzFooter } from "../../src/fs/toc/estargz-footer.js";
import { parseEstargzToc } from "../../src/fs/toc/estargz-toc.js";
import { TocFormatError } from "../../src/fs/toc/errors.js";
import type { LayerToc } from "../../src/fs/toc/toc-index.js";
import { parseZstdChunkedToc } from "../../src/fs/toc/zstd-chunked-toc.js";

const METADATA = 5000;
const digest = fc.constantFrom("sha256:" + "a".repeat(64), "sha256:" + "0".repeat(63), "md5:00", undefined);
const num = fc.oneof(fc.integer({ min: 0, max: 6000 }), fc.constantFrom(-1, 1.5, undefined, "7"));
const entry = fc.record(
  {
    type: fc.constantFrom("reg", "chunk", "dir", "hardlink", "symlink", "sock"),
    name: fc.constantFrom("a", "b", "./a", "a/", "", undefined),
    linkName: fc.constantFrom("a", "b", undefined),
    size: num,
    offset: num,
    endOffset: num,
    chunkOffset: num,
    chunkSize: num,
    innerOffset: fc.constantFrom(0, 10, undefined),
    chunkDigest: digest,
    digest,
  },
  { requiredKeys: ["type"] },
);

function checkInvariants(toc: LayerToc): void {
  for (const [path, f] of toc.files) {
    if (typeof f === "string") continue;
    let next = 0;
    let lastOffset = -1;
    for (const c of f.chunks) {
      expect(c.fileOffset, path).toBe(next);
      expect(c.size, path).toBeGreaterThan(0);
      expect(c.offset, path).toBeGreaterThanOrEqual(lastOffset);
      expect(c.end, path).toBeGreaterThan(c.offset);
      expect(c.end, path).toBeLessThanOrEqual(METADATA);
      expect(isVerifiableDigest(c.digest), path).toBe(true);
      next += c.size;
      lastOffset = c.offset;
    }
    expect(next, path).toBe(f.size);
  }
}

const parseOrRefuse = (parse: () => LayerToc) => {
  try {
    checkInvariants(parse());
  } catch (e) {
    if (!(e instanceof TocFormatError)) throw e;
  }
};

describe("TOC parsers on arbitrary input", () => {
  test("eStargz and zstd:chunked entries: a map that keeps the invariants, or TOC_FORMAT", () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), (entries) => {
        parseOrRefuse(() => parseEstargzToc({ version: 1, entries }, METADATA, "sha256:x", "L"));
        parseOrRefuse(() => parseZstdChunkedToc({ version: 1, entries }, METADATA, "sha256:x", "L"));
      }),
      { numRuns: 3000 },
    );
  });

  test("any JSON value as the document", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (doc) => {
        parseOrRefuse(() => parseEstargzToc(doc, METADATA, "sha256:x", "L"));
        parseOrRefuse(() => parseZstdChunkedToc(doc, METADATA, "sha256:x", "L"));
      }),
      { numRuns: 500 },
    );
  });

  test("any 51 bytes as the footer: an offset inside the blob, or TOC_FORMAT", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 51, maxLength: 51 }), (bytes) => {
        try {
          const at = parseEstargzFooter(bytes, 1 << 20, "L");
          expect(at).toBeLessThan((1 << 20) - 51);
        } catch (e) {
          if (!(e instanceof TocFormatError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
