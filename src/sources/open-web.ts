// Open images from what browsers and workers have: a File list (a folder picker or a drop of
// an OCI layout) or one Blob (an oci-archive or docker-archive file). No Node imports here.
// An archive is told apart by its members: manifest.json without a usable OCI index means
// docker-archive; oci-layout + index.json means oci-archive. Docker 25+ hybrids have both and
// open as docker-archive (their manifest.json carries the repo tags).

import { ArchiveError } from "../errors.js";
import { type ByteReader, blobReader } from "./byte-reader.js";
import { openOciArchive } from "./archive.js";
import { DockerArchiveSource } from "./docker-archive.js";
import { fileListStore } from "./file-store.js";
import { LayoutSource } from "./layout.js";
import type { ImageSource } from "./source.js";
import { tarStore } from "./tar-index.js";

/** An OCI layout from browser Files (webkitRelativePath keeps the folder structure). */
export function openFileList(files: Iterable<File | { path: string; file: Blob }>, tag?: string, name = "files"): Promise<LayoutSource> {
  return LayoutSource.open(fileListStore(files, name), tag);
}

/** An archive from a Blob or File, kind detected from its members. */
export function openBlobArchive(blob: Blob, selector?: string, name = (blob as File).name ?? "blob"): Promise<ImageSource> {
  return openArchive(blobReader(blob), name, selector);
}

/** An archive from any ByteReader, kind detected from its members. */
export async function openArchive(reader: ByteReader, where: string, selector?: string): Promise<ImageSource> {
  // Index once; the reader chosen gets the same index.
  const store = await tarStore(reader, where);
  const { members } = store;
  if (members.has("manifest.json") || members.has("repositories")) return DockerArchiveSource.open(reader, where, selector, store);
  if (members.has("oci-layout")) return openOciArchive(reader, where, selector, store);
  throw new ArchiveError(where, "neither an OCI layout (oci-layout, index.json) nor a docker-archive (manifest.json) inside");
}
