// Cycle detector: compressed adjacency (CSR) over u32 node ids and an iterative
// three-colour depth-first search.
//
// Algorithms followed:
//   - depth-first search with white/grey/black colours, where an edge to a grey node is a
//     back edge and so closes a cycle, and finished nodes in reverse order form a
//     topological order: Cormen, Leiserson, Rivest, Stein, Introduction to Algorithms
//     (3rd ed.), 22.3 "Depth-first search" and 22.4 "Topological sort". The recursion is
//     replaced by an explicit stack of frames in linear memory.
//   - the adjacency is packed by a counting sort of the edge list (same book, 8.2) into
//     compressed sparse row form (offsets + targets), stable, so successors keep their
//     input order.
//
// Why: index.json, fallback referrer tags and Docker's legacy `parent` ids are not
// content-addressed, so an image can point back at itself; readers check the graph
// here before walking it. The search keeps its own stack in linear memory (no
// recursion), so a chain of millions of nodes is as safe as a short one.
//
// Regions (drawn in assembly/layout.ts): offsets, targets, stack, colour, cursor, result,
// the reversed CSR for "who reaches" questions, and visit marks.
//
// Edges arrive in bulk: the host asks graphScratch(bytes) for a region it may write
// (the 64 KiB IO window is too small for millions of edges), writes (from, to) u32
// pairs there and calls graphLoad. Digest strings are interned in bulk the same way
// (graphInternMany) through the core's one digest table.
//
// Determinism: roots are tried in id order and successors in input order, so the first
// cycle reported is the same on every run and runtime.

import {
  NIL, ERR_BAD_ARGUMENT, ERR_TOO_LARGE, ERR_BAD_HANDLE, ERR_CYCLE, ERR_NOT_LOADED, MAX_NODES, MAX_SCRATCH,
} from "./abi";
import { IO_OUT, reserve, release } from "./layout";
import { digestInternAt } from "./digest";

/** A DFS stack frame: node, next edge to try, end of the node's edges (u32 each). */
const FRAME: usize = 12;

const WHITE: u32 = 0;
const GREY: u32 = 1;
const BLACK: u32 = 2;

const STATE_UNKNOWN: u32 = 0;
const STATE_ACYCLIC: u32 = 1;
const STATE_CYCLIC: u32 = 2;

@unmanaged
export class Graph {
  nodes: u32;
  edges: u32;
  loaded: u32;
  state: u32;       // what the last search found (result holds it)
  cycleLength: u32;
  epoch: u32;
  offsets: usize;
  targets: usize;
  colour: usize;
  stack: usize;
  cursor: usize;
  result: usize;
  roffsets: usize;
  rsources: usize;
  mark: usize;
}

// @ts-ignore: decorator
@inline function at(base: usize, i: u32): u32 { return load<u32>(base + ((i as usize) << 2)); }
// @ts-ignore: decorator
@inline function put(base: usize, i: u32, v: u32): void { store<u32>(base + ((i as usize) << 2), v); }

// ---- the host-writable scratch region ----

let scratch: usize = 0;
let scratchSize: usize = 0;

/** A region of at least `bytes` the host may write (contents not kept across calls that
 *  grow it). Returns its address, or 0 when more than MAX_SCRATCH is asked for. */
export function graphScratch(bytes: usize): usize {
  if (bytes > MAX_SCRATCH) return 0;
  if (bytes > scratchSize) {
    release(scratch);
    scratchSize = bytes < 65536 ? 65536 : bytes;
    scratch = reserve(scratchSize);
  }
  return scratch;
}

/** Give the scratch region back (after a huge load). */
export function graphScratchRelease(): void {
  release(scratch);
  scratch = 0;
  scratchSize = 0;
}

// ---- construction ----

export function graphNew(nodes: u32): usize {
  if (nodes > MAX_NODES) return 0;
  const g = changetype<Graph>(reserve(offsetof<Graph>()));
  g.nodes = nodes;
  const n = nodes as usize;
  g.offsets = reserve((n + 1) << 2);
  g.colour = reserve(colourBytes(nodes));
  g.stack = reserve(n * FRAME);
  g.cursor = reserve(n << 2);
  g.result = reserve(n << 2);
  return changetype<usize>(g);
}

