// A staged layer in a form that crosses a worker boundary cheaply: its entries as columns of
// typed arrays (numbers) and one concatenated string (names), not 200k objects for the
// structured clone to walk. Only the rare parts (xattrs, sparse maps) travel as objects.
// decodeStaged(encodeStaged(s)) gives entries equal field by field to s.entries, so a layer
// staged in a worker merges exactly as one staged in this thread.
//
// Per entry i:
//   nums[i*NUMS + k]   k = mode uid gid size mtime mtimeNsec devmajor devminor dataOffset
//   kinds[i]           TYPE index | UNSAFE | PATH_IS_NAME | HAS_DIGEST
//   lens[i*STRS + k]   UTF-16 lengths in `text` of name, path, uname, gname, linkname, digest

import type { LayerReadResult } from "../fs/decompress.js";
import { SpanDigests, type SpanDigestParts } from "../fs/span-digests.js";
import type { SparseLayout } from "../fs/sparse.js";
import type { LayerIndex } from "../fs/layer-index.js";
import type { StagedEntry, StagedLayer } from "../fs/stage.js";
import type { TarEntryType } from "../fs/tar.js";
import { InvariantError } from "../errors.js";

const NUMS = 9;
const STRS = 6;
const TYPES: readonly TarEntryType[] = ["file", "hardlink", "symlink", "chardev", "blockdev", "directory", "fifo", "other"];
const TYPE_INDEX = new Map(TYPES.map((t, i) => [t, i]));
const TYPE_MASK = 0x0f;
const UNSAFE = 0x10;
const PATH_IS_NAME = 0x20;
const HAS_DIGEST = 0x40;

/** The rare per-entry parts, by entry index. */
interface EntryExtra {
  i: number;
  xattrs?: Record<string, string>;
  sparse?: SparseLayout;
}

export interface EntryTable {
  count: number;
  nums: Float64Array;
  kinds: Uint8Array;
  lens: Uint32Array;
  text: string;
  extras: EntryExtra[];
  read: LayerReadResult;
  spans?: SpanDigestParts;
  /** A gzip layer's checkpoint index: plain data, copied by the structured clone. */
  index?: LayerIndex;
}

/** The table of a staged layer and the buffers a postMessage may transfer rather than copy. */
export function encodeStaged(staged: StagedLayer): { table: EntryTable; transfer: ArrayBuffer[] } {
  const n = staged.entries.length;
  const nums = new Float64Array(n * NUMS);
  const kinds = new Uint8Array(n);
  const lens = new Uint32Array(n * STRS);
  const parts: string[] = [];
  const extras: EntryExtra[] = [];
  for (let i = 0; i < n; i++) {
    const e = staged.entries[i];
    const o = i * NUMS;
    nums[o] = e.mode;
    nums[o + 1] = e.uid;
    nums[o + 2] = e.gid;
    nums[o + 3] = e.size;
    nums[o + 4] = e.mtime;
    nums[o + 5] = e.mtimeNsec;
    nums[o + 6] = e.devmajor;
    nums[o + 7] = e.devminor;
    nums[o + 8] = e.dataOffset;
    const type = TYPE_INDEX.get(e.type);
    if (type === undefined) throw new InvariantError(`entry table: unknown entry type ${e.type}`);
    const samePath = e.path === e.name;
    kinds[i] = type | (e.unsafe ? UNSAFE : 0) | (samePath ? PATH_IS_NAME : 0) | (e.digest !== undefined ? HAS_DIGEST : 0);
    const s = i * STRS;
    const strings = [e.name, samePath ? "" : e.path, e.uname, e.gname, e.linkname, e.digest ?? ""];
    for (let k = 0; k < STRS; k++) {
      lens[s + k] = strings[k].length;
      parts.push(strings[k]);
    }
    if (e.xattrs || e.sparse) extras.push({ i, ...(e.xattrs ? { xattrs: e.xattrs } : {}), ...(e.sparse ? { sparse: e.sparse } : {}) });
  }
  const spans = staged.spans?.toParts();
  const table: EntryTable = { count: n, nums, kinds, lens, text: parts.join(""), extras, read: staged.read, spans, index: staged.index };
  // Every one a fresh array of its own (never a view into a shared buffer), so all may be transferred.
  const arrays = [nums, kinds, lens, ...(spans ? [spans.offset, spans.size, spans.first, spans.digests] : [])];
  const transfer = arrays.map((a) => a.buffer as ArrayBuffer);
  return { table, transfer };
}

/** The staged layer a table describes (entries rebuilt in tar order). */
export function decodeStaged(table: EntryTable): StagedLayer {
  const { count, nums, kinds, lens, text } = table;
  const entries = new Array<StagedEntry>(count);
  let at = 0;
  const next = (len: number) => text.slice(at, (at += len));
  for (let i = 0; i < count; i++) {
    const o = i * NUMS;
    const s = i * STRS;
    const kind = kinds[i];
    const name = next(lens[s]);
    const path = next(lens[s + 1]);
    const uname = next(lens[s + 2]);
    const gname = next(lens[s + 3]);
    const linkname = next(lens[s + 4]);
    const digest = next(lens[s + 5]);
    const type = TYPES[kind & TYPE_MASK];
    if (type === undefined) throw new InvariantError(`entry table: entry ${i} has unknown type ${kind & TYPE_MASK}`);
    const e: StagedEntry = {
      name,
      path: kind & PATH_IS_NAME ? name : path,
      unsafe: (kind & UNSAFE) !== 0,
      type,
      mode: nums[o],
      uid: nums[o + 1],
      gid: nums[o + 2],
      size: nums[o + 3],
      mtime: nums[o + 4],
      mtimeNsec: nums[o + 5],
      uname,
      gname,
      linkname,
      devmajor: nums[o + 6],
      devminor: nums[o + 7],
      xattrs: null,
      dataOffset: nums[o + 8],
    };
    if (kind & HAS_DIGEST) e.digest = digest;
    entries[i] = e;
  }
  if (at !== text.length) throw new InvariantError(`entry table: ${text.length - at} characters of names left over`);
  for (const x of table.extras) {
    if (x.xattrs) entries[x.i].xattrs = x.xattrs;
    if (x.sparse) entries[x.i].sparse = x.sparse;
  }
  return { entries, read: table.read, spans: table.spans ? SpanDigests.fromParts(table.spans) : undefined, index: table.index };
}
