// Types for graph-data.mjs, which the graph-scale property test shares with the bench.
export function rng(seed: number): () => number;
export function randomDag(n: number, m: number, seed: number): { edges: Uint32Array; label: Uint32Array };
export function makeGraph(
  scenario: "dag" | "chain" | "back",
  n: number,
  m: number,
): { nodes: number; edges: Uint32Array; expectCycle: boolean };
export function makeDigests(n: number, seed: number): string[];
