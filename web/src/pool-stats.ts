// The layers' stats when the stage workers did the reading: the inspector's worker's own
// window (applying the staged layers: "merging") with every stage worker's phases added in.
// The phases then sum the time of several threads, so with layers read side by side their
// shares can add up to more than the wall time; the bottleneck is still the largest phase.

import { bottleneckOf, WORK_PHASES, type PhaseStats, type Stats } from "../../src/browser.js";
import type { PhaseTime } from "./stage-whole.js";

export function withPoolPhases(main: Stats, pool: readonly PhaseTime[]): Stats {
  const wallMs = main.wallMs;
  const phases = WORK_PHASES.map((phase): PhaseStats => {
    const own = main.phases.find((p) => p.phase === phase);
    let ms = own?.ms ?? 0;
    let bytes = own?.bytes ?? 0;
    for (const p of pool) {
      if (p.phase !== phase) continue;
      ms += p.ms;
      bytes += p.bytes;
    }
    return { phase, ms, bytes, bytesPerSecond: ms > 0 ? (bytes * 1000) / ms : null, share: wallMs > 0 ? ms / wallMs : 0 };
  });
  const otherMs = Math.max(0, wallMs - phases.reduce((n, p) => n + p.ms, 0));
  return { ...main, phases, otherMs, bottleneck: bottleneckOf(phases, wallMs) };
}
