// export: the merged view as one flat tar (like `crane export`, minus its bugs: whiteouts
// applied, symlinks and hard links kept, long names via PAX, xattrs via SCHILY.xattr.*, sparse
// files as PAX sparse 1.0 so their holes cost nothing), whose
// extraction equals the image's rootfs as umoci unpacks it.
//
// Deterministic: the same view gives the same bytes. Order:
//   1. directories, symlinks, devices and fifos, depth first, names in byte order: a streaming
//      reader meets every directory before what it holds. Symlinks sit inside their
//      directory's stretch on purpose: GNU tar makes a placeholder for a symlink to an absolute
//      or ".." target and creates the link at the very end, and it only knows to set a
//      directory's time after that if the directory is still pending when the placeholder
//      is made (its entry came just before, with nothing outside it in between);
//   2. regular files, layer by layer (bottom first) in the order of their bytes in that layer's
//      tar, so each layer is streamed once and only up to its last visible file;
//   3. hard links, each to the first path (byte order) of its inode, which step 2 wrote;
//   4. the directories once more, children before parents, with the same metadata. Step 2 is
//      in layer order, not tree order, so files land in a directory long after its entry: GNU
//      tar sets a directory's mtime as soon as an entry outside it comes, and the later files
//      bump it again. The second entries come after every file, so the mtimes they set stay.
//      bsdtar and Python set directory times at the very end and are not affected; re-applying
//      an existing directory's metadata is what all three (and umoci) do for a repeated entry.
// Metadata is written back as read: uid/gid/size/mtime past the ustar fields, negative and
// sub-second mtimes, owner names and names that are not UTF-8 (tar-write.ts says how).
// Every name is a clean relative path produced by the view itself, so no entry can point
// outside the root, whatever the layers contained.

import { InvariantError } from "../errors.js";
import { readSpans } from "./content.js";
import { spanSource, type LayerRecord, type MergedImage, type Stat } from "./merge.js";
import { comparePaths } from "./path.js";
import type { SparseLayout } from "./sparse.js";
import { TAR_END, tarEntry, tarHeader, type TarWriteEntry } from "./tar-write.js";

export interface ExportStats {
  entries: number;
  files: number;
  bytes: number;
}

/** Write the flattened tar of `img` through `write` (called with each chunk, in order). */
export async function exportImage(img: MergedImage, write: (chunk: Uint8Array) => void): Promise<ExportStats> {
  const stats: ExportStats = { entries: 0, files: 0, bytes: 0 };
  const emit = (b: Uint8Array) => {
    stats.bytes += b.length;
    write(b);
  };
  const files: Stat[] = [];
  const links: Stat[] = [];
  const dirs: Stat[] = [];
  const firstOfInode = new Map<number, string>();
  for (const s of img.walk()) {
    if (s.type === "directory") {
      dirs.push(s);
      emit(tarEntry(entryOf(s)));
      stats.entries++;
      continue;
    }
    if (s.type === "file") {
      if (s.nlink > 1) {
        const first = firstOfInode.get(s.inode);
        if (first === undefined || comparePaths(s.path, first) < 0) firstOfInode.set(s.inode, s.path);
      }
      files.push(s);
      continue;
    }
    emit(tarEntry(entryOf(s)));
    stats.entries++;
  }
  // Hard links: all but the first path of a multi-link inode.
  const writeFiles = files.filter((s) => {
    const first = firstOfInode.get(s.inode);
    if (first !== undefined && first !== s.path) {
      links.push(s);
      return false;
    }
    return true;
  });
  // Group by the layer holding the bytes, in tar order.
  const byLayer = new Map<LayerRecord, { s: Stat; offset: number; sparse?: SparseLayout }[]>();
  for (const s of writeFiles) {
    const at = img.locate(s.path);
    let list = byLayer.get(at.layer);
    if (!list) byLayer.set(at.layer, (list = []));
    list.push({ s, offset: at.offset, sparse: at.sparse });
  }
  for (const rec of [...byLayer.keys()].sort((a, b) => a.index - b.index)) {
    const list = byLayer.get(rec)!.sort((a, b) => a.offset - b.offset);
    let current = -1;
    let written = 0;
    // A sparse file is copied as it is stored (its data segments) behind a PAX 1.0 map.
    const stored = (k: number) => list[k].sparse?.storedSize ?? list[k].s.size;
    const finish = (k: number) => {
      const pad = (512 - (stored(k) % 512)) % 512;
      if (written !== stored(k)) throw new InvariantError(`export: ${list[k].s.path}: ${written} of ${stored(k)} bytes`);
      if (pad) emit(new Uint8Array(pad));
      stats.files++;
      stats.entries++;
    };
    const start = (k: number) => {
      current = k;
      written = 0;
      const sparse = list[k].sparse;
      if (sparse) {
        const map = sparseMapBlocks(sparse);
        emit(fileHeader(list[k].s, map.length + sparse.storedSize, sparse));
        emit(map);
      } else {
        emit(fileHeader(list[k].s, list[k].s.size));
      }
    };
    await readSpans(
      spanSource(img.fs, rec),
      list.map((f, k) => ({ offset: f.offset, size: stored(k), key: k, path: f.s.path })),
      (k, chunk) => {
        if (k !== current) start(k);
        written += chunk.length;
        emit(chunk.slice());
      },
      (k) => {
        if (k !== current) start(k);
        finish(k);
      },
    );
  }
  for (const s of links.sort((a, b) => comparePaths(a.path, b.path))) {
    emit(tarEntry({ ...common(s), type: "hardlink", linkname: firstOfInode.get(s.inode)! }));
    stats.entries++;
  }
  // walk() is pre-order (parents first): reversed, every child comes before its parent, so a
  // directory's time is set after everything inside it.
  for (const s of dirs.reverse()) {
    emit(tarEntry(entryOf(s)));
    stats.entries++;
  }
  emit(TAR_END);
  return stats;
}

