// Where the time goes while layers are read, measured by hooks in the readers themselves
// (fs/decompress.ts, fs/merge.ts, report/progress.ts). Portable: performance.now() only.
//
// Every slice of wall time goes to exactly one place, so the phases never add up to more than
// the wall time however many layers are read at once:
// - a synchronous section (hashing, zstd decoding, tar parsing, applying a layer, writing
//   text) owns the time it runs; nested sections give it to the innermost one;
// - otherwise the time is idle for this thread, and goes to the pipelines (layer reads) that
//   are waiting, split evenly between them. A pipeline waits on "reading" while it awaits its
//   source (disk or network), else on "gunzip" while it awaits inflated bytes: node:zlib
//   inflates on libuv's threads, so that wait is gunzip's time. The writer asks the source
//   for more only when zlib took its last slice without back-pressure, so a pending read
//   means the input, not the inflater, is what the pipeline lacks;
// - with no pipeline waiting, an open writing phase (cat, export) owns the idle time;
// - the rest is "other" (start-up, documents, the command's own work, JavaScript glue).
// The counters only run while someone takes stats (startStats() in stats.ts): off, every hook
// only tests a flag, and no stream stage is added to a layer read.

export type WorkPhase = "reading" | "verifying" | "gunzip" | "zstd" | "tar" | "merging" | "writing";

/** In the order a layer's bytes pass through them. */
export const WORK_PHASES: readonly WorkPhase[] = ["reading", "verifying", "gunzip", "zstd", "tar", "merging", "writing"];

const INDEX: Record<WorkPhase, number> = Object.fromEntries(WORK_PHASES.map((p, i) => [p, i])) as Record<WorkPhase, number>;
const READING = INDEX.reading;
const GUNZIP = INDEX.gunzip;
const WRITING = INDEX.writing;

/** Cumulative figures since the clock was last started; a window is the difference of two. */
export interface ClockReading {
  at: number;
  ms: Float64Array;
  bytes: Float64Array;
  otherMs: number;
}

/** Something with a LayerPool's stats, registered when a LayerFS keeps one. */
export interface PoolLike {
  readonly stats: { inUse: number; capacity: number; highWater: number; acquires: number; releases: number };
}

class Clock {
  users = 0;
  readonly ms = new Float64Array(WORK_PHASES.length);
  readonly bytes = new Float64Array(WORK_PHASES.length);
  otherMs = 0;
  readonly pipelines = new Set<Pipeline>();
  readonly pools = new Set<PoolLike>();
  writingPhases = 0;
  private readonly sections: number[] = [];
  private last = 0;

  start(): void {
    if (this.users++ > 0) return;
    this.ms.fill(0);
    this.bytes.fill(0);
    this.otherMs = 0;
    this.pipelines.clear();
    this.pools.clear();
    this.writingPhases = 0;
    this.sections.length = 0;
    this.last = performance.now();
  }

  stop(): void {
    if (this.users > 0) this.users--;
  }

  get on(): boolean {
    return this.users > 0;
  }

  /** Give the time since the last tick to whoever owned it. */
  tick(): void {
    const now = performance.now();
    const dt = now - this.last;
    this.last = now;
    if (dt <= 0) return;
    const s = this.sections;
    if (s.length) {
      this.ms[s[s.length - 1]] += dt;
      return;
    }
    let waiting = 0;
    for (const p of this.pipelines) if (p.waitingOn() >= 0) waiting++;
    if (waiting) {
      for (const p of this.pipelines) {
        const w = p.waitingOn();
        if (w >= 0) this.ms[w] += dt / waiting;
      }
    } else if (this.writingPhases > 0) this.ms[WRITING] += dt;
    else this.otherMs += dt;
  }

  enter(phase: number): void {
    this.tick();
    this.sections.push(phase);
  }

  leave(): void {
    this.tick();
    this.sections.pop();
  }

  read(): ClockReading {
    this.tick();
    return { at: this.last, ms: this.ms.slice(), bytes: this.bytes.slice(), otherMs: this.otherMs };
  }
}

