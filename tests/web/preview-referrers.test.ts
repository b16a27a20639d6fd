// The file viewer draws pictures and the page lists the image's referrers, on a layout built
// here: one image whose layer holds a png (made here, so its pixels are known), an svg that
// would run script if it were put inline, and a text file; and, in index.json beside it, an
// SBOM manifest and a signature whose `subject` is that image (OCI 1.1, image-layout.md keeps
// referrers in index.json). Expected: the png as an <img> of type image/png at its own size,
// the svg as an <img> (never an inline <svg>, its script never run), the text file as text;
// both referrers listed by artifact type and digest, the SBOM's manifest opening in the
// documents view.

import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { writeTar } from "../../src/fs/tar-write.js";
import { openPage, settled, shot, useApp, whyNot } from "./app.js";

const app = useApp("web preview and referrers test");
const enc = new TextEncoder();
const MANIFEST = "application/vnd.oci.image.manifest.v1+json";

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A `w`×`h` RGBA png, every pixel `rgba`. */
function png(w: number, h: number, rgba: [number, number, number, number]): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, "latin1");
    Buffer.from(data).copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter, no interlace
  const rows = Buffer.alloc(h * (1 + 4 * w));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rows.set(rgba, y * (1 + 4 * w) + 1 + 4 * x);
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(rows)), chunk("IEND", new Uint8Array(0))]);
}

const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20"><script>parent.svgRan = true; window.svgRan = true</script><rect width="30" height="20" fill="red"/></svg>`;

/** The layout: its files by path, the image manifest's descriptor and the referrers'. */
function layout() {
  const files = new Map<string, Uint8Array>();
  const put = (b: Uint8Array) => {
    const hex = createHash("sha256").update(b).digest("hex");
    files.set(`blobs/sha256/${hex}`, b);
    return { digest: `sha256:${hex}`, size: b.length };
  };
  const tar = writeTar([
    { name: "srv/", type: "dir", mode: 0o755 },
    { name: "srv/dot.png", data: png(7, 5, [0, 128, 255, 255]), mode: 0o644 },
    { name: "srv/logo.svg", data: enc.encode(SVG), mode: 0o644 },
    { name: "srv/readme.txt", data: enc.encode("plain words\n"), mode: 0o644 },
  ]);
  const layer = put(tar);
  const config = put(
    enc.encode(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [layer.digest] } })),
  );
  const manifest = {
    mediaType: MANIFEST,
    ...put(
      enc.encode(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MANIFEST,
          config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
          layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...layer }],
        }),
      ),
    ),
  };
  const empty = put(enc.encode("{}"));
  const artifact = (artifactType: string, body: string) => {
    const blob = put(enc.encode(body));
    return {
      mediaType: MANIFEST,
      artifactType,
      ...put(
        enc.encode(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: MANIFEST,
            artifactType,
            config: { mediaType: "application/vnd.oci.empty.v1+json", ...empty },
            layers: [{ mediaType: artifactType, ...blob }],
            subject: manifest,
          }),
        ),
      ),
    };
  };
  const sbom = artifact("application/spdx+json", '{"spdxVersion":"SPDX-2.3"}');
  const signature = artifact("application/vnd.dev.cosign.artifact.sig.v1+json", '{"sig":"not a real one"}');
  const index = {
    schemaVersion: 2,
    manifests: [{ ...manifest, annotations: { "org.opencontainers.image.ref.name": "latest" } }, sbom, signature],
  };
  files.set("index.json", enc.encode(JSON.stringify(index)));
  files.set("oci-layout", enc.encode('{"imageLayoutVersion":"1.0.0"}'));
  return { files, manifest, sbom, signature };
}

describe.skipIf(!!whyNot)("web file pictures and referrers", () => {
  it("draws a png and an svg as <img> (the svg never inline), lists the referrers, opens one", async () => {
    const built = layout();
    const dir = join(app().scratch, "pictures-layout");
    for (const [path, bytes] of built.files) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), bytes);
    }
    const { page, problems } = await openPage(app());
    await page.setInputFiles("#folder-input", dir);
    await settled(page);

    // Referrers: both, by artifact type and digest, and nothing else.
    const referrers = await page
      .locator("#referrers [data-testid=referrer]")
      .evaluateAll((lis) => lis.map((li) => ({ digest: li.getAttribute("data-digest"), type: li.getAttribute("data-artifact-type") })));
    expect(referrers.sort((a, b) => a.type!.localeCompare(b.type!))).toEqual(
      [built.sbom, built.signature].map((d) => ({ digest: d.digest, type: d.artifactType })).sort((a, b) => a.type.localeCompare(b.type)),
    );
    expect(
      await page.textContent(`#referrers [data-testid=referrer][data-digest="${built.sbom.digest}"] [data-testid=referrer-kind]`),
    ).toBe("SBOM");
    expect(
      await page.textContent(`#referrers [data-testid=referrer][data-digest="${built.signature.digest}"] [data-testid=referrer-kind]`),
    ).toBe("signature");
    await page.click(`#referrers [data-testid=referrer][data-digest="${built.sbom.digest}"] a.digest-link`);
    await page.waitForSelector(`#documents [data-testid=doc-title][data-digest="${built.sbom.digest}"]`);
    expect(await page.textContent("#documents [data-testid=raw-json]")).toContain(built.manifest.digest);

    // The png: an <img> of image/png that decoded to the png's own size.
    await page.click('#files button.entry[data-path="srv"]');
    await page.click('#files button.entry[data-path="srv/dot.png"]');
    const img = page.locator("#files [data-testid=viewer] img[data-testid=image-preview]");
    await page.waitForSelector("#files img[data-testid=image-preview][data-state=loaded]");
    expect(await img.getAttribute("data-type")).toBe("image/png");
    expect(await img.evaluate((i: HTMLImageElement) => [i.naturalWidth, i.naturalHeight])).toEqual([7, 5]);
    await shot(page, "image-preview");

    // The svg: drawn as an <img> too; no <svg> element put in the page, its script not run.
    await page.click('#files button.entry[data-path="srv/logo.svg"]');
    await page.waitForSelector("#files img[data-testid=image-preview][data-type='image/svg+xml'][data-state=loaded]");
    expect(
      await page.locator("#files [data-testid=viewer] img").evaluate((i: HTMLImageElement) => [i.naturalWidth, i.naturalHeight]),
    ).toEqual([30, 20]);
    expect(await page.locator("#files svg").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { svgRan?: boolean }).svgRan)).toBeUndefined();

    // A text file is still text.
    await page.click('#files button.entry[data-path="srv/readme.txt"]');
    await page.waitForSelector("#files [data-testid=file-text]");
    expect(await page.textContent("#files [data-testid=file-text]")).toBe("plain words\n");
    expect(await page.locator("#files img[data-testid=image-preview]").count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("says there are no referrers for an image nothing names", async () => {
    const { page, problems } = await openPage(app());
    await page.click("#sample-button");
    await settled(page);
    await page.waitForSelector("#referrers [data-testid=no-referrers]");
    expect(await page.locator("#referrers [data-testid=referrer]").count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });
});
