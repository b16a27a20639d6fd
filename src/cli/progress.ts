// How the CLI shows a Progress (src/report/progress.ts) on stderr.
// - tty: one line redrawn in place ("\r" + erase line), at most 10 times a second, cut to the
//   terminal's width (a wrapped line could not be erased); erased when a phase ends, before
//   the command prints anything and before an error. While a command writes to stdout and
//   stdout is that same terminal (`cat` to the screen), the line is not drawn over the output.
// - plain: for CI logs, no "\r": a line when a phase begins, one per step (layer) and one when
//   it ends, plus one every PLAIN_QUIET_MS in a long stretch between them (one big layer).
// - none: nothing.
// `--progress=auto` (the default) is tty when stderr is a terminal and the command was not asked
// for --json, else none: a pipe or a script gets nothing it did not ask for.

import { describeProgress, type PhaseOptions, type PhaseSnapshot, Progress, type ProgressEvent } from "../report/progress.js";
import type { CliIO } from "./command.js";

export type ProgressMode = "auto" | "plain" | "none";
export const PROGRESS_MODES: readonly ProgressMode[] = ["auto", "plain", "none"];

/** Redraws of the terminal line at most this often. */
const REDRAW_MS = 100;
const PLAIN_QUIET_MS = 10_000;
const ERASE_LINE = "\r\x1b[2K";

interface Settings {
  /** What was chosen, auto already decided. */
  render: "tty" | "plain" | "none";
}

let settings: Settings = { render: "none" };
const drawn = new Set<TtyLine>();

/** Decide once per run (main.ts): the mode asked for, --json, and whether stderr is a terminal. */
export function configureProgress(mode: ProgressMode, opts: { json: boolean; stderrIsTerminal: boolean }): void {
  if (mode === "auto") settings = { render: opts.stderrIsTerminal && !opts.json ? "tty" : "none" };
  else settings = { render: mode === "plain" ? "plain" : "none" };
}

/** Erase every progress line on the screen (before an error message or an early exit). */
export function clearProgressLines(): void {
  for (const line of drawn) line.erase();
}

/** A Progress drawn on `io.stderr` the configured way; close() erases what is left of it. */
export interface CliProgress {
  readonly progress: Progress;
  /** True when anything is shown (callers skip work that only feeds the display). */
  readonly shown: boolean;
  /** Begin the writing phase; `toStdout`: the bytes go to stdout (not drawn over them on one screen). */
  writing(options: PhaseOptions & { toStdout: boolean }): void;
  close(): void;
}

export function startProgress(io: CliIO): CliProgress {
  const render = settings.render;
  const writing = (progress: Progress) => (options: PhaseOptions) => progress.begin("writing", options);
  if (render === "none") {
    const progress = new Progress();
    return { progress, shown: false, writing: writing(progress), close() {} };
  }
  if (render === "plain") {
    const plain = new PlainLog(io);
    const progress = new Progress((s, e) => plain.see(s, e));
    return { progress, shown: true, writing: writing(progress), close() {} };
  }
  const line = new TtyLine(io);
  const progress = new Progress((s, e) => line.see(s, e));
  line.source = progress;
  return {
    progress,
    shown: true,
    writing: (options) => {
      line.overStdout = options.toStdout && !!(process.stdout as { isTTY?: boolean }).isTTY;
      progress.begin("writing", options);
    },
    close: () => line.stop(),
  };
}

class PlainLog {
  private last = 0;
  constructor(private readonly io: CliIO) {}
  see(s: PhaseSnapshot, event: ProgressEvent): void {
    const now = Date.now();
    if (event === "bytes" && now - this.last < PLAIN_QUIET_MS) return;
    this.last = now;
    this.io.stderr(`layerlens: ${describeProgress(s)}${event === "begin" ? "  (started)" : ""}\n`);
  }
}

class TtyLine {
  source: Progress | null = null;
  /** The writing phase's bytes go to the terminal this line is on: do not draw over them. */
  overStdout = false;
  private lastDraw = 0;
  private showing = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  constructor(private readonly io: CliIO) {}

  see(s: PhaseSnapshot, event: ProgressEvent): void {
    if (event === "begin") {
      this.timer ??= setInterval(() => this.redraw(), REDRAW_MS);
      this.timer.unref?.();
      this.draw(s); // at once: a phase that blocks (merging) is named while it runs
      return;
    }
    if (event === "end") {
      // The finished phase's line (totals, average rate) is drawn once, then erased: nothing stays
      // between the command's output and the prompt.
      this.draw(s);
      this.erase();
      this.stopTimer();
      return;
    }
    if (Date.now() - this.lastDraw >= REDRAW_MS) this.draw(s);
  }

  /** The timer keeps the rate and ETA moving while bytes stall (a slow registry). */
  private redraw(): void {
    const s = this.source?.snapshot();
    if (s && !s.finished && Date.now() - this.lastDraw >= REDRAW_MS) this.draw(s);
  }

  private draw(s: PhaseSnapshot): void {
    if (s.phase === "writing" && this.overStdout) return;
    this.lastDraw = Date.now();
    const width = (process.stderr as { columns?: number }).columns || 80; // 0 on a terminal that never said
    this.io.stderr(ERASE_LINE + describeProgress(s).slice(0, Math.max(20, width - 1)));
    this.showing = true;
    drawn.add(this);
  }

  erase(): void {
    if (!this.showing) return;
    this.io.stderr(ERASE_LINE);
    this.showing = false;
    drawn.delete(this);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Stop drawing (a phase cut short by an error is not reported as finished). */
  stop(): void {
    this.stopTimer();
    this.erase();
  }
}