export function graphFree(p: usize): void {
  const g = changetype<Graph>(p);
  release(g.offsets); release(g.targets); release(g.colour); release(g.stack);
  release(g.cursor); release(g.result); release(g.roffsets); release(g.rsources);
  release(g.mark);
  release(p);
}

/**
 * Load `count` edges, (from, to) u32 pairs at the start of the scratch region, replacing
 * any loaded before. An endpoint outside the graph is refused: ERR_BAD_ARGUMENT, with the
 * index of the first bad edge at IO_OUT.
 */
export function graphLoad(p: usize, count: u32): i32 {
  const g = changetype<Graph>(p);
  if ((count as u64) * 8 > (scratchSize as u64)) return ERR_TOO_LARGE; // u64: no wrap
  const n = g.nodes;
  for (let e: u32 = 0; e < count; e++) {
    if (at(scratch, 2 * e) >= n || at(scratch, 2 * e + 1) >= n) {
      store<u32>(IO_OUT, e);
      return ERR_BAD_ARGUMENT;
    }
  }
  release(g.targets); release(g.roffsets); release(g.rsources);
  g.roffsets = 0; g.rsources = 0;
  g.targets = reserve((count as usize) << 2);
  g.edges = count;
  buildCsr(g.offsets, g.targets, g.cursor, n, count, 0);
  g.loaded = 1;
  g.state = STATE_UNKNOWN;
  return 0;
}

/**
 * Counting sort of the scratch pairs into CSR: degrees, prefix sums, then a fill that
 * keeps each node's successors in input order. `side` 0 keys on `from` (forward), 1 on
 * `to` (reversed). `fill` is n u32s of working space.
 */
function buildCsr(offsets: usize, targets: usize, fill: usize, n: u32, m: u32, side: u32): void {
  memory.fill(offsets, 0, ((n as usize) + 1) << 2);
  for (let e: u32 = 0; e < m; e++) {
    const u = at(scratch, 2 * e + side);
    put(offsets, u + 1, at(offsets, u + 1) + 1);
  }
  for (let u: u32 = 0; u < n; u++) put(offsets, u + 1, at(offsets, u + 1) + at(offsets, u));
  memory.copy(fill, offsets, (n as usize) << 2);
  for (let e: u32 = 0; e < m; e++) {
    const u = at(scratch, 2 * e + side);
    const k = at(fill, u);
    put(targets, k, at(scratch, 2 * e + 1 - side));
    put(fill, u, k + 1);
  }
}

// ---- the search ----

/**
 * Three-colour DFS over every node. Returns the length of the first cycle found (its
 * nodes, in edge order, at the start of `result`), or 0 when there is none, in which
 * case `result` holds a topological order (every edge u->v has u before v).
 *
 * Colours are packed two bits per node: on a large random graph nearly every edge leads
 * to a node already seen, so the colour load is the hot random access, and a quarter of a
 * byte per node keeps a million nodes' colours (250 KB) in cache. The edge cursor is only
 * touched when a node is pushed or resumed.
 */
function search(g: Graph): u32 {
  const n = g.nodes;
  const offsets = g.offsets, targets = g.targets, colour = g.colour;
  const stack = g.stack, result = g.result;
  memory.fill(colour, 0, colourBytes(n));
  let done = n; // result[done..n) holds finished nodes, latest first
  for (let root: u32 = 0; root < n; root++) {
    if (colourOf(colour, root) != WHITE) continue;
    setColour(colour, root, GREY);
    let top = stack; // the frame in use: (node, next edge, end of its edges)
    store<u32>(top, root);
    store<u32>(top, at(offsets, root), 4);
    store<u32>(top, at(offsets, root + 1), 8);
    while (true) {
      const u = load<u32>(top);
      let c = load<u32>(top, 4);
      const end = load<u32>(top, 8);
      let pushed = false;
      while (c < end) {
        const v = at(targets, c++);
        const cv = colourOf(colour, v);
        if (cv == WHITE) {
          store<u32>(top, c, 4);
          setColour(colour, v, GREY);
          top += FRAME;
          store<u32>(top, v);
          store<u32>(top, at(offsets, v), 4);
          store<u32>(top, at(offsets, v + 1), 8);
          pushed = true;
          break;
        }
        if (cv == GREY) return copyCycle(g, top, v); // v is on the stack
      }
      if (!pushed) {
        setColour(colour, u, BLACK);
        put(result, --done, u);
        if (top == stack) break;
        top -= FRAME;
      }
    }
  }
  return 0;
}

