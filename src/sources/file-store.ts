// A FileStore is a read-only tree of files addressed by '/'-separated relative paths: a
// directory on disk (src/node/files.ts), a browser File list from a folder picker or drop
// (fileListStore here), or the members of a tar archive (tar-index.ts). The OCI layout
// reader works over any of them, which is how oci: and oci-archive: share one reader.

import { NotFoundError } from "../errors.js";
import { type ByteReader, blobReader, bytesReader } from "./byte-reader.js";

export interface FileStore {
  /** For messages: the directory or archive this store reads. */
  readonly name: string;
  /** Open a file; NotFoundError when it is not there. */
  open(path: string): Promise<ByteReader>;
  exists(path: string): Promise<boolean>;
  close?(): Promise<void>;
}

/**
 * A FileStore over browser Files (webkitdirectory picker or drag and drop). Each File's
 * webkitRelativePath (or name) is its path; the common top folder is stripped so the
 * layout's index.json sits at the root.
 */
export function fileListStore(files: Iterable<File | { path: string; file: Blob }>, name = "files"): FileStore {
  // Drag and drop hands out FileSystemEntry.fullPath next to each File, and File names cannot
  // hold '/' (the File API turns it into ':'), so a path may come with its file.
  const byPath = new Map<string, Blob>();
  const list = [...files].map((f) =>
    f instanceof Blob ? { path: (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name, file: f } : f,
  );
  const paths = list.map((f) => f.path.replace(/^\/+/, ""));
  const top = commonTopFolder(paths);
  list.forEach((f, i) => byPath.set(paths[i].slice(top.length), f.file));
  return {
    name,
    async open(path) {
      const f = byPath.get(path);
      if (!f) throw new NotFoundError(`${name}: ${path}: no such file`, path);
      return blobReader(f);
    },
    async exists(path) {
      return byPath.has(path);
    },
  };
}

function commonTopFolder(paths: string[]): string {
  if (paths.length === 0 || paths.some((p) => !p.includes("/"))) return "";
  const first = paths[0].slice(0, paths[0].indexOf("/") + 1);
  return paths.every((p) => p.startsWith(first)) ? first : "";
}

/** A FileStore over bytes in memory, by path (tests, generated images). */
export function memoryStore(files: Map<string, Uint8Array>, name = "memory"): FileStore {
  return {
    name,
    async open(path) {
      const bytes = files.get(path);
      if (!bytes) throw new NotFoundError(`${name}: ${path}: no such file`, path);
      return bytesReader(bytes);
    },
    async exists(path) {
      return files.has(path);
    },
  };
}