/** The flattened tar as a web stream. */
export function exportStream(img: MergedImage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async start(ctl) {
      try {
        await exportImage(img, (c) => ctl.enqueue(c));
        ctl.close();
      } catch (e) {
        ctl.error(e);
      }
    },
  });
}

function common(s: Stat): TarWriteEntry {
  const pax: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.xattrs ?? {})) pax["SCHILY.xattr." + k] = v;
  return {
    name: s.path,
    mode: s.mode,
    uid: s.uid,
    gid: s.gid,
    uname: s.uname,
    gname: s.gname,
    mtime: Math.floor(s.mtime),
    mtimeNsec: s.mtimeNsec,
    pax,
  };
}

function entryOf(s: Stat): TarWriteEntry {
  const e = common(s);
  switch (s.type) {
    case "directory":
      return { ...e, type: "dir" };
    case "symlink":
      return { ...e, type: "symlink", linkname: s.linkname };
    case "chardev":
      return { ...e, type: "char", devmajor: s.rdev?.[0], devminor: s.rdev?.[1] };
    case "blockdev":
      return { ...e, type: "block", devmajor: s.rdev?.[0], devminor: s.rdev?.[1] };
    case "fifo":
      return { ...e, type: "fifo" };
    default:
      throw new InvariantError(`export: unexpected ${s.type} at ${s.path}`);
  }
}

/**
 * The header (and PAX records) of a regular file whose body (`bodySize` bytes) is streamed
 * after it. A sparse file is written in PAX sparse format 1.0 (GNU tar's default, read by GNU
 * tar, bsdtar, Python and Go, so umoci): the real name and size in GNU.sparse.* records, the
 * header named as GNU tar names it (dir/GNUSparseFile.0/base) so that a reader without sparse
 * support does not put the packed bytes under the real name.
 */
function fileHeader(s: Stat, bodySize: number, sparse?: SparseLayout): Uint8Array {
  const e = common(s);
  if (sparse) {
    const slash = s.path.lastIndexOf("/");
    e.name = `${s.path.slice(0, slash + 1)}GNUSparseFile.0/${s.path.slice(slash + 1)}`;
    e.pax = {
      ...e.pax,
      "GNU.sparse.major": "1",
      "GNU.sparse.minor": "0",
      "GNU.sparse.name": s.path,
      "GNU.sparse.realsize": String(s.size),
    };
  }
  return tarHeader({ ...e, type: "file", size: bodySize });
}

/** The PAX 1.0 sparse map at the start of the body: decimal lines, padded to whole blocks. */
function sparseMapBlocks(sparse: SparseLayout): Uint8Array {
  const lines = [String(sparse.segments.length), ...sparse.segments.flatMap((g) => [String(g.offset), String(g.length)])];
  const text = new TextEncoder().encode(lines.join("\n") + "\n");
  const out = new Uint8Array(Math.ceil(text.length / 512) * 512);
  out.set(text);
  return out;
}
