// docker-archive: what `docker save` / `podman save` / `skopeo copy docker-archive:` write.
// manifest.json lists images: {Config, RepoTags, Layers[, LayerSources]}. Legacy archives keep
// layers as <id>/layer.tar (often symlinks to <diffid>.tar); Docker 25+ writes an OCI layout
// (blobs/sha256/...) and a manifest.json pointing into it (LayerSources then carries the
// layers' real descriptors). Archives with only the older `repositories` file are walked
// through each layer's <id>/json "parent" chain (a cycle there is refused).
//
// There is no manifest in the archive, so we synthesise the Docker v2 schema 2 manifest that
// skopeo (containers/image) synthesises, byte for byte, so its digest equals skopeo's answer:
// config digest = sha256 of the config's bytes, layer digests = the config's
// rootfs.diff_ids (verified when read), layer media type ...rootfs.diff.tar.gzip as
// skopeo writes it whatever the bytes are. That label is kept in the manifest (it is what
// the digest binds) but not handed to readers: each layer's Layer.mediaType is the type its
// sniffed bytes have (layerMediaType), so the merged view does not warn about a label we
// made up. Docker schema 2 has no zstd layer type, so an archive holding a zstd layer gets
// an OCI image manifest instead, with every layer typed by its bytes.
// Spec: https://github.com/moby/moby/blob/master/image/spec/v1.2.md (combined image JSON + layers)

import { ArchiveError, InvalidManifestError, InvalidReferenceError, NotFoundError } from "../errors.js";
import {
  type Compression,
  DOCKER_CONFIG,
  DOCKER_LAYER,
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  OCI_CONFIG,
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_LAYER_ZSTD,
  OCI_MANIFEST,
  sniffCompression,
} from "../oci/media-types.js";
import { formatReference, parseReference } from "../oci/reference.js";
import type { Descriptor } from "../oci/types.js";
import { validateDescriptor } from "../oci/validate.js";
import { createSha256, sha256Of } from "../hash/hasher.js";
import { type ByteReader, STREAM_CHUNK, streamRange } from "./byte-reader.js";
import { LayerGraph } from "../graph.js";
import { loadDefaultCore } from "../wasm/core.js";
import { readJsonFile } from "./layout.js";
import { MANIFEST_MAX_BYTES, parseJson } from "./verify.js";
import type { ByteRange, ImageSource } from "./source.js";
import { type TarMember, type TarStore, resolveMember, tarStore } from "./tar-index.js";

export interface DockerArchiveImage {
  Config: string;
  RepoTags: string[];
  Layers: string[];
  LayerSources?: Record<string, Descriptor>;
}

export class DockerArchiveSource implements ImageSource {
  private constructor(
    readonly name: string,
    readonly images: DockerArchiveImage[],
    readonly chosen: DockerArchiveImage,
    private readonly manifestBytes: Uint8Array,
    private readonly manifestDesc: Descriptor,
    /** digest -> the member holding its bytes (or in-memory bytes for synthesised blobs). */
    private readonly blobs: Map<string, TarMember | Uint8Array>,
    private readonly reader: ByteReader,
    /** layer digest -> the media type its bytes have, where the manifest's label says otherwise. */
    private readonly byteTypes: Map<string, string>,
  ) {}

  /** The media type a layer's bytes have, when the synthesised manifest labels it otherwise. */
  layerMediaType(desc: Descriptor): string | undefined {
    return this.byteTypes.get(desc.digest);
  }

  /** The repo tags of the chosen image. */
  get repoTags(): string[] {
    return this.chosen.RepoTags;
  }

