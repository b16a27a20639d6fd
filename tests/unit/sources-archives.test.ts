// Archives built in code with our tar writer: oci-archive and docker-archive (legacy, hybrid,
// several images, symlinked layers, `repositories` with a parent chain), and the ways a tar
// can be broken (truncated anywhere, a corrupt header, a member missing).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { init } from "../../src/node.js";
import { buildReport } from "../../src/report/inspect.js";
import { LayerlensError } from "../../src/errors.js";
import { writeTar, type TarWriteEntry } from "../../src/fs/tar-write.js";
import { buildSampleImage } from "../../src/sample.js";
import { bytesReader } from "../../src/sources/byte-reader.js";
import { openArchive } from "../../src/sources/open-web.js";
import { indexTar, resolveMember } from "../../src/sources/tar-index.js";
import { resolveImage } from "../../src/sources/image.js";
import type { ImageSource } from "../../src/sources/source.js";
import { blobKey, enc, sha } from "./sources-helpers.js";

await init();

const dec = new TextDecoder();

function ociArchive(): Uint8Array {
  const { files } = buildSampleImage();
  return writeTar([...files].map(([name, data]) => ({ name, data })));
}

/** A legacy docker-archive of the sample: <diffid>.tar layers, <id>/layer.tar symlinks, repositories. */
function dockerArchive(opts: { images?: number; hybrid?: boolean } = {}): { tar: Uint8Array; config: any; layers: Uint8Array[] } {
  const { files } = buildSampleImage();
  const index = JSON.parse(dec.decode(files.get("index.json")));
  const manifest = JSON.parse(dec.decode(files.get(blobKey(index.manifests[0].digest))));
  const configBytes = files.get(blobKey(manifest.config.digest))!;
  const config = JSON.parse(dec.decode(configBytes));
  const gz = manifest.layers.map((l: { digest: string }) => files.get(blobKey(l.digest))!);
  const layers = gz.map((g: Uint8Array) => gunzipStored(g));
  const entries: TarWriteEntry[] = [];
  const images: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  for (let i = 0; i < (opts.images ?? 1); i++) {
    const cfg = i === 0 ? configBytes : enc.encode(JSON.stringify({ ...config, author: `image ${i}` }));
    const cfgName = opts.hybrid ? blobKey(sha(cfg)) : `${sha(cfg).slice(7)}.json`;
    entries.push({ name: cfgName, data: cfg });
    images.push({ Config: cfgName, RepoTags: [`example.com/sample:v${i}`], Layers: [] as string[] });
  }
  layers.forEach((tar: Uint8Array, i: number) => {
    const diff = sha(tar).slice(7);
    if (opts.hybrid) {
      entries.push({ name: `blobs/sha256/${diff}`, data: tar });
      for (const img of images) img.Layers.push(`blobs/sha256/${diff}`);
    } else {
      entries.push({ name: `${diff}.tar`, data: tar });
      const id = "f".repeat(63) + i;
      entries.push({ name: id, type: "dir" }, { name: `${id}/layer.tar`, type: "symlink", linkname: `../${diff}.tar` });
      for (const img of images) img.Layers.push(`${id}/layer.tar`);
    }
  });
  entries.push({ name: "manifest.json", data: enc.encode(JSON.stringify(images)) });
  if (opts.hybrid) {
    entries.push({ name: "oci-layout", data: enc.encode('{"imageLayoutVersion":"1.0.0"}') });
    entries.push({ name: "index.json", data: enc.encode('{"schemaVersion":2,"manifests":[]}') });
  }
  return { tar: writeTar(entries), config, layers };
}

/** Undo gzipStored (stored deflate blocks) without a decompressor. */
function gunzipStored(g: Uint8Array): Uint8Array {
  const out: number[] = [];
  let at = 10;
  for (;;) {
    const final = g[at] & 1;
    const len = g[at + 1] | (g[at + 2] << 8);
    out.push(...g.subarray(at + 5, at + 5 + len));
    at += 5 + len;
    if (final) break;
  }
  return new Uint8Array(out);
}

async function inspectSource(source: ImageSource) {
  return buildReport(await resolveImage(source));
}

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(err).toBeInstanceOf(LayerlensError);
  return (err as LayerlensError).code;
}

