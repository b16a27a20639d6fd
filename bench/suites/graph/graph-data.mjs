// The graph suite's inputs, rebuilt identically in every row's process from a seed.
//
//   dag    n nodes on shuffled labels: a path through a hidden order plus random forward
//          edges up to m (parallel edges happen, as in real image graphs)
//   chain  n nodes, n-1 edges, one path (a recursive DFS overflows on it)
//   back   the dag plus one edge from late in the hidden order back to early: one cycle

export function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/**
 * A DAG on shuffled labels: a path through the hidden order `label` (so any edge against
 * that order closes a cycle) plus random forward edges up to m. Shared with
 * tests/property/graph-scale.test.ts, which checks the detector on the same graphs.
 */
export function randomDag(n, m, seed) {
  const next = rng(seed);
  const label = new Uint32Array(n);
  for (let i = 0; i < n; i++) label[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = label[i];
    label[i] = label[j];
    label[j] = t;
  }
  const edges = new Uint32Array(2 * m);
  let e = 0;
  for (let i = 0; i + 1 < n; i++) {
    edges[e++] = label[i];
    edges[e++] = label[i + 1];
  }
  while (e < 2 * m) {
    let a = Math.floor(next() * n),
      b = Math.floor(next() * n);
    if (a === b) continue;
    if (a > b) {
      const t = a;
      a = b;
      b = t;
    }
    edges[e++] = label[a];
    edges[e++] = label[b];
  }
  return { edges, label };
}

export function makeGraph(scenario, n, m) {
  if (scenario === "chain") {
    const edges = new Uint32Array(2 * (n - 1));
    for (let i = 0; i + 1 < n; i++) {
      edges[2 * i] = i;
      edges[2 * i + 1] = i + 1;
    }
    return { nodes: n, edges, expectCycle: false };
  }
  const { edges: dag, label } = randomDag(n, m, 0x5eed);
  if (scenario !== "back") return { nodes: n, edges: dag, expectCycle: false };
  const edges = new Uint32Array(dag.length + 2);
  edges.set(dag);
  edges[dag.length] = label[Math.floor((2 * n) / 3)];
  edges[dag.length + 1] = label[Math.floor(n / 3)];
  return { nodes: n, edges, expectCycle: scenario === "back" };
}

/** n distinct sha256 digest strings with uniform hex (fresh, flat strings). */
export function makeDigests(n, seed) {
  const next = rng(seed);
  // Grown by push: `new Array(n)` beyond ~100k elements is a dictionary-mode array, whose
  // every read (and slice) is a hash lookup, a cost no real list of digests has.
  const out = [];
  const seen = new Set();
  while (out.length < n) {
    let hex = "";
    for (let k = 0; k < 8; k++) hex += ((next() * 0x100000000) >>> 0).toString(16).padStart(8, "0");
    if (seen.has(hex)) continue;
    seen.add(hex);
    out.push("sha256:" + hex);
  }
  // Flatten without keeping the Set's copies hashed: rebuild each string from its bytes.
  seen.clear();
  const flat = [];
  for (const s of out) flat.push(Buffer.from(s, "latin1").toString("latin1"));
  return flat;
}
