// Open an image from what a user types, with skopeo's transports:
//   oci:DIR[:TAG]  oci-archive:FILE[:TAG]  docker-archive:FILE[:REPO:TAG | :@N]  docker://REF
// and a plain path auto-detected (a directory with oci-layout; a tar whose members say
// OCI layout or docker-archive; PATH:TAG when PATH exists and PATH:TAG does not).
// Node-only (it opens files); browsers use openFileList / openBlobArchive (sources/open-web.ts).
// Transports: https://github.com/containers/image/blob/main/docs/containers-transports.5.md

import { stat } from "node:fs/promises";
import { InvalidReferenceError, NotFoundError } from "../errors.js";
import { openOciArchive } from "../sources/archive.js";
import type { ByteReader } from "../sources/byte-reader.js";
import { DockerArchiveSource } from "../sources/docker-archive.js";
import { LayoutSource } from "../sources/layout.js";
import { openArchive } from "../sources/open-web.js";
import type { RegistrySource, RegistrySourceOptions } from "../sources/registry.js";
import { type Stats, startStats } from "../report/stats.js";
import type { ImageSource } from "../sources/source.js";
import { directoryStore, fileReader } from "./files.js";
import { openRegistrySource } from "./registry.js";
import { type BlobStore, CachedSource } from "../sources/cached-source.js";
import { defaultBlobStore } from "./blob-store.js";

export interface OpenOptions {
  /** Passed to the registry source (credentials, retries, protocol); default credentials: Docker's config.json. */
  registry?: RegistrySourceOptions;
  /** Called when the source is closed, with what everything done from open to close() cost (report/stats.ts). */
  onStats?: (stats: Stats) => void;
  /**
   * A persistent blob cache in front of registry sources (docker://): true = the directory at
   * $LAYERLENS_CACHE (node/blob-store.ts), or a store of your own; default none. The CLI turns it on.
   */
  blobCache?: boolean | BlobStore;
}

/** Split "PATH:REST" at the first ':' (skopeo's rule for archive transports). */
function splitFirst(s: string): [string, string | undefined] {
  const i = s.indexOf(":");
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** Open the image `spec` (a path or TRANSPORT:NAME) names; close() the source when done. */
export async function openImage(spec: string, options: OpenOptions = {}): Promise<ImageSource> {
  if (!options.onStats) return openSource(spec, options);
  const recorder = startStats();
  let reported = false;
  const onStats = (stats: Stats) => {
    if (!reported) options.onStats?.(stats);
    reported = true;
  };
  const source = await openSource(spec, options).catch((err: unknown) => {
    onStats(recorder.finish());
    throw err;
  });
  const close = source.close?.bind(source);
  source.close = async () => {
    try {
      await close?.();
    } finally {
      onStats(recorder.finish());
    }
  };
  return source;
}

async function openSource(spec: string, options: OpenOptions): Promise<ImageSource> {
  if (!spec)
    throw new InvalidReferenceError(spec, "name an image: oci:DIR[:TAG], oci-archive:FILE, docker-archive:FILE, docker://REF or a path");
  if (spec.startsWith("docker://"))
    return withBlobCache(await openRegistrySource(spec.slice("docker://".length), options.registry), options);
  if (spec.startsWith("oci:")) {
    const [dir, tag] = splitFirst(spec.slice(4));
    return LayoutSource.open(directoryStore(dir), tag);
  }
  if (spec.startsWith("oci-archive:")) {
    const [file, tag] = splitFirst(spec.slice(12));
    return withFile(file, (r) => openOciArchive(r, file, tag));
  }
  if (spec.startsWith("docker-archive:")) {
    const [file, ref] = splitFirst(spec.slice(15));
    return withFile(file, (r) => DockerArchiveSource.open(r, file, ref));
  }
  const known = /^([a-z-]+):/.exec(spec);
  if (known && ["dir", "docker-daemon", "containers-storage", "ostree", "sif"].includes(known[1])) {
    throw new InvalidReferenceError(
      spec,
      `the ${known[1]}: transport is not supported (use oci:, oci-archive:, docker-archive: or docker://)`,
    );
  }
  return openPath(spec);
}

/** A plain path: a layout directory or an archive file, optionally followed by :TAG. */
async function openPath(spec: string): Promise<ImageSource> {
  let path = spec;
  let selector: string | undefined;
  let info = await stat(path).catch(() => undefined);
  // PATH:SELECTOR, where the selector may itself hold ':' (an archive's "repo:tag"): the
  // shortest prefix that exists is the path.
  for (let i = spec.indexOf(":"); !info && i > 0; i = spec.indexOf(":", i + 1)) {
    info = await stat(spec.slice(0, i)).catch(() => undefined);
    if (info) [path, selector] = [spec.slice(0, i), spec.slice(i + 1)];
  }
  if (!info)
    throw new NotFoundError(
      `${spec}: no such file or directory (or name a transport: oci:, oci-archive:, docker-archive:, docker://)`,
      spec,
    );
  if (info.isDirectory()) return LayoutSource.open(directoryStore(path), selector);
  return withFile(path, (r) => openArchive(r, path, selector));
}

/** Open `file` and hand it to `open`; the file is closed again if opening the image fails. */
async function withFile(file: string, open: (reader: ByteReader) => Promise<ImageSource>): Promise<ImageSource> {
  const reader = await fileReader(file);
  try {
    return await open(reader);
  } catch (err) {
    await reader.close?.();
    throw err;
  }
}

/** A registry source behind the blob cache the options ask for (blobs are content-addressed, so any source's are shared). */
function withBlobCache(source: RegistrySource, options: OpenOptions): ImageSource {
  const store = options.blobCache === true ? defaultBlobStore() : options.blobCache || undefined;
  if (!store) return source;
  const ref = source.reference;
  const refName = `${ref.registry}/${ref.repository}${ref.digest ? `@${ref.digest}` : `:${ref.tag ?? "latest"}`}`;
  return new CachedSource(source, store, { rootDigest: ref.digest, refName });
}
