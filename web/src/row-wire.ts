// Dive mode's rows on their way from the worker to the page: columns (one string of the paths,
// one of the link targets, typed arrays of the rest) instead of 100k row objects, which the
// structured clone would walk field by field on both sides while the page waits for the tree.
// The name and the depth are not sent: both follow from the path, as treeRows derives them.
// decodeRows(encodeRows(rows)) equals rows field by field.

import { depthOf, nameOf, type Mark, type Row } from "./dive-rows.js";

const MARKS: readonly Mark[] = ["", "added", "modified", "removed"];
const MARK_INDEX = new Map(MARKS.map((m, i) => [m, i]));
/** A row without a link target, in `linkLengths`. */
const NO_LINK = -1;

export interface RowColumns {
  paths: string;
  pathLengths: Uint32Array;
  links: string;
  /** The length of each row's link target in `links`, NO_LINK for a row without one. */
  linkLengths: Int32Array;
  /** Each row's type as an index into `types`. */
  typeIndex: Uint8Array;
  types: string[];
  marks: Uint8Array;
  sizes: Float64Array;
  layers: Int32Array;
}

export function encodeRows(rows: readonly Row[]): { columns: RowColumns; transfer: ArrayBuffer[] } {
  const n = rows.length;
  const pathLengths = new Uint32Array(n);
  const linkLengths = new Int32Array(n);
  const typeIndex = new Uint8Array(n);
  const marks = new Uint8Array(n);
  const sizes = new Float64Array(n);
  const layers = new Int32Array(n);
  const types: string[] = [];
  const typeOf = new Map<string, number>();
  const paths: string[] = [];
  const links: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    paths.push(r.path);
    pathLengths[i] = r.path.length;
    if (r.linkname === undefined) linkLengths[i] = NO_LINK;
    else {
      links.push(r.linkname);
      linkLengths[i] = r.linkname.length;
    }
    let t = typeOf.get(r.type);
    if (t === undefined) {
      t = types.length;
      if (t > 0xff) throw new RangeError(`more than 256 entry types in one tree (${r.type})`);
      typeOf.set(r.type, t);
      types.push(r.type);
    }
    typeIndex[i] = t;
    marks[i] = MARK_INDEX.get(r.mark)!;
    sizes[i] = r.size;
    layers[i] = r.layer;
  }
  const columns = { paths: paths.join(""), pathLengths, links: links.join(""), linkLengths, typeIndex, types, marks, sizes, layers };
  return { columns, transfer: [pathLengths.buffer, linkLengths.buffer, typeIndex.buffer, marks.buffer, sizes.buffer, layers.buffer] };
}

/** The rows encodeRows was given; RangeError when the columns do not fit together. */
export function decodeRows(c: RowColumns): Row[] {
  const n = c.pathLengths.length;
  for (const [name, column] of Object.entries({
    linkLengths: c.linkLengths,
    typeIndex: c.typeIndex,
    marks: c.marks,
    sizes: c.sizes,
    layers: c.layers,
  }))
    if (column.length !== n) throw new RangeError(`tree rows: ${name} has ${column.length} rows, paths ${n}`);
  const rows: Row[] = new Array<Row>(n);
  let at = 0;
  let linkAt = 0;
  for (let i = 0; i < n; i++) {
    const path = c.paths.slice(at, (at += c.pathLengths[i]));
    const type = c.types[c.typeIndex[i]];
    const mark = MARKS[c.marks[i]];
    if (type === undefined || mark === undefined) throw new RangeError(`tree rows: row ${i} has no type or mark`);
    const row: Row = {
      path,
      name: nameOf(path),
      depth: depthOf(path),
      type,
      size: c.sizes[i],
      mark,
      layer: c.layers[i],
    };
    const link = c.linkLengths[i];
    if (link !== NO_LINK) row.linkname = c.links.slice(linkAt, (linkAt += link));
    rows[i] = row;
  }
  if (at !== c.paths.length || linkAt !== c.links.length) throw new RangeError("tree rows: the lengths do not add up to the strings sent");
  return rows;
}
