// Graphs over the core's cycle detector (assembly/graph.ts).
//
// IdGraph: nodes are 0..n-1, edges a Uint32Array of (from, to) pairs copied into the core
// in one go and packed into compressed adjacency there. findCycle() / topoOrder() /
// rootsReaching() run in the core without recursion, so depth is limited by memory only.
//
// LayerGraph: nodes are digests, interned by the core's one digest table (the same ids
// parseDigest() and the cache use) and numbered densely per graph. Edges say how images
// hang together: index -> manifest, manifest -> config and layers, subject -> referrer,
// and Docker's legacy child -> parent image ids. Image readers call assertAcyclic() before
// walking nested indexes, referrers or parent chains: none of those is content-addressed
// (index.json, fallback referrer tags and legacy parent ids can be made to loop).
//
// Memory: an IdGraph holds core regions; a LayerGraph holds one reference to each digest it
// has a node for (src/digest.ts), given back by free(), so digests interned for an image
// walk leave the core's table with the walk. Either one dropped without free() gives back
// the same when the garbage collector finalizes it (src/wasm/reclaim.ts).
//
// Directions: every edge points from the thing that names to the thing named, so a
// topological order lists indexes before manifests before blobs, and children before
// their legacy parents.

import { CapacityError, CycleError, FreedError, InvariantError } from "./errors.js";
import { Core, getDefaultCore } from "./wasm/core.js";
import { Reclaimer } from "./wasm/reclaim.js";
import { DIGEST_INDEX_MASK, ERR_BAD_HANDLE, ERR_CYCLE, ERR_TOO_LARGE, MAX_NODES } from "./wasm/abi.js";
import { formatDigest, handleError, parseDigest, releaseDigests, MAX_DIGEST_LENGTH, type DigestHandle, type DigestLike } from "./digest.js";

/** What an IdGraph dropped without free() gives back: its core regions. */
interface HeldGraph {
  ex: Core["exports"];
  ptr: number;
}
const graphReclaimer = new Reclaimer<HeldGraph>("IdGraph", (held) => held.ex.graphFree(held.ptr));

// ---- numeric graphs ----

/** A graph over ids 0..nodeCount-1, held in the core. Call free() when done with it. */
export class IdGraph {
  readonly nodeCount: number;
  readonly edgeCount: number;
  private readonly core: Core;
  private ptr: number;

  /** Copy `edges` ((from, to) pairs) into the core and pack them. */
  constructor(nodeCount: number, edges: Uint32Array | readonly number[], core: Core = getDefaultCore()) {
    if (!Number.isInteger(nodeCount) || nodeCount < 0 || nodeCount > MAX_NODES) {
      throw new RangeError(`IdGraph: nodeCount must be an integer from 0 to ${MAX_NODES}, got ${nodeCount}`);
    }
    if (edges.length % 2 !== 0) throw new RangeError(`IdGraph: edges must be (from, to) pairs, got ${edges.length} numbers`);
    this.core = core;
    this.nodeCount = nodeCount;
    this.edgeCount = edges.length / 2;
    const ex = core.exports;
    const at = ex.graphScratch(Math.max(edges.length * 4, 8)) >>> 0;
    if (!at) throw new CapacityError(`IdGraph: ${this.edgeCount} edges do not fit the core's scratch region`);
    new Uint32Array(ex.memory.buffer, at, edges.length).set(edges);
    this.ptr = ex.graphNew(nodeCount) >>> 0;
    const r = ex.graphLoad(this.ptr, this.edgeCount);
    if (r < 0) {
      const bad = new Uint32Array(ex.memory.buffer, core.ioOut, 1)[0];
      ex.graphFree(this.ptr);
      this.ptr = 0;
      if (r === ERR_TOO_LARGE) throw new CapacityError(`IdGraph: ${this.edgeCount} edges are too many`);
      throw new RangeError(`IdGraph: edge ${bad} (${edges[2 * bad]} -> ${edges[2 * bad + 1]}) names a node outside 0..${nodeCount - 1}`);
    }
    graphReclaimer.watch(this, { ex, ptr: this.ptr });
  }

