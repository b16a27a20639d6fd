// Interleaved rounds of fresh processes: the timing method every timed suite shares.
//
// Round r runs every row once, each in a fresh process, before round r + 1 starts, so a
// burst of other work on a shared machine lands on one round of every row rather than
// on all rounds of whichever row ran during it. The machine's load average is recorded
// at the start and end of each round; a row's figure is the median of its rounds (each
// round's own figure is the median of that process's whole timed passes), and the fastest
// single pass is kept beside it, named as such, never as the headline.

import os from "node:os";
import { median } from "./format.mjs";

const load = () => os.loadavg().map((x) => +x.toFixed(2));

/**
 * Run `specs` (any values) for `rounds` rounds through `runOne(spec, round)`, which resolves
 * to one process's result. Returns { results: Map<spec, result[]>, rounds: [...load facts] }
 * and a list of failures (a row that throws is reported, and the others go on).
 */
export async function interleavedRounds(specs, rounds, runOne, log = () => {}) {
  const results = new Map(specs.map((s) => [s, []]));
  const roundFacts = [];
  const failures = [];
  for (let round = 0; round < rounds; round++) {
    const fact = { round: round + 1, start: new Date().toISOString(), loadStart: load() };
    log(`round ${round + 1} of ${rounds} (load ${fact.loadStart.join(" / ")})`);
    for (const spec of specs) {
      try {
        const r = await runOne(spec, round);
        r.round = round + 1;
        r.loadAtStart = os.loadavg()[0];
        results.get(spec).push(r);
      } catch (err) {
        failures.push(`round ${round + 1} ${JSON.stringify(spec)}: ${String(err?.message ?? err).split("\n")[0]}`);
      }
    }
    fact.loadEnd = load();
    fact.seconds = Math.round((Date.now() - Date.parse(fact.start)) / 1000);
    roundFacts.push(fact);
  }
  return { results, rounds: roundFacts, failures };
}

/**
 * A row's figures from its rounds' results, each holding `passMs` (whole timed passes).
 * medianMs: the median over rounds of each round's median pass; bestMs: the fastest pass
 * of any round; roundMs: each round's median pass (to show the spread).
 */
export function summarisePasses(perRound) {
  const roundMs = perRound.map((r) => median(r.passMs));
  return {
    medianMs: median(roundMs),
    bestMs: Math.min(...perRound.flatMap((r) => r.passMs)),
    roundMs: roundMs.map((x) => +x.toFixed(2)),
    passCount: perRound.reduce((n, r) => n + r.passMs.length, 0),
  };
}

/** Markdown lines: one row per round with its duration and load average at start and end. */
export function roundsTable(roundFacts, table) {
  return table(
    ["round", "started (UTC)", "seconds", "load average at start (1 / 5 / 15 min)", "at end"],
    roundFacts.map((f) => [String(f.round), f.start.slice(11, 19), String(f.seconds), f.loadStart.join(" / "), f.loadEnd.join(" / ")]),
  );
}
