// The merged view of every fixture image equals umoci's unpacked rootfs (fixtures/expected/
// <tag>/rootfs.tsv, made by `umoci unpack` + find/sha256sum/getfattr), row by row: path, type,
// mode incl. special bits, owner, size, mtime, content sha256, link target, hard-link group,
// user xattrs, device numbers. Any difference fails with the paths listed.

import { describe, expect, test } from "vitest";
import "../../src/node.js";
import { LayerFS } from "../../src/fs/merge.js";
import { expectedRootfs, fixtureImage, SKIP_FIXTURES } from "./helpers/fixtures.js";
import { diffRows, formatDiffs, rowsOfImage } from "./helpers/rootfs.js";

// tag -> [layout dir, tag in it, expected rootfs]
const CASES: [string, string, string, string][] = [
  ["empty", "layout", "empty", "empty"],
  ["v1", "layout", "v1", "v1"],
  ["v2", "layout", "v2", "v2"],
  ["v3 (opaque, no end-of-archive)", "layout", "v3", "v3"],
  ["v4 (whiteout, 512-byte tar)", "layout", "v4", "v4"],
  ["v5 (empty layer)", "layout", "v5", "v5"],
  ["v6 (re-created paths)", "layout", "v6", "v6"],
  ["latest", "layout", "latest", "latest"],
  ["gnutar (GNU format layer)", "layout", "gnutar", "gnutar"],
  ["multi-amd64", "layout", "multi-amd64", "multi-amd64"],
  ["multi-arm64", "layout", "multi-arm64", "multi-arm64"],
  ["zstd (latest recompressed)", "layout-zstd", "latest", "latest"],
  ["zstd:chunked (v2)", "layout-zstd-chunked", "latest", "v2"],
  ["uncompressed (latest)", "layout-uncompressed", "latest", "latest"],
  ["from docker-archive (latest)", "layout-from-docker-archive", "latest", "latest"],
];

describe.skipIf(SKIP_FIXTURES)("merged view equals umoci's rootfs", () => {
  for (const [title, layout, tag, expected] of CASES) {
    test.each([["mount"], ["mountBatch"]])(`${title} (%s)`, async (how) => {
      const img = fixtureImage(layout, tag);
      const fs = new LayerFS({ hashFiles: true });
      if (how === "mount") for (const l of img.layers) await fs.mount(l);
      else await fs.mountBatch(img.layers);
      const diffs = diffRows(expectedRootfs(expected), rowsOfImage(fs.image()));
      expect(diffs, formatDiffs(diffs)).toEqual([]);
    });
  }
});