  /** The first cycle found, as its node path (each node has an edge to the next, the last
   *  to the first), or undefined when the graph is acyclic. */
  findCycle(): number[] | undefined {
    const k = this.ex().graphFindCycle(this.ptr);
    return k > 0 ? Array.from(this.result(k)) : undefined;
  }

  /** Nodes such that every edge goes from an earlier to a later one; throws CycleError. */
  topoOrder(): Uint32Array {
    const n = this.ex().graphTopoOrder(this.ptr);
    if (n === ERR_CYCLE) throw new CycleError((this.findCycle() ?? []).map(String));
    if (n < 0) throw new InvariantError(`IdGraph: the core's search failed (${n}) on a loaded graph`);
    return this.result(n).slice();
  }

  /** The roots (no incoming edge) that reach `node`, in id order; a root reaches itself. */
  rootsReaching(node: number): number[] {
    const k = this.ex().graphRootsReaching(this.ptr, node >>> 0);
    if (k < 0) throw new RangeError(`IdGraph: node ${node} is outside 0..${this.nodeCount - 1}`);
    return Array.from(this.result(k));
  }

  /** Throws when the packed graph or the last order found is inconsistent. */
  checkInvariants(): void {
    const r = this.ex().graphCheck(this.ptr);
    if (r !== 0) throw new InvariantError(`IdGraph: core invariant ${r} broken`);
  }

  /** Give the graph's memory back to the core; every later call throws FreedError. */
  free(): void {
    if (this.ptr) {
      graphReclaimer.forget(this);
      this.core.exports.graphFree(this.ptr);
    }
    this.ptr = 0;
  }

  private ex(): Core["exports"] {
    if (!this.ptr) throw new FreedError("IdGraph");
    return this.core.exports;
  }

  private result(k: number): Uint32Array {
    const ex = this.ex();
    return new Uint32Array(ex.memory.buffer, ex.graphResult(this.ptr) >>> 0, k);
  }
}

/** The first cycle of a numeric graph, or undefined (see IdGraph.findCycle). */
export function findCycle(nodeCount: number, edges: Uint32Array | readonly number[], core?: Core): number[] | undefined {
  const g = new IdGraph(nodeCount, edges, core);
  try {
    return g.findCycle();
  } finally {
    g.free();
  }
}

/** A topological order of a numeric graph; throws CycleError naming a cycle's nodes. */
export function topoOrder(nodeCount: number, edges: Uint32Array | readonly number[], core?: Core): Uint32Array {
  const g = new IdGraph(nodeCount, edges, core);
  try {
    return g.topoOrder();
  } finally {
    g.free();
  }
}

// ---- bulk interning ----

const BATCH = 16384;
const encoder = new TextEncoder();
const BATCH_BYTES = BATCH * (1 + MAX_DIGEST_LENGTH) + BATCH * 4 + 8;

/**
 * Intern many digest strings through the core's digest table in few crossings; returns
 * their handles, each carrying one reference for the caller (releaseDigests() gives them
 * back). Throws InvalidDigestError for the first string that is not a digest.
 */
export function internDigests(digests: readonly string[], core: Core = getDefaultCore()): Uint32Array {
  const ex = core.exports;
  const out = new Uint32Array(digests.length);
  // Size the digest table once for the whole batch instead of growing its way there.
  ex.digestReserve(digests.length);
  for (let start = 0; start < digests.length; start += BATCH) {
    const end = Math.min(start + BATCH, digests.length);
    const at = ex.graphScratch(BATCH_BYTES) >>> 0;
    const packed = stagePackedDigests(digests, start, end, core, at);
    let ids: Int32Array;
    let refused: number;
    if (packed >= 0) {
      refused = ex.digestInternPacked(end - start, packed);
      ids = new Int32Array(ex.memory.buffer, at + ((end - start + packed + 3) & ~3), end - start);
    } else {
      const bytes = stageDigestRecords(digests, start, end, core, at);
      refused = ex.graphInternMany(end - start, bytes);
      ids = new Int32Array(ex.memory.buffer, at + ((bytes + 3) & ~3), end - start);
    }
    if (refused !== 0) {
      // Slow path: parseDigest says exactly why (too long, not ASCII, ...).
      for (let i = 0; i < ids.length; i++) if (ids[i] < 0) parseDigest(String(digests[start + i]), core);
      throw new InvariantError(`internDigests: the core refused ${refused} digests that parseDigest accepts`);
    }
    out.set(ids, start);
  }
  return out;
}