describe("oci-archive", () => {
  it("opens the sample archived and equals the layout", async () => {
    const r = await inspectSource(await openArchive(bytesReader(ociArchive()), "sample.tar", "latest"));
    expect(r.digest).toBe(buildSampleImage().manifestDigest);
    expect(r.layers).toHaveLength(3);
  });

  it("a truncation at any 512-byte boundary or inside a member is a typed error, never a result", async () => {
    const full = ociArchive();
    const cuts = new Set<number>();
    for (let at = 0; at < full.length - 1024; at += 512) cuts.add(at);
    for (let i = 0; i < 40; i++) cuts.add(1 + Math.floor(((full.length - 1026) * i) / 40));
    for (const cut of cuts) {
      const c = await code(openArchive(bytesReader(full.subarray(0, cut)), "cut.tar", "latest").then(inspectSource));
      expect(["ARCHIVE", "NOT_FOUND", "SIZE_MISMATCH"], `cut at ${cut}`).toContain(c);
    }
  });

  it("a corrupt header byte is ARCHIVE (bad checksum)", async () => {
    const t = ociArchive().slice();
    t[20] ^= 0x40;
    expect(await code(openArchive(bytesReader(t), "bad.tar"))).toBe("ARCHIVE");
  });

  it("arbitrary bytes either index or raise ARCHIVE", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), async (bytes) => {
        try {
          await indexTar(bytesReader(bytes), "fuzz");
        } catch (err) {
          expect((err as LayerlensError).code).toBe("ARCHIVE");
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("docker-archive", () => {
  it("legacy layout: symlinked <id>/layer.tar, digests = diff_ids, config named by hash", async () => {
    const { tar, config } = dockerArchive();
    const src = await openArchive(bytesReader(tar), "docker.tar");
    const r = await inspectSource(src);
    expect(r.layers.map((l) => l.digest)).toEqual(config.rootfs.diff_ids);
    expect(r.layers.map((l) => l.diffId)).toEqual(config.rootfs.diff_ids);
    expect(r.config.env).toEqual(config.config.Env);
    expect(r.manifest.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
  });

  it("Docker 25+ hybrid (OCI blobs + manifest.json) opens the same image", async () => {
    const a = await inspectSource(await openArchive(bytesReader(dockerArchive().tar), "legacy.tar"));
    const b = await inspectSource(await openArchive(bytesReader(dockerArchive({ hybrid: true }).tar), "hybrid.tar"));
    expect(b.layers.map((l) => l.digest)).toEqual(a.layers.map((l) => l.digest));
    expect(b.config.digest).toBe(a.config.digest);
  });

  it("several images: chosen by RepoTag or @N, refused when none is named", async () => {
    const { tar } = dockerArchive({ images: 3 });
    expect(await code(openArchive(bytesReader(tar), "multi.tar"))).toBe("INVALID_REFERENCE");
    const v2 = await inspectSource(await openArchive(bytesReader(tar), "multi.tar", "example.com/sample:v2"));
    const at2 = await inspectSource(await openArchive(bytesReader(tar), "multi.tar", "@2"));
    expect(v2.config.author).toBe("image 2");
    expect(at2.config.digest).toBe(v2.config.digest);
    expect(await code(openArchive(bytesReader(tar), "multi.tar", "@7"))).toBe("NOT_FOUND");
  });

  it("a layer member missing is NOT_FOUND naming it", async () => {
    const { tar } = dockerArchive();
    const members = await indexTar(bytesReader(tar), "x");
    const keep = [...members.values()].filter((m) => !m.name.endsWith(".tar") || m.name.includes("/"));
    const rebuilt = writeTar(
      keep.map((m) => ({
        name: m.name,
        type: m.type === "2" ? ("symlink" as const) : m.type === "5" ? ("dir" as const) : ("file" as const),
        linkname: m.linkname,
        data: tar.subarray(m.offset, m.offset + m.size),
      })),
    );
    expect(await code(openArchive(bytesReader(rebuilt), "x.tar"))).toBe("NOT_FOUND");
  });

  it("a layer whose bytes do not match the config's diff_id is DIGEST_MISMATCH", async () => {
    const { tar } = dockerArchive();
    const members = await indexTar(bytesReader(tar), "x");
    const layer = [...members.values()].find((m) => /^[a-f0-9]{64}\.tar$/.test(m.name))!;
    const t = tar.slice();
    t[layer.offset + 600] ^= 1; // inside the first file's data
    expect(await code(openArchive(bytesReader(t), "x.tar").then(inspectSource))).toBe("DIGEST_MISMATCH");
  });

  it("repositories-only archive: parent chain walked; a parent cycle is CYCLE with its ids", async () => {
    const layer = writeTar([{ name: "a.txt", data: enc.encode("a") }]);
    const ids = ["1".repeat(64), "2".repeat(64)];
    const entries = (parentOfFirst: string | undefined): TarWriteEntry[] => [
      { name: "repositories", data: enc.encode(JSON.stringify({ "example.com/old": { v1: ids[1] } })) },
      {
        name: `${ids[0]}/json`,
        data: enc.encode(
          JSON.stringify({
            id: ids[0],
            ...(parentOfFirst ? { parent: parentOfFirst } : {}),
            os: "linux",
            architecture: "amd64",
            created: "2020-01-01T00:00:00Z",
            config: {},
          }),
        ),
      },
      { name: `${ids[0]}/layer.tar`, data: layer },
      {
        name: `${ids[1]}/json`,
        data: enc.encode(
          JSON.stringify({
            id: ids[1],
            parent: ids[0],
            os: "linux",
            architecture: "amd64",
            created: "2020-01-01T00:00:00Z",
            config: { Env: ["A=1"] },
          }),
        ),
      },
      { name: `${ids[1]}/layer.tar`, data: layer },
    ];
    const ok = await inspectSource(await openArchive(bytesReader(writeTar(entries(undefined))), "old.tar"));
    expect(ok.layers.map((l) => l.diffId)).toEqual([sha(layer), sha(layer)]);
    expect(ok.config.env).toEqual(["A=1"]);
    const err = await openArchive(bytesReader(writeTar(entries(ids[1]))), "loop.tar").then(
      () => undefined,
      (e) => e,
    );
    expect(err.code).toBe("CYCLE");
    // LayerGraph names the cycle's ids as digests, in edge order
    expect([...err.cycle].sort()).toEqual([`sha256:${ids[0]}`, `sha256:${ids[1]}`]);
    expect(err.message).toContain(ids[0]);
  });

  it("manifest.json that is not a list of images is INVALID_MANIFEST naming the field", async () => {
    const bad = writeTar([{ name: "manifest.json", data: enc.encode('[{"Config": 5, "Layers": []}]') }]);
    const err = await openArchive(bytesReader(bad), "bad.tar").then(
      () => undefined,
      (e) => e,
    );
    expect(err.code).toBe("INVALID_MANIFEST");
    expect(err.message).toMatch(/\[0\]\.Config/);
  });
});

describe("tar writer and index agree", () => {
  it("long names (PAX path), long link targets, unicode, ustar prefix split, links resolved", async () => {
    const long = "d/".repeat(80) + "file.txt";
    const entries: TarWriteEntry[] = [
      { name: long, data: enc.encode("long") },
      { name: "prefix/" + "p".repeat(120) + "/x", data: enc.encode("prefixed") },
      { name: "ünïcödé/😀.txt", data: enc.encode("u") },
      { name: "link-to-long", type: "symlink", linkname: long },
      { name: "hard", type: "hardlink", linkname: long },
    ];
    const tar = writeTar(entries);
    const members = await indexTar(bytesReader(tar), "t");
    expect([...members.keys()]).toEqual(entries.map((e) => e.name));
    const target = resolveMember(members, "link-to-long", "t");
    expect(dec.decode(tar.subarray(target.offset, target.offset + target.size))).toBe("long");
    expect(resolveMember(members, "hard", "t").name).toBe(long);
  });

  it("GNU tar reads what we write (names, sizes, link targets)", async () => {
    const { execFileSync } = await import("node:child_process");
    const tar = writeTar([
      { name: "a/" + "b".repeat(150), data: enc.encode("x") },
      { name: "l", type: "symlink", linkname: "t".repeat(120) },
    ]);
    const listing = execFileSync("tar", ["tvf", "-"], { input: tar, encoding: "utf8" });
    expect(listing).toContain("b".repeat(150));
    expect(listing).toContain("-> " + "t".repeat(120));
  });

  it("is deterministic", () => {
    expect(sha(ociArchive())).toBe(sha(ociArchive()));
  });
});
