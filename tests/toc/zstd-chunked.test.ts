// The zstd:chunked fixture (skopeo's --dest-compress-format zstd:chunked, two layers) read
// through its manifests: every visible regular file equals what Python's tarfile finds in the
// zstd-decoded layers (applied in order, whiteouts honoured), every read after the mount is a
// ranged read (the manifest once per layer, then the file's frames), and a corrupted frame is
// refused and the file read whole instead.

import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import "../../src/node.js";
import { LayerFS } from "../../src/fs/merge.js";
import { layerToc } from "../../src/fs/toc/layer-toc.js";
import { tocFile } from "../../src/fs/toc/toc-index.js";
import type { ByteRange, Layer } from "../../src/oci/layer.js";
import { openImage } from "../../src/node/open.js";
import { resolveImage } from "../../src/sources/image.js";
import { chunksOf } from "../../src/fs/chunks.js";
import { FIXTURES, skipFixtures } from "../helpers/fixtures.js";
import { sha256 } from "./estargz-image.js";

const LAYOUT = join(FIXTURES, "layout-zstd-chunked");

/** path -> sha256 of every visible regular file, by zstd(1) and Python's tarfile over the layer blobs in order. */
function oracle(blobs: string[]): Map<string, string> {
  const script = `
import hashlib, json, subprocess, sys, tarfile, io, posixpath
seen = {}
for blob in sys.argv[1:]:
    tar = subprocess.run(["zstd", "-dc", blob], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        for m in t:
            name = posixpath.normpath(m.name).lstrip("/")
            base = posixpath.basename(name)
            if base == ".wh..wh..opq":
                d = posixpath.dirname(name) + "/"
                seen = {k: v for k, v in seen.items() if not k.startswith(d)}
            elif base.startswith(".wh."):
                gone = posixpath.join(posixpath.dirname(name), base[4:])
                seen = {k: v for k, v in seen.items() if k != gone and not k.startswith(gone + "/")}
            elif m.isfile():
                seen[name] = hashlib.sha256(t.extractfile(m).read()).hexdigest()
            elif m.islnk():
                seen[name] = seen[posixpath.normpath(m.linkname).lstrip("/")]
            else:
                seen = {k: v for k, v in seen.items() if k != name and not k.startswith(name + "/")}
print(json.dumps(seen))
`;
  const out = execFileSync("python3", ["-c", script, ...blobs], { encoding: "utf8", maxBuffer: 64 << 20 });
  return new Map(Object.entries(JSON.parse(out) as Record<string, string>).map(([k, v]) => [k, `sha256:${v}`]));
}

interface Open {
  range?: ByteRange;
  bytes: number;
}

function recorded(
  layers: readonly Layer[],
  opens: Open[],
  tamper?: (chunk: Uint8Array, range: ByteRange, at: number) => Uint8Array,
): Layer[] {
  return layers.map(
    (layer) =>
      new Proxy(layer, {
        get(target, key) {
          if (key !== "open") return Reflect.get(target, key, target) as unknown;
          return async (range?: ByteRange) => {
            const stream = await target.open(range);
            const record: Open = { range, bytes: 0 };
            opens.push(record);
            return (async function* () {
              for await (const chunk of chunksOf(stream)) {
                record.bytes += chunk.length;
                yield range && tamper ? tamper(chunk, range, record.bytes - chunk.length) : chunk;
              }
            })();
          };
        },
      }),
  );
}

describe.skipIf(skipFixtures())("zstd:chunked layers read through their manifest", () => {
  const mount = async (tamper?: (chunk: Uint8Array, range: ByteRange, at: number) => Uint8Array) => {
    const source = await openImage(`oci:${LAYOUT}:latest`);
    const resolved = await resolveImage(source);
    const opens: Open[] = [];
    const layers = recorded(resolved.layers, opens, tamper);
    const fs = new LayerFS();
    await fs.mountBatch(layers);
    opens.length = 0;
    return {
      fs,
      opens,
      layers,
      blobs: resolved.layers.map((l) => join(LAYOUT, "blobs/sha256", l.digest.slice(7))),
      close: () => source.close?.(),
    };
  };

  test("every visible regular file equals the oracle's, all read with ranged reads", async () => {
    const m = await mount();
    try {
      const want = oracle(m.blobs);
      expect(want.size).toBeGreaterThan(10);
      for (const [path, digest] of want) expect(sha256(await m.fs.image().readFileBytes(path)), path).toBe(digest);
      expect(m.opens.filter((o) => !o.range)).toEqual([]);
      for (const l of m.layers) expect((await layerToc(l, "test"))?.format).toBe("zstd:chunked");
    } finally {
      await m.close();
    }
  });

  test("bin/busybox costs the manifest and its own frames; a corrupted frame is refused and the file read whole", async () => {
    const m = await mount();
    const busybox = m.fs.image().stat("bin/busybox");
    const layer = m.layers[busybox.layer];
    const want = oracle(m.blobs).get("bin/busybox");
    try {
      expect(sha256(await m.fs.image().readFileBytes("bin/busybox"))).toBe(want);
      const file = tocFile((await layerToc(layer, "test"))!, "bin/busybox")!;
      expect(file.chunks.length).toBeGreaterThan(10);
      const frames = { start: file.chunks[0].offset, end: file.chunks[file.chunks.length - 1].end };
      expect(m.opens.map((o) => o.range)[m.opens.length - 1]).toEqual(frames);
    } finally {
      await m.close();
    }
    let target = -1;
    const t = await mount((chunk, range, at) => {
      if (target < range.start + at || target >= range.start + at + chunk.length) return chunk;
      const out = chunk.slice();
      out[target - range.start - at] ^= 0x40;
      return out;
    });
    try {
      const file = tocFile((await layerToc(t.layers[busybox.layer], "test"))!, "bin/busybox")!;
      target = file.chunks[5].offset + 3;
      t.opens.length = 0;
      expect(sha256(await t.fs.image().readFileBytes("bin/busybox"))).toBe(want);
      expect(t.opens[0].range).toBeDefined();
      expect(t.opens.some((o) => !o.range)).toBe(true);
    } finally {
      await t.close();
    }
  });
});