/** Digests joined into one string per encodeInto: a whole batch's string (over a MiB) lands
 *  in the large-object space, which only a full collection frees, and every full collection
 *  marks all the caller's digest strings again; strings of this many die young instead. */
const JOIN = 1024;

/**
 * Stage digests[start, end) packed at `at`: their lengths (u8 each), then their characters
 * back to back, copied by one encodeInto per JOIN joined strings instead of one per digest.
 * Returns the bytes of characters, or -1 when one is not a string short enough to be a
 * digest or the batch is not all ASCII (the record path then lets the core say which).
 */
function stagePackedDigests(digests: readonly string[], start: number, end: number, core: Core, at: number): number {
  const u8 = core.u8;
  for (let i = start, p = at; i < end; i++, p++) {
    const s = digests[i];
    if (typeof s !== "string" || s.length > MAX_DIGEST_LENGTH) return -1;
    u8[p] = s.length;
  }
  let keysAt = at + (end - start);
  for (let from = start; from < end; from += JOIN) {
    const joined = digests.slice(from, Math.min(end, from + JOIN)).join("");
    const { read, written } = encoder.encodeInto(joined, u8.subarray(keysAt, keysAt + joined.length));
    // UTF-8 equals the UTF-16 units exactly when every character is ASCII.
    if (read !== joined.length || written !== joined.length) return -1;
    keysAt += written;
  }
  return keysAt - (at + (end - start));
}

/** Stage digests[start, end) at `at` as records [u8 len][ASCII]; returns their bytes. */
function stageDigestRecords(digests: readonly string[], start: number, end: number, core: Core, at: number): number {
  const u8 = core.u8;
  let off = at;
  for (let i = start; i < end; i++) {
    const s = digests[i];
    // encodeInto copies an ASCII string in one native step; anything else (too long,
    // not a string, non-ASCII, which encodes to bytes >= 0x80 and never passes for hex)
    // gets an empty record: the core refuses it and the slow path says why.
    let len = 0;
    if (typeof s === "string" && s.length <= MAX_DIGEST_LENGTH) {
      const r = encoder.encodeInto(s, u8.subarray(off + 1, off + 1 + MAX_DIGEST_LENGTH));
      len = r.read === s.length && r.written === s.length ? r.written : 0;
    }
    u8[off] = len;
    off += 1 + len;
  }
  return off - at;
}

// ---- the layer graph ----

export type EdgeKind = "index" | "config" | "layer" | "referrer" | "parent" | "other";
const KINDS: EdgeKind[] = ["other", "index", "config", "layer", "referrer", "parent"];
const EDGE_INDEX = 1,
  EDGE_CONFIG = 2,
  EDGE_LAYER = 3,
  EDGE_REFERRER = 4,
  EDGE_PARENT = 5,
  EDGE_OTHER = 0;

export interface SharedLayer {
  layer: string;
  /** The manifests that list it, in the order they were added. */
  manifests: string[];
}

export interface LayerGraphOptions {
  core?: Core;
}

/** The digest references a LayerGraph holds: one per node, handles[0..nodes). */
interface HeldDigests {
  core: Core;
  handles: Uint32Array;
  nodes: number;
}
const digestReclaimer = new Reclaimer<HeldDigests>("LayerGraph", (held) => {
  releaseDigests(held.handles, held.nodes, held.core);
});

export class LayerGraph {
  private readonly core: Core;
  private localOf = new Int32Array(1024).fill(-1); // digest slot (handle & DIGEST_INDEX_MASK) -> local id
  /** Local id -> digest handle; the graph holds one reference to each. */
  private readonly held: HeldDigests;
  private edges = new Uint32Array(2048);
  private kinds = new Uint8Array(1024);
  private edgeCount = 0;
  private built: IdGraph | undefined;
  private freed = false;
  /** Edges leaving each local node, and whether the graph is known to be acyclic without a
   *  search: an edge into a node with no edges out of it cannot close a cycle, so a walk
   *  that keeps meeting new nodes (a parent chain, a tree of indexes) never asks the core. */
  private outDegree = new Uint32Array(1024);
  private knownAcyclic = true;

