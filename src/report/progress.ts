// Progress of long work as a plain model any front end can draw: the current phase (reading,
// verifying, merging, writing), bytes done of a total, steps (layers) done of a count, the rate
// and the time left. The CLI draws it on a terminal line or as log lines (src/cli/progress.ts);
// the web page can draw the same snapshot as a bar. Portable: no timers, no streams of its own,
// a clock handed in.
//
// Bytes arrive through countedLayers(), which wraps each layer's open() so every byte read from
// a blob is seen, whoever reads it (LayerFS.mountBatch, buildReport, export re-reading a layer);
// steps arrive from mountBatch's onLayer or from a counted stream's end.
//
// The rate is measured over the last few seconds (RATE_WINDOW_MS), not since the start, so a
// stall or a slow layer shows at once; the ETA is the bytes left at that rate. A phase whose
// total is only an estimate (export's tar size before it is written) says so (`estimated`),
// and its total grows to what was really done when the estimate was short.

import { formatBytes } from "../format.js";
import { chunksOf } from "../fs/decompress.js";
import type { LayerBytes, LayerLike } from "../oci/layer.js";
import { countWritten, writingPhase } from "./work-clock.js";

export type PhaseName = "reading" | "verifying" | "merging" | "writing";

export interface PhaseSnapshot {
  phase: PhaseName;
  /** What the phase works on (an image name), for the reader. */
  label: string;
  done: number;
  /** Bytes the phase will have done; null when unknown. */
  total: number | null;
  /** The total is an estimate (shown with "~"). */
  estimated: boolean;
  /** Steps (layers) done of count, for phases counted in steps. */
  steps: { done: number; count: number; unit: string } | null;
  elapsedMs: number;
  /** Bytes per second over the recent window (over the whole phase once finished); null before any. */
  rate: number | null;
  /** Milliseconds left at that rate; null without a total or a rate. */
  etaMs: number | null;
  finished: boolean;
}

export type ProgressEvent = "begin" | "bytes" | "step" | "end";

export interface PhaseOptions {
  label?: string;
  total?: number | null;
  estimated?: boolean;
  steps?: { count: number; unit: string };
}

/** Samples older than this no longer count towards the rate. */
export const RATE_WINDOW_MS = 3000;
/** One sample per this many milliseconds is enough for the window. */
const SAMPLE_EVERY_MS = 100;

interface Phase {
  name: PhaseName;
  label: string;
  total: number | null;
  estimated: boolean;
  steps: { done: number; count: number; unit: string } | null;
  started: number;
  ended: number | null;
  done: number;
  samples: { t: number; done: number }[];
}

export class Progress {
  private phase: Phase | null = null;

