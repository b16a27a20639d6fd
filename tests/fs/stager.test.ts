// LayerFS's two seams for staging a layer elsewhere: `stager` (another worker read, verified
// and parsed the layer; what it staged is applied here as if read here) and the `hashers`
// LayerFS.stage takes (a caller's own sha256 for both digests). The reference is the same
// layers mounted the plain way: the merged view must be the same, path for path.

import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import "../../src/node.js";
import { DigestMismatchError } from "../../src/errors.js";
import { LayerFS } from "../../src/fs/merge.js";
import type { StagedLayer } from "../../src/fs/stage.js";
import type { LayerLike } from "../../src/oci/layer.js";
import { tarLayer } from "./helpers/layers.js";

const enc = new TextEncoder();
const layers = (): LayerLike[] => [
  tarLayer(
    [
      { name: "etc/", type: "dir" },
      { name: "etc/a", data: enc.encode("one") },
      { name: "etc/b", data: enc.encode("two") },
    ],
    { gzip: true },
  ),
  tarLayer([{ name: "etc/.wh.a" }, { name: "etc/b", data: enc.encode("two, again") }, { name: "usr/c", data: enc.encode("three") }]),
];

function tree(fs: LayerFS): string[] {
  return [...fs.walk()].map((s) => `${s.path} ${s.type} ${s.size} layer=${s.layer}`);
}

describe("LayerFS staging elsewhere", () => {
  test("layers staged by another LayerFS and applied through `stager` give the plain mount's view", async () => {
    const plain = new LayerFS();
    await plain.mountBatch(layers());
    const input = layers();
    const elsewhere = new LayerFS();
    const staged = new Map<LayerLike, Promise<StagedLayer>>(input.map((l, i) => [l, elsewhere.stage(l, `layer ${i}`)]));
    let asked = 0;
    const fs = new LayerFS({
      stager: (layer) => {
        asked++;
        return staged.get(layer);
      },
    });
    const records = [];
    for (const l of input) records.push(await fs.mount(l));
    expect(asked).toBe(input.length);
    expect(tree(fs)).toEqual(tree(plain));
    expect(records.map((r) => r.diffId)).toEqual(plain.layers.map((r) => r.diffId));
    expect(await new Response(fs.readFile("etc/b")).text()).toBe("two, again");
    // A layer the stager does not know is read here.
    const more = tarLayer([{ name: "opt/d", data: enc.encode("four") }]);
    await fs.mount(more);
    expect(fs.exists("opt/d")).toBe(true);
    plain.free();
    fs.free();
    elsewhere.free();
  });

  test("stage() hashes both digests with the hashers given, and still refuses a wrong one", async () => {
    const fs = new LayerFS();
    const seen: number[] = [];
    const counting = () => {
      const h = createHash("sha256");
      return {
        update: (b: Uint8Array) => void (seen.push(b.length), h.update(b)),
        digest: () => `sha256:${h.digest("hex")}`,
      };
    };
    const [plain] = layers();
    const parts: Uint8Array[] = [];
    for await (const c of (await plain.open()) as AsyncIterable<Uint8Array>) parts.push(c);
    const blob = Buffer.concat(parts);
    const hex = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
    const gz: LayerLike = { ...plain, digest: hex(blob), diffId: hex(gunzipSync(blob)), size: blob.length };
    const s = await fs.stage(gz, "layer 0", { hashers: { sha256: counting } });
    expect(s.read.digest).toBe(gz.digest);
    expect(s.read.diffId).toBe(gz.diffId);
    // Blob and tar bytes both went through it.
    expect(seen.reduce((a, b) => a + b, 0)).toBe(s.read.compressedBytes + s.read.uncompressedBytes);
    const lying = () => ({ update: () => {}, digest: () => `sha256:${"0".repeat(64)}` });
    await expect(fs.stage(gz, "layer 0", { hashers: { sha256: lying } })).rejects.toBeInstanceOf(DigestMismatchError);
    fs.free();
  });
});