function colourBytes(n: u32): usize { return ((n as usize) + 3) >> 2; }
// @ts-ignore: decorator
@inline function colourOf(colour: usize, u: u32): u32 { return (load<u8>(colour + (u >> 2)) >> ((u & 3) << 1)) & 3; }
// @ts-ignore: decorator
@inline function setColour(colour: usize, u: u32, c: u32): void {
  const a = colour + (u >> 2);
  const shift = (u & 3) << 1;
  store<u8>(a, ((load<u8>(a) as u32) & ~(3 << shift)) | (c << shift));
}

/** The back edge (node of frame `top`) -> v closes the cycle from v's frame to the top;
 *  copy its nodes, in path order, to the start of result. */
function copyCycle(g: Graph, top: usize, v: u32): u32 {
  let f = top;
  while (load<u32>(f) != v) f -= FRAME;
  let k: u32 = 0;
  for (; f <= top; f += FRAME) put(g.result, k++, load<u32>(f));
  return k;
}

function run(g: Graph): void {
  if (g.state != STATE_UNKNOWN) return;
  const k = search(g);
  g.cycleLength = k;
  g.state = k > 0 ? STATE_CYCLIC : STATE_ACYCLIC;
}

/** 0 when acyclic, else the first cycle's length (nodes at graphResult). */
export function graphFindCycle(p: usize): i32 {
  const g = changetype<Graph>(p);
  if (!g.loaded) return ERR_NOT_LOADED;
  run(g);
  return g.state == STATE_CYCLIC ? g.cycleLength as i32 : 0;
}

/** The node count with a topological order at graphResult, or ERR_CYCLE. */
export function graphTopoOrder(p: usize): i32 {
  const g = changetype<Graph>(p);
  if (!g.loaded) return ERR_NOT_LOADED;
  run(g);
  return g.state == STATE_CYCLIC ? ERR_CYCLE : g.nodes as i32;
}

/** Where the last answer (cycle, order, roots) was written: u32 node ids. */
export function graphResult(p: usize): usize { return changetype<Graph>(p).result; }
export function graphNodeCount(p: usize): u32 { return changetype<Graph>(p).nodes; }
export function graphEdgeCount(p: usize): u32 { return changetype<Graph>(p).edges; }

// ---- reachability ----

/**
 * The roots (nodes nothing points at) from which `node` can be reached, in id order at
 * graphResult; `node` itself counts when it is a root. Cycles are fine here: the walk
 * marks what it has seen. Returns the count or ERR_BAD_HANDLE.
 */
export function graphRootsReaching(p: usize, node: u32): i32 {
  const g = changetype<Graph>(p);
  if (!g.loaded) return ERR_NOT_LOADED;
  if (node >= g.nodes) return ERR_BAD_HANDLE;
  if (g.roffsets == 0) buildReverse(g);
  const epoch = nextEpoch(g);
  const ro = g.roffsets, rs = g.rsources, mark = g.mark, stack = g.stack;
  put(mark, node, epoch);
  put(stack, 0, node);
  let sp: u32 = 1;
  while (sp > 0) {
    const u = at(stack, --sp);
    for (let c = at(ro, u), end = at(ro, u + 1); c < end; c++) {
      const w = at(rs, c);
      if (at(mark, w) != epoch) { put(mark, w, epoch); put(stack, sp++, w); }
    }
  }
  // Everything marked is an ancestor; keep the ones with no predecessor, in id order.
  let k: u32 = 0;
  for (let u: u32 = 0; u < g.nodes; u++) {
    if (at(mark, u) == epoch && at(ro, u) == at(ro, u + 1)) put(g.result, k++, u);
  }
  g.state = STATE_UNKNOWN; // result no longer holds the search's answer
  return k as i32;
}

