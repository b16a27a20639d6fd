// What a piece of work cost, as one JSON-able object the CLI prints (`--stats`), puts in its
// JSON, and the library hands to `onStats` (openImage, mountBatch, buildReport): wall time per
// phase with its bytes and throughput (work-clock.ts measures them), the document cache's
// hits, misses and evictions (counted by the core), the LayerPool's use, the core's memory,
// the process's peak RSS and CPU time where the runtime tells them, and one line naming the
// bottleneck. Portable: the process figures are null where there is no `process`.
//
// A window is startStats() .. finish(). Windows may overlap (two pages' loads, a library
// call inside a CLI command): each sees everything the process did during it.

import type { MetadataCache } from "../cache.js";
import { type L2Counters, l2Counters } from "../sources/cached-source.js";
import { documentCache } from "../sources/document-cache.js";
import { peekDefaultCore } from "../wasm/core.js";
import { type ClockReading, clockPools, readClock, startClock, stopClock, WORK_PHASES, type WorkPhase } from "./work-clock.js";

export type { WorkPhase };
export { WORK_PHASES };

export interface PhaseStats {
  phase: WorkPhase;
  /** Wall milliseconds this phase owned (see work-clock.ts for how time is shared out). */
  ms: number;
  /**
   * Bytes the phase handled: reading = blob bytes from the source; verifying = bytes hashed
   * (blobs and tars); gunzip, zstd = bytes out; tar = tar bytes handed to the reader's consumer
   * (parsed when mounting; a file's chunks checked and delivered when reading it); merging = tar
   * bytes of the layers applied; writing = bytes of output.
   */
  bytes: number;
  /** bytes per second of the phase's own time; null when it took no measurable time. */
  bytesPerSecond: number | null;
  /** ms / wallMs. */
  share: number;
}

export interface CacheFigures {
  /** get() calls on the document cache in the window: hits + misses. */
  lookups: number;
  hits: number;
  misses: number;
  evictions: number;
  /** Entries and bytes held at the end. */
  entries: number;
  bytes: number;
}

/** The persistent blob cache (sources/cached-source.ts) in the window: every store's figures together. */
export interface L2Figures extends L2Counters {
  /** hits + misses: blobs looked up in the store. */
  lookups: number;
}

export interface PoolFigures {
  /** LayerPools in use (a LayerFS made with `pool`). */
  pools: number;
  inUse: number;
  capacity: number;
  highWater: number;
  /** highWater / capacity: the most of the pool the window needed. */
  utilisation: number;
  acquires: number;
  releases: number;
}

export interface ProcessFigures {
  /** Peak resident set of the whole process so far (not only the window). */
  peakRssBytes: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** user + system over the window; above wallMs when threads (zlib) worked in parallel. */
  cpuMs: number;
}

export interface Bottleneck {
  /** The phase with the largest share of the wall time; null when no phase took any. */
  phase: WorkPhase | null;
  share: number;
  line: string;
}

export interface Stats {
  wallMs: number;
  phases: PhaseStats[];
  /** Wall time no phase owned: start-up, documents, the command's own work. */
  otherMs: number;
  /** The shared document cache (sources/document-cache.ts); null before a core was loaded. */
  cache: CacheFigures | null;
  /** The persistent blob cache (L2); null when no store was asked in the window. */
  l2: L2Figures | null;
  /** null when no LayerFS kept a LayerPool in the window. */
  pool: PoolFigures | null;
  /** The default core's linear memory; null when no core was loaded. */
  wasm: { memoryBytes: number } | null;
  process: ProcessFigures | null;
  bottleneck: Bottleneck;
}

type CacheCounters = { hits: number; misses: number; evictions: number };

interface ProcessLike {
  cpuUsage?: (previous?: { user: number; system: number }) => { user: number; system: number };
  resourceUsage?: () => { maxRSS: number };
}

function proc(): ProcessLike | undefined {
  return (globalThis as { process?: ProcessLike }).process;
}

/** The document cache when a core is loaded (never loads one just to be measured). */
function sharedCache(): MetadataCache<Uint8Array> | undefined {
  return peekDefaultCore() ? documentCache() : undefined;
}

export class StatsRecorder {
  private readonly start: ClockReading;
  private readonly cpuStart: { user: number; system: number } | undefined;
  private readonly cache: MetadataCache<Uint8Array> | undefined;
  private readonly cacheStart: CacheCounters;
  private readonly l2Start: L2Counters = { ...l2Counters() };
  private done: Stats | null = null;

  constructor() {
    startClock();
    this.start = readClock();
    try {
      this.cpuStart = proc()?.cpuUsage?.();
    } catch {
      this.cpuStart = undefined;
    }
    this.cache = sharedCache();
    const s = this.cache?.stats;
    this.cacheStart = { hits: s?.hits ?? 0, misses: s?.misses ?? 0, evictions: s?.evictions ?? 0 };
  }

