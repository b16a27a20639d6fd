// export: the flattened tar of every fixture image, extracted by GNU tar, equals umoci's
// rootfs row by row; mounted back as a single layer it gives the same view; two exports of
// the same view are byte-identical.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { exportImage } from "../../src/fs/export.js";
import { LayerFS } from "../../src/fs/merge.js";
import { expectedRootfs, fixtureImage, SKIP_FIXTURES } from "./helpers/fixtures.js";
import { diffRows, formatDiffs, rowsOfDir, rowsOfImage } from "./helpers/rootfs.js";

const TMP = mkdtempSync(join(tmpdir(), "layerlens-export-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

async function exportBytes(fs: LayerFS): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  await exportImage(fs.image(), (c) => parts.push(c));
  return Buffer.concat(parts);
}

const TAGS = ["v1", "v2", "v3", "v4", "v6", "latest", "gnutar", "multi-arm64"];

describe.skipIf(SKIP_FIXTURES)("export extracted by GNU tar equals umoci's rootfs", () => {
  for (const tag of TAGS) {
    test(tag, async () => {
      const fs = new LayerFS({ hashFiles: true });
      await fs.mountBatch(fixtureImage("layout", tag).layers);
      const tar = await exportBytes(fs);
      expect((await exportBytes(fs)).equals(tar), "export is deterministic").toBe(true);

      const file = join(TMP, `${tag}.tar`);
      writeFileSync(file, tar);
      const dir = join(TMP, tag);
      execFileSync("mkdir", ["-p", dir]);
      execFileSync("tar", ["--numeric-owner", "-p", "--xattrs", "--xattrs-include=user.*", "-xf", file, "-C", dir]);
      const diffs = diffRows(expectedRootfs(tag), rowsOfDir(dir));
      expect(diffs, formatDiffs(diffs)).toEqual([]);

      const again = new LayerFS({ hashFiles: true });
      await again.mount({
        open: async function* () {
          yield tar;
        },
      });
      const back = diffRows(rowsOfImage(fs.image()), rowsOfImage(again.image()));
      expect(back, formatDiffs(back)).toEqual([]);
    });
  }
});
