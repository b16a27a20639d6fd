// Node-only file access for the readers: a ByteReader over a file handle (positioned reads,
// so a multi-GB archive costs one open file, not its size in memory) and a FileStore over a
// directory. Imported by open.ts and the CLI, never by portable code.

import { open, stat } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { NotFoundError, UnsafePathError } from "../errors.js";
import type { ByteReader } from "../sources/byte-reader.js";
import type { FileStore } from "../sources/file-store.js";

/** Open `path` for positioned reads. */
export async function fileReader(path: string): Promise<ByteReader> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    throw notFound(path, err);
  }
  const size = (await handle.stat()).size;
  return {
    size,
    async read(offset, length) {
      const want = Math.max(0, Math.min(length, size - offset));
      const buf = new Uint8Array(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await handle.read(buf, got, want - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === want ? buf : buf.subarray(0, got);
    },
    async close() {
      await handle.close();
    },
  };
}

/** A FileStore over a directory: paths are relative, '/'-separated, and may not leave it. */
export function directoryStore(dir: string): FileStore {
  const root = resolve(dir);
  // How to close each reader open() handed out and nobody closed yet; close() closes them all.
  const openClosers = new Set<() => Promise<void>>();
  const full = (path: string): string => {
    const p = resolve(join(root, ...path.split("/")));
    if (p !== root && !p.startsWith(root + sep)) throw new UnsafePathError(path, `leaves ${root}`);
    return p;
  };
  return {
    name: root,
    async open(path) {
      const r = await fileReader(full(path));
      const closeFile = r.close!.bind(r);
      const close = async () => {
        openClosers.delete(close);
        await closeFile();
      };
      openClosers.add(close);
      r.close = close;
      return r;
    },
    async exists(path) {
      try {
        await stat(full(path));
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await Promise.all([...openClosers].map((close) => close()));
    },
  };
}

function notFound(path: string, err: unknown): Error {
  const code = (err as { code?: string }).code;
  if (code === "ENOENT" || code === "ENOTDIR") return new NotFoundError(`${path}: no such file`, path);
  if (code === "EISDIR") return new NotFoundError(`${path}: is a directory, not a file`, path);
  return err as Error;
}