  constructor(options: LayerGraphOptions = {}) {
    this.core = options.core ?? getDefaultCore();
    this.held = { core: this.core, handles: new Uint32Array(1024), nodes: 0 };
    digestReclaimer.watch(this, this.held);
  }

  get nodeCount(): number {
    return this.live().held.nodes;
  }
  get size(): number {
    return this.live().edgeCount;
  }

  /** An index (or manifest list) naming manifests or nested indexes. */
  addIndex(index: DigestLike, children: readonly DigestLike[]): this {
    const from = this.node(index);
    for (const c of children) this.link(from, this.node(c), EDGE_INDEX);
    return this;
  }

  /** A manifest naming its config and layers (layers in order, base first). */
  addManifest(manifest: DigestLike, config: DigestLike | undefined, layers: readonly DigestLike[]): this {
    const from = this.node(manifest);
    if (config !== undefined) this.link(from, this.node(config), EDGE_CONFIG);
    for (const l of layers) this.link(from, this.node(l), EDGE_LAYER);
    return this;
  }

  /** An artifact whose `subject` is `subject` (OCI 1.1 referrers). */
  addReferrer(subject: DigestLike, referrer: DigestLike): this {
    this.link(this.node(subject), this.node(referrer), EDGE_REFERRER);
    return this;
  }

  /** Docker's legacy `parent` image id (bare 64 hex digits are read as sha256). */
  addParent(child: DigestLike, parent: DigestLike): this {
    this.link(this.node(legacyId(child)), this.node(legacyId(parent)), EDGE_PARENT);
    return this;
  }

  addEdge(from: DigestLike, to: DigestLike): this {
    this.link(this.node(from), this.node(to), EDGE_OTHER);
    return this;
  }

  /** The digests on the first cycle found, in edge order, or undefined. */
  findCycle(): string[] | undefined {
    if (this.live().knownAcyclic) return undefined;
    const cycle = this.graph().findCycle();
    if (!cycle) this.knownAcyclic = true;
    return cycle?.map((u) => this.digestOf(u));
  }

  /** Throw CycleError (naming `what`) when the graph has a cycle. */
  assertAcyclic(what = "image graph"): void {
    const cycle = this.findCycle();
    if (cycle) throw new CycleError(cycle, what);
  }

  /** Every digest, each before everything it names; throws CycleError. */
  topoOrder(): string[] {
    const g = this.graph();
    const cycle = g.findCycle();
    if (cycle) throw new CycleError(cycle.map((u) => this.digestOf(u)));
    return Array.from(g.topoOrder(), (u) => this.digestOf(u));
  }

  /** The roots (named by nothing: top indexes, lone manifests) from which `digest` is reached. */
  rootsReaching(digest: DigestLike): string[] {
    this.live();
    const u = typeof digest === "number" ? this.localOfHandle(digest) : this.localOfString(digest);
    if (u < 0) return [];
    return this.graph()
      .rootsReaching(u)
      .map((r) => this.digestOf(r));
  }

  /** Layers listed by more than one manifest, with those manifests. */
  sharedLayers(): SharedLayer[] {
    this.live();
    const by = new Map<number, number[]>();
    for (let e = 0; e < this.edgeCount; e++) {
      if (this.kinds[e] !== EDGE_LAYER) continue;
      const m = this.edges[2 * e],
        l = this.edges[2 * e + 1];
      const list = by.get(l);
      if (!list) by.set(l, [m]);
      else if (!list.includes(m)) list.push(m);
    }
    const out: SharedLayer[] = [];
    for (const [l, ms] of by) {
      if (ms.length > 1) out.push({ layer: this.digestOf(l), manifests: ms.map((m) => this.digestOf(m)) });
    }
    return out;
  }

  /** Edges as [from, to, kind] digests, in the order added. */
  *edgeList(): IterableIterator<[string, string, EdgeKind]> {
    this.live();
    for (let e = 0; e < this.edgeCount; e++) {
      yield [this.digestOf(this.edges[2 * e]), this.digestOf(this.edges[2 * e + 1]), KINDS[this.kinds[e]]];
    }
  }