  /** Index and open a docker-archive; `selector` is a RepoTag or "@N" (skopeo's forms). */
  static async open(reader: ByteReader, where: string, selector?: string, indexed?: TarStore): Promise<DockerArchiveSource> {
    const store = indexed ?? (await tarStore(reader, where));
    let images: DockerArchiveImage[];
    const extra = new Map<string, Uint8Array>();
    if (await store.exists("manifest.json")) {
      images = checkManifestJson(await readJsonFile(store, "manifest.json", `${where}/manifest.json`), `${where}/manifest.json`);
    } else if (await store.exists("repositories")) {
      images = await legacyImages(store, where, extra);
    } else {
      throw new ArchiveError(where, "not a docker-archive: no manifest.json or repositories");
    }
    const chosen = chooseImage(images, selector, where);
    const blobs = new Map<string, TarMember | Uint8Array>(extra);
    // The config is read once: its bytes give both its digest and the layers' diff_ids.
    const synthesized = extra.get(chosen.Config);
    let configBytes: Uint8Array;
    let configDesc: Descriptor;
    if (synthesized) {
      configBytes = synthesized;
      configDesc = { mediaType: DOCKER_CONFIG, size: synthesized.length, digest: chosen.Config };
    } else {
      const member = resolveMember(store.members, chosen.Config, where);
      configBytes = await readConfigMember(store, chosen.Config, member, where);
      configDesc = { mediaType: DOCKER_CONFIG, size: member.size, digest: sha256Of(configBytes) };
      blobs.set(configDesc.digest, member);
    }
    const config = diffIdsOf(configBytes, `${where}/${chosen.Config}`);
    if (config.length !== chosen.Layers.length) {
      throw new InvalidManifestError(
        `${where}: image ${chosen.Config}`,
        "Layers",
        `${chosen.Layers.length} layers but the config lists ${config.length} rootfs.diff_ids`,
      );
    }
    const found: { desc: Descriptor; compression?: Compression }[] = [];
    for (const [i, path] of chosen.Layers.entries()) {
      const member = resolveMember(store.members, path, where);
      // LayerSources describes foreign layers (bytes elsewhere, at `urls`); for the others
      // skopeo ignores it and so do we, which keeps the synthesised manifest identical.
      const source = chosen.LayerSources?.[config[i]];
      const layer = source?.urls?.length ? { desc: source } : await layerDescriptor(reader, member, path, config[i]);
      blobs.set(layer.desc.digest, member);
      found.push(layer);
    }
    const oci = found.some((l) => l.compression === "zstd");
    const byteTypes = new Map<string, string>();
    const layers = found.map(({ desc, compression }) => {
      if (!compression) return desc;
      if (oci) return { ...desc, mediaType: OCI_LAYER_TYPES[compression] };
      if (compression === "none") byteTypes.set(desc.digest, DOCKER_LAYER);
      return desc;
    });
    const type = oci ? OCI_MANIFEST : DOCKER_MANIFEST;
    if (oci) configDesc = { ...configDesc, mediaType: OCI_CONFIG };
    const manifest = { schemaVersion: 2, mediaType: type, config: configDesc, layers };
    const bytes = new TextEncoder().encode(JSON.stringify(manifest, descriptorKeyOrder));
    const manifestDesc = { mediaType: type, size: bytes.length, digest: sha256Of(bytes) };
    blobs.set(manifestDesc.digest, bytes);
    return new DockerArchiveSource(
      `docker-archive:${where}${selector ? ":" + selector : ""}`,
      images,
      chosen,
      bytes,
      manifestDesc,
      blobs,
      reader,
      byteTypes,
    );
  }

  async root(): Promise<Descriptor> {
    return this.manifestDesc;
  }

  async openBlob(desc: Descriptor, range?: ByteRange): Promise<ReadableStream<Uint8Array>> {
    const blob = this.blobs.get(desc.digest);
    if (!blob) throw new NotFoundError(`${this.name}: blob ${desc.digest} is not in the archive`, desc.digest);
    if (blob instanceof Uint8Array) {
      const part = blob.subarray(range?.start ?? 0, range?.end ?? blob.length);
      return new ReadableStream({
        start(c) {
          c.enqueue(part);
          c.close();
        },
      });
    }
    const start = blob.offset + (range?.start ?? 0);
    const end = blob.offset + Math.min(range?.end ?? blob.size, blob.size);
    return streamRange(this.reader, start, end);
  }