function nextEpoch(g: Graph): u32 {
  if (g.epoch == 0xfffffffe) { memory.fill(g.mark, 0, (g.nodes as usize) << 2); g.epoch = 0; }
  return ++g.epoch;
}

/** Reversed CSR from the forward one (the scratch pairs may be gone by now). */
function buildReverse(g: Graph): void {
  const n = g.nodes;
  g.roffsets = reserve(((n as usize) + 1) << 2);
  g.rsources = reserve((g.edges as usize) << 2);
  g.mark = reserve((n as usize) << 2);
  const ro = g.roffsets;
  for (let c: u32 = 0; c < g.edges; c++) {
    const v = at(g.targets, c);
    put(ro, v + 1, at(ro, v + 1) + 1);
  }
  for (let u: u32 = 0; u < n; u++) put(ro, u + 1, at(ro, u + 1) + at(ro, u));
  memory.copy(g.cursor, ro, (n as usize) << 2);
  for (let u: u32 = 0; u < n; u++) {
    for (let c = at(g.offsets, u), end = at(g.offsets, u + 1); c < end; c++) {
      const v = at(g.targets, c);
      const k = at(g.cursor, v);
      put(g.rsources, k, u);
      put(g.cursor, v, k + 1);
    }
  }
}

// ---- bulk interning ----

/**
 * Intern `count` digest strings written at the start of the scratch region as records
 * [u8 len][len ASCII bytes] (`bytes` in all). Each id, or a negative digest error code,
 * is written as i32 at scratch + align4(bytes). Returns the number of refused strings,
 * or ERR_TOO_LARGE when the records or the answers do not fit the scratch region.
 */
export function graphInternMany(count: u32, bytes: u32): i32 {
  const out = ((bytes as usize) + 3) & ~3;
  if ((out as u64) + ((count as u64) << 2) > (scratchSize as u64)) return ERR_TOO_LARGE;
  let off: usize = 0;
  let refused: i32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    if (off >= (bytes as usize)) return ERR_BAD_ARGUMENT;
    const len = load<u8>(scratch + off) as usize;
    if (off + 1 + len > (bytes as usize)) return ERR_BAD_ARGUMENT;
    const id = digestInternAt(scratch + off + 1, len as i32);
    if (id < 0) refused++;
    store<i32>(scratch + out + ((i as usize) << 2), id);
    off += 1 + len;
  }
  return refused;
}

/**
 * Debug check of a loaded graph: offsets ascend to m, targets are in range, and when the
 * last search said "acyclic" the result is a permutation in which every edge goes
 * forward. Returns 0 or a positive code.
 */
export function graphCheck(p: usize): i32 {
  const g = changetype<Graph>(p);
  if (!g.loaded) return 0;
  const n = g.nodes;
  if (at(g.offsets, 0) != 0 || at(g.offsets, n) != g.edges) return 1;
  for (let u: u32 = 0; u < n; u++) if (at(g.offsets, u) > at(g.offsets, u + 1)) return 2;
  for (let c: u32 = 0; c < g.edges; c++) if (at(g.targets, c) >= n) return 3;
  if (g.state == STATE_ACYCLIC) {
    // position of each node in the order, kept in cursor (free between searches)
    for (let u: u32 = 0; u < n; u++) put(g.cursor, u, NIL);
    for (let i: u32 = 0; i < n; i++) {
      const u = at(g.result, i);
      if (u >= n || at(g.cursor, u) != NIL) return 4;
      put(g.cursor, u, i);
    }
    for (let u: u32 = 0; u < n; u++) {
      for (let c = at(g.offsets, u), end = at(g.offsets, u + 1); c < end; c++) {
        if (at(g.cursor, u) >= at(g.cursor, at(g.targets, c))) return 5;
      }
    }
  }
  return 0;
}
