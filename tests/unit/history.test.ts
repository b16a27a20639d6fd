// The bench trend (bench/lib/history.mjs): the ratios read from a suite's markdown, the lines
// appended after a run, and the SVG drawn from history.jsonl alone: one polyline per ratio,
// one point per commit on it (the last run at a commit), the seed named as such. The committed
// trend.svg must be what history.jsonl draws.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  HISTORY_FILE,
  TREND_FILE,
  TREND_LINK,
  type HistoryEntry,
  drawTrend,
  headlineRatios,
  historyEntries,
  parseHistory,
  recordRun,
  trendSvg,
} from "../../bench/lib/history.mjs";

const tmp = mkdtempSync(join(tmpdir(), "layerlens-history-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MARKDOWN = [
  "Some words with 2× in them that are not a table.",
  "",
  "| contender | hot 10,000 | fresh 10,000 |",
  "| --- | --- | --- |",
  "| lru-cache | 2.73 (0.82×) | 3.48 (0.93×) |",
  "| MetadataCache, digest handles | 7.78 (2.34×) | – |",
  "| MetadataCache, string keys | 2.52 (0.76×) ≈ | 3.78 (1.01×) |",
  "",
  "| contender | bytes per entry | vs lru-cache |",
  "| --- | --- | --- |",
  "| MetadataCache, string keys | **218.7** (107.3 + 111.4) | 1.10× |",
  "",
  "| scenario | library | ns/op | vs objects |",
  "| --- | --- | --- | --- |",
  "| cycle | layerpool | 127 | 0.12× |",
  "| cycle | js-pool | 11.3 | 1.31× |",
  "",
  "layerlens vs umoci unpack: **5.90x** faster (target 2x); vs the gunzip bound: **0.69x** of its speed.",
].join("\n");

/** The <polyline> elements of an SVG, as the list of their points. */
function polylines(svg: string): { ratio: string; points: number }[] {
  return [...svg.matchAll(/<g transform="[^"]*" data-ratio="([^"]*)">[\s\S]*?<polyline class="trend" points="([^"]*)"\/>/g)].map((m) => ({
    ratio: m[1],
    points: m[2].trim().split(/\s+/).filter(Boolean).length,
  }));
}

const entry = (commit: string, date: string, suite: string, ratios: Record<string, number>, seed = false): HistoryEntry => ({
  date,
  commit,
  dirty: false,
  suite,
  load: [1, 1, 1],
  ...(seed ? { seed } : {}),
  ratios,
});

describe("headline ratios", () => {
  it("reads table cells and bold prose ratios about layerlens, keyed row / column", () => {
    expect(headlineRatios(MARKDOWN)).toEqual({
      "MetadataCache, digest handles / hot 10,000": 2.34,
      "MetadataCache, string keys / hot 10,000": 0.76,
      "MetadataCache, string keys / fresh 10,000": 1.01,
      "MetadataCache, string keys / vs lru-cache": 1.1,
      "cycle layerpool / vs objects": 0.12,
      "layerlens vs umoci unpack": 5.9,
      "vs the gunzip bound": 0.69,
    });
  });

  it("one line per suite that ran cleanly and prints ratios; quick, failed and ratio-less suites give none", () => {
    const suite = (extra: object) => ({
      markdown: MARKDOWN,
      machine: { date: "2026-12-01T10:00:00Z", commit: "abc1234", loadavg: [1, 2, 3] },
      ...extra,
    });
    const results = {
      suites: {
        a: suite({}),
        quick: suite({ quick: true }),
        error: suite({ error: "boom" }),
        failed: suite({ failures: ["hit rates differ"] }),
        none: suite({ markdown: "| a | b |\n| --- | --- |\n| x | 12 |" }),
        notRun: suite({}),
      },
    };
    const entries = historyEntries(results, ["a", "quick", "error", "failed", "none"]);
    expect(entries.map((e) => e.suite)).toEqual(["a"]);
    expect(entries[0]).toEqual({
      date: "2026-12-01T10:00:00Z",
      commit: "abc1234",
      dirty: false,
      suite: "a",
      load: [1, 2, 3],
      ratios: headlineRatios(MARKDOWN),
    });
  });
});