  /** End the window (once; later calls return the same object). */
  finish(): Stats {
    if (this.done) return this.done;
    const end = readClock();
    stopClock();
    const wallMs = end.at - this.start.at;
    const phases = WORK_PHASES.map((phase, i): PhaseStats => {
      const ms = end.ms[i] - this.start.ms[i];
      const bytes = end.bytes[i] - this.start.bytes[i];
      return { phase, ms, bytes, bytesPerSecond: ms > 0 ? (bytes * 1000) / ms : null, share: wallMs > 0 ? ms / wallMs : 0 };
    });
    const otherMs = Math.max(0, wallMs - phases.reduce((n, p) => n + p.ms, 0));
    this.done = {
      wallMs,
      phases,
      otherMs,
      cache: this.cacheFigures(),
      l2: this.l2Figures(),
      pool: poolFigures(),
      wasm: wasmFigures(),
      process: this.processFigures(),
      bottleneck: bottleneckOf(phases, wallMs),
    };
    return this.done;
  }

  private cacheFigures(): CacheFigures | null {
    const cache = sharedCache();
    if (!cache) return null;
    // A cache made during the window (the first core load) started from zero.
    const base = cache === this.cache ? this.cacheStart : { hits: 0, misses: 0, evictions: 0 };
    const s = cache.stats;
    const hits = s.hits - base.hits;
    const misses = s.misses - base.misses;
    return { lookups: hits + misses, hits, misses, evictions: s.evictions - base.evictions, entries: s.entries, bytes: s.bytes };
  }

  private l2Figures(): L2Figures | null {
    const now = l2Counters();
    const d = {} as L2Counters;
    for (const k of Object.keys(this.l2Start) as (keyof L2Counters)[]) d[k] = now[k] - this.l2Start[k];
    if (d.hits + d.misses + d.bytesWritten + d.evictions === 0) return null;
    return { lookups: d.hits + d.misses, ...d };
  }

  private processFigures(): ProcessFigures | null {
    const p = proc();
    if (!p?.cpuUsage || !p.resourceUsage || !this.cpuStart) return null;
    try {
      const cpu = p.cpuUsage(this.cpuStart);
      return {
        peakRssBytes: p.resourceUsage().maxRSS * 1024, // maxRSS is in KiB
        cpuUserMs: cpu.user / 1000,
        cpuSystemMs: cpu.system / 1000,
        cpuMs: (cpu.user + cpu.system) / 1000,
      };
    } catch {
      return null; // a runtime whose process object lists these but does not implement them
    }
  }
}

function poolFigures(): PoolFigures | null {
  const pools = clockPools();
  if (!pools.length) return null;
  const f = { pools: pools.length, inUse: 0, capacity: 0, highWater: 0, utilisation: 0, acquires: 0, releases: 0 };
  for (const p of pools) {
    const s = p.stats;
    f.inUse += s.inUse;
    f.capacity += s.capacity;
    f.highWater += s.highWater;
    f.acquires += s.acquires;
    f.releases += s.releases;
  }
  f.utilisation = f.capacity > 0 ? f.highWater / f.capacity : 0;
  return f;
}

function wasmFigures(): { memoryBytes: number } | null {
  const core = peekDefaultCore();
  return core ? { memoryBytes: core.exports.memory.buffer.byteLength } : null;
}

const PERCENT = (x: number) => `${Math.round(x * 100)} %`;

/** The phase with the largest share of the wall time, said in one line. */
export function bottleneckOf(phases: readonly PhaseStats[], wallMs: number): Bottleneck {
  let top: PhaseStats | null = null;
  for (const p of phases) if (p.ms > 0 && (!top || p.ms > top.ms)) top = p;
  if (!top || wallMs <= 0) return { phase: null, share: 0, line: "no layer was read or written: nothing to be bound by" };
  const share = top.ms / wallMs;
  const line =
    top.phase === "reading"
      ? `bound by reading: waiting on the source (disk or network) ${PERCENT(share)} of wall time`
      : `bound by ${top.phase}: ${PERCENT(share)} of wall time`;
  return { phase: top.phase, share, line };
}

/** Start a window now. */
export function startStats(): StatsRecorder {
  return new StatsRecorder();
}

/** Run `work` in a window delivered to `onStats` when it settles (fails included); just `work` without one. */
export async function withStats<T>(onStats: ((stats: Stats) => void) | undefined, work: () => Promise<T>): Promise<T> {
  if (!onStats) return work();
  const recorder = startStats();
  try {
    return await work();
  } finally {
    onStats(recorder.finish());
  }
}