const clock = new Clock();

/** Start (or join) the counting; stopClock() once per startClock(). */
export function startClock(): void {
  clock.start();
}
export function stopClock(): void {
  clock.stop();
}
export function readClock(): ClockReading {
  return clock.read();
}
/** Is someone taking stats? (The clock sees this thread only: work in a worker would go uncounted.) */
export function clockRunning(): boolean {
  return clock.on;
}
/** The LayerPools that LayerFS instances made while the clock ran keep. */
export function clockPools(): PoolLike[] {
  return [...clock.pools];
}

/** One layer read (readLayerStream): what it is waiting on, for idle time to be charged to. */
export class Pipeline {
  private reads = 0;
  private inflates = 0;

  /** The phase this pipeline's idle time goes to, or -1 while it is not waiting. */
  waitingOn(): number {
    return this.reads > 0 ? READING : this.inflates > 0 ? GUNZIP : -1;
  }

  /** The source's chunks, the wait for each charged to reading and its bytes counted. */
  async *sourceChunks(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    const it = src[Symbol.asyncIterator]();
    try {
      for (;;) {
        clock.tick();
        this.reads++;
        let r: IteratorResult<Uint8Array>;
        try {
          r = await it.next();
        } finally {
          clock.tick();
          this.reads--;
        }
        if (r.done) return;
        clock.bytes[READING] += r.value.length;
        yield r.value;
      }
    } finally {
      await it.return?.();
    }
  }

  /** Inflated chunks, the wait for each charged to gunzip (unless a read is pending) and counted. */
  async *inflatedChunks(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    const it = src[Symbol.asyncIterator]();
    try {
      for (;;) {
        clock.tick();
        this.inflates++;
        let r: IteratorResult<Uint8Array>;
        try {
          r = await it.next();
        } finally {
          clock.tick();
          this.inflates--;
        }
        if (r.done) return;
        clock.bytes[GUNZIP] += r.value.length;
        yield r.value;
      }
    } finally {
      await it.return?.();
    }
  }

  close(): void {
    clock.tick();
    clock.pipelines.delete(this);
  }
}

/** A pipeline for one layer read while stats are taken; null (nothing to do) otherwise. */
export function startPipeline(): Pipeline | null {
  if (!clock.on) return null;
  const p = new Pipeline();
  clock.tick();
  clock.pipelines.add(p);
  return p;
}

/** Run the synchronous `fn` as `phase`'s time, over `bytes` bytes (fn itself when stats are off). */
export function timed<T>(phase: WorkPhase, bytes: number, fn: () => T): T {
  if (!clock.on) return fn();
  const i = INDEX[phase];
  clock.enter(i);
  try {
    return fn();
  } finally {
    clock.leave();
    clock.bytes[i] += bytes;
  }
}

/** The steps of a synchronous generator (the zstd decoder's pieces), each timed as `phase`. */
export function timedSteps(phase: WorkPhase, steps: Iterable<Uint8Array>): Iterable<Uint8Array> {
  if (!clock.on) return steps;
  const i = INDEX[phase];
  return {
    *[Symbol.iterator]() {
      const it = steps[Symbol.iterator]();
      for (;;) {
        clock.enter(i);
        let r: IteratorResult<Uint8Array>;
        try {
          r = it.next();
        } finally {
          clock.leave();
        }
        if (r.done) return;
        clock.bytes[i] += r.value.length;
        yield r.value;
      }
    },
  };
}

/** A writing phase (Progress "writing": cat, export) opened or closed; idle time goes to it. */
export function writingPhase(open: boolean): void {
  if (!clock.on) return;
  clock.tick();
  clock.writingPhases = Math.max(0, clock.writingPhases + (open ? 1 : -1));
}

/** Bytes a writing phase delivered. */
export function countWritten(bytes: number): void {
  if (clock.on) clock.bytes[WRITING] += bytes;
}

/** A LayerFS keeps `pool`: report it with the stats of this window. */
export function notePool(pool: PoolLike | undefined): void {
  if (pool && clock.on) clock.pools.add(pool);
}
