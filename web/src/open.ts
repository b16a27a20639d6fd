// What the user handed us, turned into an ImageSource: a folder (picker or drop) is an OCI
// layout read through File objects; one file is an archive read with Blob.slice, never whole.
// The image to show inside a layout or an archive holding several is picked by the user; the
// choices come from the source itself (index.json tags, manifest.json RepoTags).

import {
  DockerArchiveSource,
  LayoutSource,
  LayerlensError,
  REF_NAME,
  openBlobArchive,
  openFileList,
  type ImageSource,
} from "../../src/browser.js";
import { openRegistryRef } from "./open-registry.js";

export type Picked =
  | { kind: "folder"; name: string; files: { path: string; file: Blob }[] }
  | { kind: "archive"; name: string; file: File }
  | { kind: "registry"; name: string; ref: string };

export interface Choice {
  label: string;
  selector: string;
}

/** From <input webkitdirectory>: each File carries webkitRelativePath. */
export function pickedFolder(files: FileList): Picked {
  const list = [...files].map((f) => ({ path: f.webkitRelativePath || f.name, file: f }));
  return { kind: "folder", name: list[0]?.path.split("/")[0] ?? "folder", files: list };
}

/** From a drop: a folder is walked through the entries API, a file is an archive. */
export async function pickedDrop(data: DataTransfer): Promise<Picked | undefined> {
  const entry = [...data.items].map((i) => i.webkitGetAsEntry?.()).find((e) => e);
  if (entry?.isDirectory) {
    const files: { path: string; file: Blob }[] = [];
    await walk(entry as FileSystemDirectoryEntry, files);
    return { kind: "folder", name: entry.name, files };
  }
  const file = data.files[0];
  return file ? { kind: "archive", name: file.name, file } : undefined;
}

async function walk(dir: FileSystemDirectoryEntry, out: { path: string; file: Blob }[]): Promise<void> {
  const reader = dir.createReader();
  // readEntries hands out at most ~100 entries per call; call until it returns none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return;
    for (const e of batch) {
      if (e.isDirectory) await walk(e as FileSystemDirectoryEntry, out);
      else
        out.push({
          path: e.fullPath,
          file: await new Promise<File>((resolve, reject) => (e as FileSystemFileEntry).file(resolve, reject)),
        });
    }
  }
}

/** Open what was picked; `selector` names one image when it holds several. */
export async function openPicked(p: Picked, selector?: string): Promise<ImageSource> {
  if (p.kind === "folder") return openFileList(p.files, selector, p.name);
  if (p.kind === "registry") return openRegistryRef(p.ref);
  try {
    return await openBlobArchive(p.file, selector, p.name);
  } catch (e) {
    // A docker-archive with several images refuses to guess; open the first, offer the rest.
    if (selector === undefined && e instanceof LayerlensError && e.code === "INVALID_REFERENCE")
      return openBlobArchive(p.file, "@0", p.name);
    throw e;
  }
}

/** The images a source offers (empty when it holds one). */
export function choicesOf(source: ImageSource): Choice[] {
  if (source instanceof LayoutSource) {
    const list = source.index.manifests;
    if (list.length < 2) return [];
    return list.map((d) => {
      const tag = d.annotations?.[REF_NAME];
      return { label: tag ?? d.digest, selector: tag ?? d.digest };
    });
  }
  if (source instanceof DockerArchiveSource && source.images.length > 1) {
    return source.images.map((img, i) => ({ label: img.RepoTags.join(", ") || `image ${i}`, selector: `@${i}` }));
  }
  return [];
}

/** Re-open the same picked input on another image (a layout re-uses its store, no re-read). */
export async function reopen(p: Picked, source: ImageSource, selector: string): Promise<ImageSource> {
  if (source instanceof LayoutSource) {
    return LayoutSource.open(source.store, selector, `${p.kind === "folder" ? "oci" : "oci-archive"}:${p.name}:${selector}`);
  }
  return openPicked(p, selector);
}

/** The selector the page starts with: "latest" when there is one, else the first. */
export function defaultChoice(choices: Choice[]): string | undefined {
  if (choices.length === 0) return undefined;
  return (choices.find((c) => c.selector === "latest") ?? choices[0]).selector;
}