  /**
   * Release the packed copy in the core and the graph's digest references (a digest nothing
   * else holds leaves the core's table); every later call throws FreedError.
   */
  free(): void {
    if (this.freed) return;
    this.dropBuilt();
    this.freed = true;
    digestReclaimer.forget(this);
    releaseDigests(this.held.handles, this.held.nodes, this.core);
    this.held.nodes = 0;
  }

  // ---- internals ----

  /** This graph, unless it was freed. */
  private live(): this {
    if (this.freed) throw new FreedError("LayerGraph");
    return this;
  }

  /** Forget the packed copy in the core (rebuilt on the next question). */
  private dropBuilt(): void {
    this.built?.free();
    this.built = undefined;
  }

  /** The local id of a handle this graph holds, or -1. */
  private localOfHandle(h: number): number {
    if (h >>> 0 !== h) return -1;
    const slot = h & DIGEST_INDEX_MASK;
    const u = slot < this.localOf.length ? this.localOf[slot] : -1;
    return u >= 0 && this.held.handles[u] === h ? u : -1;
  }

  /** The local id of a digest string, or -1; interns nothing that is not already held. */
  private localOfString(d: string): number {
    const h = parseDigest(d, this.core);
    const u = this.localOfHandle(h);
    this.core.exports.digestRelease(h);
    return u;
  }

  /**
   * The local id of `d`, made on first sight: the new node takes a reference to the digest
   * (parseDigest's, or a retain of a handle given) and keeps it until free().
   */
  private node(d: DigestLike): number {
    this.live();
    let h: number;
    if (typeof d === "number") {
      const known = this.localOfHandle(d);
      if (known >= 0) return known;
      const r = d >>> 0 === d ? this.core.exports.digestRetain(d) : -1;
      if (r === ERR_BAD_HANDLE || r === -1) throw new RangeError(`LayerGraph: ${d} is not a digest handle`);
      if (r < 0) throw handleError(d, r, "LayerGraph");
      h = d;
    } else {
      h = parseDigest(d, this.core);
      const known = this.localOfHandle(h);
      if (known >= 0) {
        this.core.exports.digestRelease(h); // the node holds its reference already
        return known;
      }
    }
    const slot = h & DIGEST_INDEX_MASK;
    if (slot >= this.localOf.length) this.localOf = grow(this.localOf, slot + 1, -1);
    const held = this.held;
    const u = held.nodes;
    if (u >= held.handles.length) held.handles = grow(held.handles, u + 1, 0);
    if (u >= this.outDegree.length) this.outDegree = grow(this.outDegree, u + 1, 0);
    held.handles[u] = h;
    held.nodes = u + 1;
    this.localOf[slot] = u;
    return u;
  }

  private link(from: number, to: number, kind: number): void {
    const e = this.edgeCount++;
    if (2 * e + 2 > this.edges.length) this.edges = grow(this.edges, 2 * e + 2, 0);
    if (e >= this.kinds.length) this.kinds = grow(this.kinds, e + 1, 0);
    this.edges[2 * e] = from;
    this.edges[2 * e + 1] = to;
    this.kinds[e] = kind;
    if (from === to || this.outDegree[to] !== 0) this.knownAcyclic = false;
    this.outDegree[from]++;
    this.dropBuilt();
  }

  private graph(): IdGraph {
    this.live();
    if (!this.built) this.built = new IdGraph(this.held.nodes, this.edges.subarray(0, 2 * this.edgeCount), this.core);
    return this.built;
  }

  private digestOf(u: number): string {
    return formatDigest(this.held.handles[u] as DigestHandle, this.core);
  }
}

function legacyId(d: DigestLike): DigestLike {
  return typeof d === "string" && /^[0-9a-f]{64}$/.test(d) ? "sha256:" + d : d;
}

function grow<T extends Int32Array | Uint32Array | Uint8Array>(a: T, need: number, fill: number): T {
  let n = a.length * 2;
  while (n < need) n *= 2;
  const b = new (a.constructor as { new (n: number): T })(n);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}
