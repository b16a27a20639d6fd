// The path table behind LayerFS: every node (a name in a directory) and every inode (what a
// name points at: type, metadata, where its bytes live) of every mounted image, in parallel
// typed arrays indexed by small integers, with names interned once.
//
//   node i:  parent[i] name[i] inode[i]  firstChild[i] nextSibling[i] prevSibling[i]  touch[i]
//   inode j: kind[j] mode[j] uid[j] gid[j] size[j] mtime[j] layer[j] offset[j] links[j]
//            (+ sparse maps: link target, device numbers, xattrs, content digest, owner
//            names, sub-second mtime, and the segment map of a sparse file)
//   touch t: touchLayer[t] touchNext[t]   (the layers that wrote node i, newest first)
//
// Invariants:
// - Node 0.. are allocated monotonically; a removed node is unlinked from its parent and its
//   children key, and never reused (ids stay valid for the table's life). NIL = -1.
// - Hard links are nodes sharing one inode; links[j] counts the live nodes of inode j, so a
//   file version is visible iff links > 0.
// - (parent, name) -> child lives in one Map keyed parent * 2^26 + nameId: one number key per
//   entry instead of a Map per directory.

import type { SparseLayout } from "./sparse.js";

export const NIL = -1;

export const enum Kind {
  None = 0,
  File = 1,
  Dir = 2,
  Symlink = 3,
  CharDev = 4,
  BlockDev = 5,
  Fifo = 6,
}

export const KIND_NAMES = ["none", "file", "directory", "symlink", "chardev", "blockdev", "fifo"] as const;
export type KindName = (typeof KIND_NAMES)[number];

const NAME_SPACE = 2 ** 26;

function grow<T extends Int32Array | Uint32Array | Uint8Array | Uint16Array | Float64Array>(a: T, n: number): T {
  if (a.length >= n) return a;
  let cap = Math.max(a.length * 2, 64);
  while (cap < n) cap *= 2;
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a);
  return b;
}

export class PathTable {
  // nodes
  parent = new Int32Array(0);
  name = new Int32Array(0);
  inode = new Int32Array(0);
  firstChild = new Int32Array(0);
  nextSibling = new Int32Array(0);
  prevSibling = new Int32Array(0);
  touch = new Int32Array(0);
  nodeCount = 0;
  // inodes
  kind = new Uint8Array(0);
  mode = new Uint16Array(0);
  uid = new Uint32Array(0);
  gid = new Uint32Array(0);
  size = new Float64Array(0);
  mtime = new Float64Array(0);
  layer = new Int32Array(0);
  offset = new Float64Array(0);
  links = new Int32Array(0);
  inodeCount = 0;
  readonly linkTarget = new Map<number, string>();
  readonly rdev = new Map<number, [number, number]>();
  readonly xattrs = new Map<number, Record<string, string>>();
  readonly digest = new Map<number, string>();
  /** Owner and group names, when the tar header had any. */
  readonly ownerNames = new Map<number, [string, string]>();
  /** Nanoseconds past mtime[j], when a PAX mtime had a fraction. */
  readonly mtimeNsec = new Map<number, number>();
  /** Sparse files: where the data segments sit (offset[j] is then where the stored data starts). */
  readonly sparse = new Map<number, SparseLayout>();
  // touches
  touchLayer = new Int32Array(0);
  touchNext = new Int32Array(0);
  touchCount = 0;
  // names (byte strings as name-bytes.ts keeps them, so equal bytes intern to one id)
  readonly names: string[] = [];
  private readonly nameIds = new Map<string, number>();
  private readonly children = new Map<number, number>();

  /** Make room for `nodes` more nodes and inodes (mountBatch sizes once for all layers). */
  reserve(nodes: number, inodes = nodes): void {
    const n = this.nodeCount + nodes;
    this.parent = grow(this.parent, n);
    this.name = grow(this.name, n);
    this.inode = grow(this.inode, n);
    this.firstChild = grow(this.firstChild, n);
    this.nextSibling = grow(this.nextSibling, n);
    this.prevSibling = grow(this.prevSibling, n);
    this.touch = grow(this.touch, n);
    const m = this.inodeCount + inodes;
    this.kind = grow(this.kind, m);
    this.mode = grow(this.mode, m);
    this.uid = grow(this.uid, m);
    this.gid = grow(this.gid, m);
    this.size = grow(this.size, m);
    this.mtime = grow(this.mtime, m);
    this.layer = grow(this.layer, m);
    this.offset = grow(this.offset, m);
    this.links = grow(this.links, m);
    this.touchLayer = grow(this.touchLayer, this.touchCount + nodes);
    this.touchNext = grow(this.touchNext, this.touchCount + nodes);
  }

  intern(s: string): number {
    let id = this.nameIds.get(s);
    if (id === undefined) {
      id = this.names.length;
      if (id >= NAME_SPACE) throw new RangeError("more than 2^26 distinct names");
      this.names.push(s);
      this.nameIds.set(s, id);
    }
    return id;
  }