  constructor(
    private readonly listener: (snapshot: PhaseSnapshot, event: ProgressEvent) => void = () => {},
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Start a phase (ending the current one). */
  begin(name: PhaseName, options: PhaseOptions = {}): void {
    if (this.phase && this.phase.ended === null) this.end();
    const now = this.clock();
    const total = options.total ?? null;
    if (total !== null && !(Number.isFinite(total) && total >= 0))
      throw new RangeError(`progress total must be a byte count, not ${total}`);
    this.phase = {
      name,
      label: options.label ?? "",
      total,
      estimated: options.estimated ?? false,
      steps: options.steps ? { done: 0, count: options.steps.count, unit: options.steps.unit } : null,
      started: now,
      ended: null,
      done: 0,
      samples: [{ t: now, done: 0 }],
    };
    if (name === "writing") writingPhase(true); // idle time while output is written is writing's (--stats)
    this.emit("begin");
  }

  /** `n` more bytes of the current phase done (ignored between phases). */
  add(n: number): void {
    const p = this.phase;
    if (!p || p.ended !== null || n <= 0) return;
    p.done += n;
    if (p.name === "writing") countWritten(n);
    if (p.estimated && p.total !== null && p.done > p.total) p.total = p.done;
    const now = this.clock();
    const last = p.samples[p.samples.length - 1];
    if (now - last.t >= SAMPLE_EVERY_MS) {
      p.samples.push({ t: now, done: p.done });
      while (p.samples.length > 2 && now - p.samples[1].t > RATE_WINDOW_MS) p.samples.shift();
    }
    this.emit("bytes");
  }

  /** Steps done so far (of `count`, when it changed). */
  step(done: number, count?: number): void {
    const p = this.phase;
    if (!p || p.ended !== null || !p.steps) return;
    p.steps.done = done;
    if (count !== undefined) p.steps.count = count;
    this.emit("step");
  }

  /** End the current phase. */
  end(): void {
    const p = this.phase;
    if (!p || p.ended !== null) return;
    p.ended = this.clock();
    if (p.name === "writing") writingPhase(false);
    if (p.estimated) p.total = p.done; // what was written is the true total
    this.emit("end");
  }

  /** The current (or last) phase as it stands; null before the first. */
  snapshot(): PhaseSnapshot | null {
    const p = this.phase;
    if (!p) return null;
    const now = p.ended ?? this.clock();
    const elapsedMs = now - p.started;
    let rate: number | null = null;
    if (p.ended !== null) {
      rate = elapsedMs > 0 && p.done > 0 ? (p.done * 1000) / elapsedMs : null;
    } else {
      const first = p.samples[0];
      const span = now - first.t;
      if (span > 0 && p.done > first.done) rate = ((p.done - first.done) * 1000) / span;
    }
    const etaMs = p.total === null || rate === null ? null : p.ended !== null ? 0 : (Math.max(0, p.total - p.done) * 1000) / rate;
    return {
      phase: p.name,
      label: p.label,
      done: p.done,
      total: p.total,
      estimated: p.estimated,
      steps: p.steps ? { ...p.steps } : null,
      elapsedMs,
      rate,
      etaMs,
      finished: p.ended !== null,
    };
  }

  private emit(event: ProgressEvent): void {
    this.listener(this.snapshot()!, event);
  }
}

/** 95 s → "1:35", 3725 s → "1:02:05". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return hh ? `${hh}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

/** The one-line description both CLI renderers print: "reading IMG  12.0 MiB / 48.0 MiB  25%  96.0 MiB/s  ETA 0:01  layer 1/3". */
export function describeProgress(s: PhaseSnapshot): string {
  const parts = [s.label ? `${s.phase} ${s.label}` : s.phase];
  if (s.total !== null) {
    const pct = s.total > 0 ? Math.min(100, Math.floor((s.done * 100) / s.total)) : 100;
    parts.push(`${formatBytes(s.done)} / ${s.estimated && !s.finished ? "~" : ""}${formatBytes(s.total)}`, `${pct}%`);
  } else if (s.done > 0) {
    parts.push(formatBytes(s.done));
  }
  if (s.rate !== null) parts.push(`${formatBytes(Math.round(s.rate))}/s`);
  if (s.finished) parts.push(`in ${formatDuration(s.elapsedMs)}`);
  else if (s.etaMs !== null) parts.push(`ETA ${formatDuration(s.etaMs)}`);
  if (s.steps) parts.push(`${s.steps.unit} ${s.steps.done}/${s.steps.count}`);
  return parts.join("  ");
}

/**
 * The same layers, each open() counting the bytes read from the blob into `onBytes`; `onEnd`
 * runs when a stream has been read to its end (a layer read through, not cancelled).
 */
export function countedLayers<L extends LayerLike>(layers: readonly L[], onBytes: (n: number) => void, onEnd?: () => void): L[] {
  return layers.map(
    (layer) =>
      new Proxy(layer, {
        get(target, key) {
          if (key !== "open") return Reflect.get(target, key, target) as unknown;
          return async (range?: Parameters<L["open"]>[0]) => counted(await target.open(range), onBytes, onEnd);
        },
      }),
  );
}

function counted(src: LayerBytes, onBytes: (n: number) => void, onEnd?: () => void): ReadableStream<Uint8Array> {
  const it = chunksOf(src as ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>);
  return new ReadableStream<Uint8Array>(
    {
      async pull(ctl) {
        const r = await it.next();
        if (r.done) {
          ctl.close();
          onEnd?.();
          return;
        }
        onBytes(r.value.length);
        ctl.enqueue(r.value);
      },
      async cancel() {
        await it.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