  async close(): Promise<void> {
    await this.reader.close?.();
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** containers/image writes descriptors as mediaType, size, digest: keep that order. */
function descriptorKeyOrder(this: unknown, key: string, value: unknown): unknown {
  if (value && typeof value === "object" && !Array.isArray(value) && "digest" in value && "size" in value) {
    const { mediaType, size, digest, ...rest } = value as Descriptor;
    return { mediaType, size, digest, ...rest };
  }
  return value;
}

function checkManifestJson(json: unknown, what: string): DockerArchiveImage[] {
  if (!Array.isArray(json)) throw new InvalidManifestError(what, "", "must be a JSON array of images");
  if (json.length === 0) throw new InvalidManifestError(what, "", "lists no images");
  return json.map((img, i) => {
    if (typeof img !== "object" || img === null) throw new InvalidManifestError(what, `[${i}]`, "must be an object");
    const { Config, RepoTags, Layers, LayerSources } = img as Record<string, unknown>;
    if (typeof Config !== "string") throw new InvalidManifestError(what, `[${i}].Config`, "is required and must be a path");
    if (!Array.isArray(Layers) || Layers.some((l) => typeof l !== "string"))
      throw new InvalidManifestError(what, `[${i}].Layers`, "must be an array of paths");
    if (RepoTags != null && (!Array.isArray(RepoTags) || RepoTags.some((t) => typeof t !== "string")))
      throw new InvalidManifestError(what, `[${i}].RepoTags`, "must be an array of strings");
    if (LayerSources != null) {
      if (typeof LayerSources !== "object" || Array.isArray(LayerSources))
        throw new InvalidManifestError(what, `[${i}].LayerSources`, "must be an object");
      for (const [k, d] of Object.entries(LayerSources)) validateDescriptor(what, `[${i}].LayerSources[${JSON.stringify(k)}]`, d);
    }
    return {
      Config,
      RepoTags: (RepoTags as string[] | null) ?? [],
      Layers: Layers as string[],
      LayerSources: (LayerSources as Record<string, Descriptor>) ?? undefined,
    };
  });
}

/** The image `selector` names: "@N", a RepoTag (normalised like Docker), or the only one. */
function chooseImage(images: DockerArchiveImage[], selector: string | undefined, where: string): DockerArchiveImage {
  if (!selector) {
    if (images.length === 1) return images[0];
    throw new InvalidReferenceError(
      where,
      `the archive holds ${images.length} images; name one as docker-archive:FILE:REPO:TAG or :@N (tags: ${images.flatMap((i) => i.RepoTags).join(", ") || "none"})`,
    );
  }
  if (/^@\d+$/.test(selector)) {
    const img = images[Number(selector.slice(1))];
    if (!img) throw new NotFoundError(`${where}: no image ${selector} (the archive holds ${images.length})`, selector);
    return img;
  }
  const want = formatReference(parseReference(selector));
  const found = images.find((img) =>
    img.RepoTags.some((t) => {
      try {
        return formatReference(parseReference(t)) === want;
      } catch {
        return false;
      }
    }),
  );
  if (!found)
    throw new NotFoundError(
      `${where}: no image tagged ${selector} (tags: ${images.flatMap((i) => i.RepoTags).join(", ") || "none"})`,
      selector,
    );
  return found;
}

/**
 * The config's bytes (at most 4 MiB). Its digest is their hash, not its file name: skopeo and
 * go-containerregistry hash the bytes too, and ggcr's own test archives rename edited configs.
 */
async function readConfigMember(store: TarStore, path: string, member: TarMember, where: string): Promise<Uint8Array> {
  if (member.size > MANIFEST_MAX_BYTES) throw new ArchiveError(where, `${path}: config of ${member.size} bytes is over 4 MiB`);
  const r = await store.open(path);
  return r.read(0, r.size);
}

/** sha256 of `size` bytes of `reader` from `offset`, read in STREAM_CHUNK pieces (layers can be large). */
async function sha256OfRange(reader: ByteReader, offset: number, size: number): Promise<string> {
  const h = createSha256();
  for (let at = 0; at < size; at += STREAM_CHUNK) h.update(await reader.read(offset + at, Math.min(STREAM_CHUNK, size - at)));
  return h.digest();
}

const OCI_LAYER_TYPES: Record<Compression, string> = { none: OCI_LAYER, gzip: OCI_LAYER_GZIP, zstd: OCI_LAYER_ZSTD };

/**
 * A layer's descriptor, as skopeo labels it (...tar.gzip), and the compression its first bytes
 * show. An uncompressed layer.tar is its own diff: digest = diff_id (what skopeo writes). A
 * compressed member (podman/ggcr write <digest>.tar.gz) is described as the bytes in the
 * archive: digest from its hex file name, else by hashing it; inspect then checks the diff_id
 * over the decompressed bytes. (skopeo instead serves such layers decompressed, so its
 * manifest digest differs for those archives only.)
 */
async function layerDescriptor(
  reader: ByteReader,
  member: TarMember,
  path: string,
  diffId: string,
): Promise<{ desc: Descriptor; compression: Compression }> {
  const head = await reader.read(member.offset, Math.min(4, member.size));
  const compression = sniffCompression(head);
  if (compression === "none") return { desc: { mediaType: DOCKER_LAYER_GZIP, size: member.size, digest: diffId }, compression };
  const named = /^(?:.*\/)?([a-f0-9]{64})\.tar(?:\.gz|\.zst|\.gzip|\.zstd)?$/.exec(path);
  const digest = named ? `sha256:${named[1]}` : await sha256OfRange(reader, member.offset, member.size);
  return { desc: { mediaType: DOCKER_LAYER_GZIP, size: member.size, digest }, compression };
}

/** The config's rootfs.diff_ids (one per layer, in order). */
function diffIdsOf(bytes: Uint8Array, what: string): string[] {
  const json = parseJson(bytes, (why) => new InvalidManifestError(what, "", why));
  const ids = (json as { rootfs?: { diff_ids?: unknown } })?.rootfs?.diff_ids;
  if (!Array.isArray(ids) || ids.some((d) => typeof d !== "string"))
    throw new InvalidManifestError(what, "rootfs.diff_ids", "is required and must be an array of digests");
  return ids as string[];
}

/**
 * Pre-manifest.json archives: `repositories` maps repo -> tag -> top layer id; each
 * <id>/json names its parent. The chain (top first) gives the layers; the top json is the
 * image config, to which we add rootfs.diff_ids (each layer.tar's sha256). The synthesised
 * config is kept in memory under its own digest (`extra`), keyed by that digest.
 */
async function legacyImages(store: TarStore, where: string, extra: Map<string, Uint8Array>): Promise<DockerArchiveImage[]> {
  const what = `${where}/repositories`;
  const repos = await readJsonFile(store, "repositories", what);
  if (!isObject(repos)) throw new InvalidManifestError(what, "", "must be an object of repositories");
  const images: DockerArchiveImage[] = [];
  const byTop = new Map<string, DockerArchiveImage>();
  for (const [repo, tags] of Object.entries(repos)) {
    if (!isObject(tags)) throw new InvalidManifestError(what, JSON.stringify(repo), "must be an object of tag -> layer id");
    for (const [tag, top] of Object.entries(tags)) {
      if (typeof top !== "string" || !/^[a-f0-9]{64}$/.test(top))
        throw new InvalidManifestError(what, `${JSON.stringify(repo)}[${JSON.stringify(tag)}]`, "must be a layer id (64 hex digits)");
      let img = byTop.get(top);
      if (!img) {
        img = await legacyImage(store, where, top, extra);
        byTop.set(top, img);
        images.push(img);
      }
      img.RepoTags.push(`${repo}:${tag}`);
    }
  }
  if (images.length === 0) throw new ArchiveError(where, "repositories lists no images");
  return images;
}

async function legacyImage(store: TarStore, where: string, top: string, extra: Map<string, Uint8Array>): Promise<DockerArchiveImage> {
  // Parent ids are not content addresses: a crafted archive can make them loop. Each edge
  // goes into a LayerGraph that must stay acyclic before the walk follows it (CycleError
  // names the ids), so the walk terminates.
  const graph = new LayerGraph({ core: await loadDefaultCore() });
  const chain: string[] = [];
  const jsons: Record<string, unknown>[] = [];
  try {
    for (let id: string | undefined = top; id;) {
      if (!/^[a-f0-9]{64}$/.test(id)) throw new ArchiveError(where, `legacy image id ${JSON.stringify(id)} is not 64 hex digits`);
      const child = chain[chain.length - 1];
      if (child) {
        graph.addParent(child, id);
        graph.assertAcyclic(`${where}: legacy parent chain`);
      }
      chain.push(id);
      const json = await readJsonFile(store, `${id}/json`, `${where}/${id}/json`);
      if (!isObject(json)) throw new InvalidManifestError(`${where}/${id}/json`, "", "must be an object");
      if (json.parent != null && typeof json.parent !== "string")
        throw new InvalidManifestError(`${where}/${id}/json`, "parent", "must be a layer id");
      jsons.push(json);
      id = typeof json.parent === "string" && json.parent ? json.parent.replace(/^sha256:/, "") : undefined;
    }
  } finally {
    graph.free();
  }
  chain.reverse();
  const diffIds: string[] = [];
  for (const id of chain) {
    const r = await store.open(`${id}/layer.tar`);
    diffIds.push(await sha256OfRange(r, 0, r.size));
  }
  const { id: _id, parent: _parent, container: _c, container_config: _cc, ...rest } = jsons[0];
  const config = { ...rest, rootfs: { type: "layers", diff_ids: diffIds } };
  const bytes = new TextEncoder().encode(JSON.stringify(config));
  const digest = sha256Of(bytes);
  extra.set(digest, bytes);
  return { Config: digest, RepoTags: [], Layers: chain.map((id) => `${id}/layer.tar`) };
}