  newInode(kind: Kind): number {
    if (this.inodeCount >= this.kind.length) this.reserve(0, 1);
    const j = this.inodeCount++;
    this.kind[j] = kind;
    this.mode[j] = 0;
    this.uid[j] = 0;
    this.gid[j] = 0;
    this.size[j] = 0;
    this.mtime[j] = 0;
    this.layer[j] = NIL;
    this.offset[j] = -1;
    this.links[j] = 0;
    return j;
  }

  /** A detached node (the root of an image). */
  newRoot(inode: number): number {
    return this.newNode(NIL, -1, inode);
  }

  private newNode(parent: number, nameId: number, inode: number): number {
    if (this.nodeCount >= this.parent.length) this.reserve(1, 0);
    const i = this.nodeCount++;
    this.parent[i] = parent;
    this.name[i] = nameId;
    this.inode[i] = inode;
    this.firstChild[i] = NIL;
    this.nextSibling[i] = NIL;
    this.prevSibling[i] = NIL;
    this.touch[i] = NIL;
    this.links[inode]++;
    return i;
  }

  child(parent: number, name: string): number {
    const id = this.nameIds.get(name);
    if (id === undefined) return NIL;
    return this.children.get(parent * NAME_SPACE + id) ?? NIL;
  }

  /** Link a new node `name` -> `inode` under `parent` (which must not have that name). */
  addChild(parent: number, name: string, inode: number): number {
    const nameId = this.intern(name);
    const i = this.newNode(parent, nameId, inode);
    const head = this.firstChild[parent];
    this.nextSibling[i] = head;
    if (head !== NIL) this.prevSibling[head] = i;
    this.firstChild[parent] = i;
    this.children.set(parent * NAME_SPACE + nameId, i);
    return i;
  }

  /** Unlink node `i` and its whole subtree; `visit` sees every removed node (children first). */
  remove(i: number, visit?: (node: number) => void): void {
    // Iterative post-order so deep trees cannot overflow the stack.
    const stack = [i];
    const order: number[] = [];
    while (stack.length) {
      const n = stack.pop()!;
      order.push(n);
      for (let c = this.firstChild[n]; c !== NIL; c = this.nextSibling[c]) stack.push(c);
    }
    for (let k = order.length - 1; k >= 0; k--) {
      const n = order[k];
      visit?.(n);
      this.links[this.inode[n]]--;
      if (n !== i) {
        this.firstChild[n] = NIL;
        this.children.delete(this.parent[n] * NAME_SPACE + this.name[n]);
      }
    }
    this.firstChild[i] = NIL;
    const p = this.parent[i];
    if (p !== NIL) {
      const prev = this.prevSibling[i];
      const next = this.nextSibling[i];
      if (prev !== NIL) this.nextSibling[prev] = next;
      else this.firstChild[p] = next;
      if (next !== NIL) this.prevSibling[next] = prev;
      this.children.delete(p * NAME_SPACE + this.name[i]);
    }
    this.parent[i] = NIL;
    this.prevSibling[i] = NIL;
    this.nextSibling[i] = NIL;
  }

  /** Record that layer `layer` wrote node `i` (kept newest first; repeats collapse). */
  touched(i: number, layer: number): void {
    const head = this.touch[i];
    if (head !== NIL && this.touchLayer[head] === layer) return;
    if (this.touchCount >= this.touchLayer.length) {
      this.touchLayer = grow(this.touchLayer, this.touchCount + 1);
      this.touchNext = grow(this.touchNext, this.touchCount + 1);
    }
    const t = this.touchCount++;
    this.touchLayer[t] = layer;
    this.touchNext[t] = head;
    this.touch[i] = t;
  }

  touchedBy(i: number): number[] {
    const out: number[] = [];
    for (let t = this.touch[i]; t !== NIL; t = this.touchNext[t]) out.unshift(this.touchLayer[t]);
    return out;
  }

  /** Names of the children of `dir`, unsorted. */
  childNodes(dir: number): number[] {
    const out: number[] = [];
    for (let c = this.firstChild[dir]; c !== NIL; c = this.nextSibling[c]) out.push(c);
    return out;
  }

  nodeName(i: number): string {
    return this.name[i] < 0 ? "" : this.names[this.name[i]];
  }

  /** Bytes of memory held by the typed arrays (stats, benchmarks). */
  get bytes(): number {
    let n = 0;
    for (const a of [
      this.parent,
      this.name,
      this.inode,
      this.firstChild,
      this.nextSibling,
      this.prevSibling,
      this.touch,
      this.kind,
      this.mode,
      this.uid,
      this.gid,
      this.size,
      this.mtime,
      this.layer,
      this.offset,
      this.links,
      this.touchLayer,
      this.touchNext,
    ])
      n += a.byteLength;
    return n;
  }
}