describe("trend SVG", () => {
  const history = [
    entry("aaa1111", "2026-12-01T10:00:00Z", "cache", { x: 1.5, y: 2 }, true),
    entry("aaa1111", "2026-12-01T10:05:00Z", "pool", { z: 0.2 }, true),
    entry("bbb2222", "2026-12-02T10:00:00Z", "cache", { x: 1.7 }),
    entry("ccc3333", "2026-12-03T10:00:00Z", "cache", { x: 1.1, y: 2.5 }),
    entry("ccc3333", "2026-12-03T11:00:00Z", "cache", { x: 1.2, y: 2.4 }), // a second run at the same commit
    entry("ccc3333", "2026-12-03T11:00:00Z", "pool", { z: 0.25 }),
  ];

  it("one polyline per ratio with one point per commit that measured it", () => {
    const svg = trendSvg(history);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    expect(polylines(svg)).toEqual([
      { ratio: "x", points: 3 },
      { ratio: "y", points: 2 },
      { ratio: "z", points: 2 },
    ]);
    // the last run at a commit is its point; the seed is named as such
    expect(svg).toContain("<title>ccc3333: 1.2×</title>");
    expect(svg).not.toContain("<title>ccc3333: 1.1×</title>");
    expect(svg).toContain("<title>seed aaa1111: 1.5×</title>");
    expect(svg).toMatch(/seed = the first point, taken from bench\/results\.json/);
    expect(svg.match(/<circle /g)).toHaveLength(7);
    // y grows downwards: the higher ratio is drawn higher on the panel
    const xs = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="2.5"><title>[^:]*: ([\d.]+)×/g)].slice(0, 3);
    expect(xs.map((m) => Number(m[1]))).toEqual([...xs.map((m) => Number(m[1]))].sort((a, b) => a - b));
    const cy = (v: string) => Number(xs.find((m) => m[3] === v)![2]);
    expect(cy("1.7")).toBeLessThan(cy("1.5"));
    expect(cy("1.5")).toBeLessThan(cy("1.2"));
  });

  it("is drawn from history.jsonl alone, and the committed trend.svg is what it draws", async () => {
    const file = join(tmp, "history.jsonl");
    writeFileSync(file, history.map((e) => JSON.stringify(e)).join("\n") + "\n");
    const svgFile = join(tmp, "trend.svg");
    await drawTrend(file, svgFile);
    expect(readFileSync(svgFile, "utf8")).toBe(trendSvg(history));
    const committed = parseHistory(readFileSync(HISTORY_FILE, "utf8"));
    expect(committed.length).toBeGreaterThan(0);
    for (const e of committed) {
      expect(Object.keys(e)).toEqual(expect.arrayContaining(["date", "commit", "suite", "load", "ratios"]));
      expect(Object.values(e.ratios).every((v) => typeof v === "number" && v > 0)).toBe(true);
    }
    expect(committed.some((e) => e.seed)).toBe(true);
    expect(readFileSync(TREND_FILE, "utf8")).toBe(trendSvg(committed));
  });

  it("recordRun appends the suites that ran, redraws the SVG and links it from RESULTS.md once; a quick run records nothing", async () => {
    const historyFile = join(tmp, "run-history.jsonl");
    const svgFile = join(tmp, "run-trend.svg");
    const mdPath = join(tmp, "RESULTS.md");
    writeFileSync(mdPath, "# layerlens benchmarks\n\nbody\n");
    const results = { suites: { a: { markdown: MARKDOWN, machine: { date: "2026-12-04T00:00:00Z", commit: "x", loadavg: [0, 0, 0] } } } };
    await recordRun(results, { suites: ["a"], quick: true, repoRoot: tmp, mdPath, historyFile, svgFile });
    expect(() => readFileSync(historyFile)).toThrow();
    for (let i = 0; i < 2; i++) await recordRun(results, { suites: ["a"], quick: false, repoRoot: tmp, mdPath, historyFile, svgFile });
    const lines = parseHistory(readFileSync(historyFile, "utf8"));
    expect(lines).toHaveLength(2);
    expect(lines[0].ratios).toEqual(headlineRatios(MARKDOWN));
    expect(readFileSync(svgFile, "utf8")).toBe(trendSvg(lines));
    const md = readFileSync(mdPath, "utf8");
    expect(md).toBe(`# layerlens benchmarks\n\n${TREND_LINK}\n\nbody\n`);
  });
});
