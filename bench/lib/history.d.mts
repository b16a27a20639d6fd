// Types of history.mjs for the TypeScript tests that import it.

export interface HistoryEntry {
  date: string;
  commit: string | null;
  dirty: boolean;
  suite: string;
  load: number[] | null;
  seed?: boolean;
  ratios: Record<string, number>;
}

export interface SuiteResult {
  title?: string;
  quick?: boolean;
  error?: string;
  failures?: string[];
  markdown?: string;
  machine?: { date?: string; commit?: string | null; loadavg?: number[] };
}

export interface BenchResults {
  machine?: { date?: string };
  suites: Record<string, SuiteResult>;
}

export const HISTORY_FILE: string;
export const TREND_FILE: string;
export const TREND_LINK: string;
export function headlineRatios(markdown: string): Record<string, number>;
export function historyEntries(results: BenchResults, suites: string[], extra?: Partial<HistoryEntry>): HistoryEntry[];
export function parseHistory(text: string): HistoryEntry[];
export function trendSvg(entries: HistoryEntry[]): string;
export function drawTrend(historyFile?: string, svgFile?: string): Promise<void>;
export function linkTrend(mdPath: string): Promise<void>;
export function recordRun(
  results: BenchResults,
  options: { suites: string[]; quick: boolean; repoRoot: string; mdPath: string; historyFile?: string; svgFile?: string },
): Promise<void>;
