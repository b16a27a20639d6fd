// The benchmarks' trend: each run's headline ratios appended to bench/history.jsonl, one JSON
// line per suite run ({ date, commit, dirty, suite, load, ratios: { "row / column": ratio } }),
// and drawn per ratio across commits as bench/trend.svg, which RESULTS.md shows.
//
// A headline ratio is what a suite itself prints as one about layerlens: a table cell "2.34×"
// (or "2.73 (0.82×)") whose row or column names layerlens (layerlens, MetadataCache, LayerPool,
// "ours"), under its row's label and its column's header, and a bold "**5.90x**" in the prose
// under the clause before it. Ratios between two other libraries are not tracked. Read from the suite's markdown, so a suite needs no extra code to be tracked
// and a suite rewritten keeps being tracked under the labels it prints.
//
// The SVG is drawn from history.jsonl alone (hand-written SVG, no dependency):
//   node bench/lib/history.mjs --svg        redraw bench/trend.svg from bench/history.jsonl
//   node bench/lib/history.mjs --seed       append bench/results.json's suites as a first point
// One panel per ratio, grouped by suite; x = commits in the order they were first measured
// (the last run at a commit is its point), y from 0 to the largest value, a dashed line at 1×.

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const HISTORY_FILE = path.join(benchDir, "history.jsonl");
export const TREND_FILE = path.join(benchDir, "trend.svg");
/** The line RESULTS.md gets (once) under its title. */
export const TREND_LINK = "![Headline ratios per commit (bench/history.jsonl)](trend.svg)";

const RATIO_CELL = /(\d+(?:\.\d+)?)\s*×/;
const LEADING_NUMBER = /^[–-]?$|^[*~≈]*[\d.,]+/;
const OURS = /layerlens|metadatacache|layerpool|\bours\b/i;

function cells(line) {
  return line
    .trim()
    .replace(/^\||\|$/g, "")
    .split("|")
    .map((c) => c.trim());
}

/** The ratios a suite's markdown prints: { "row / column": number, "clause": number }. */
export function headlineRatios(markdown) {
  const out = {};
  const lines = markdown.split("\n");
  let table = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim().startsWith("|") && /^\s*\|[\s|:-]+\|\s*$/.test(lines[i + 1] ?? "")) {
      const header = cells(line);
      table++;
      for (i += 2; i < lines.length && lines[i].trim().startsWith("|"); i++) {
        const row = cells(lines[i]);
        const first = row.findIndex((c) => LEADING_NUMBER.test(c));
        const label = row.slice(0, first < 0 ? row.length : Math.max(1, first)).join(" ");
        row.forEach((cell, col) => {
          const m = RATIO_CELL.exec(cell);
          let key = `${label} / ${header[col] ?? col}`;
          if (key in out) key += ` (table ${table})`; // two tables with the same row and column names
          if (m && col >= Math.max(1, first) && OURS.test(key)) out[key] = Number(m[1]);
        });
      }
      i--;
      continue;
    }
    for (const m of line.matchAll(/(?:^|;\s*)([^;:*]+?):\s*\*\*(\d+(?:\.\d+)?)x\*\*/g)) out[m[1].trim()] = Number(m[2]);
  }
  return out;
}

function gitCommit(repoRoot) {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim();
    // The run's own outputs do not make the code under test dirty.
    const outputs = ["results.json", "RESULTS.md", "history.jsonl", "trend.svg"].map((f) => `:(exclude)bench/${f}`);
    const status = execFileSync("git", ["status", "--porcelain", "--untracked-files=no", "--", ".", ...outputs], {
      cwd: repoRoot,
      encoding: "utf8",
    });
    const dirty = status.trim() !== "";
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: false };
  }
}

/** One history line per suite of `results` named in `suites` that ran cleanly and prints ratios. */
export function historyEntries(results, suites, extra = {}) {
  const entries = [];
  for (const name of suites) {
    const s = results.suites?.[name];
    if (!s || s.error || s.failures?.length || s.quick || !s.markdown) continue; // a failed check is not a result
    const ratios = headlineRatios(s.markdown);
    if (!Object.keys(ratios).length) continue;
    entries.push({
      date: s.machine?.date ?? results.machine?.date ?? new Date().toISOString(),
      commit: s.machine?.commit ?? null,
      dirty: false,
      suite: name,
      load: s.machine?.loadavg ?? null,
      ...extra,
      ratios,
    });
  }
  return entries;
}

export function parseHistory(text) {
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

async function readHistory(file) {
  return existsSync(file) ? parseHistory(await readFile(file, "utf8")) : [];
}

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const num = (x) => (Math.round(x * 10) / 10).toString();
const fmt = (x) => String(+x.toFixed(2));
const commitLabel = (e) => (e.seed ? `seed ${e.commit ?? ""}`.trim() : `${e.commit ?? "?"}${e.dirty ? "+" : ""}`);

const PANEL_W = 300;
const PANEL_H = 120;
const COLS = 4;
const PAD = { left: 34, right: 46, top: 22, bottom: 22 };

/** The trend of every ratio in `entries` as one SVG document. */
export function trendSvg(entries) {
  // x axis: commits in the order first measured; a commit's point is its last run
  const commits = [];
  const seen = new Map();
  for (const e of [...entries].sort((a, b) => a.date.localeCompare(b.date))) {
    const key = commitLabel(e);
    if (!seen.has(key)) {
      seen.set(key, commits.length);
      commits.push(key);
    }
  }
  const series = new Map(); // suite -> ratio -> Map(commit index -> value)
  for (const e of [...entries].sort((a, b) => a.date.localeCompare(b.date))) {
    const bySuite = series.get(e.suite) ?? new Map();
    series.set(e.suite, bySuite);
    for (const [ratio, value] of Object.entries(e.ratios)) {
      const points = bySuite.get(ratio) ?? new Map();
      bySuite.set(ratio, points);
      points.set(seen.get(commitLabel(e)), value);
    }
  }
  const parts = [];
  let y = 48;
  const plotW = PANEL_W - PAD.left - PAD.right;
  const plotH = PANEL_H - PAD.top - PAD.bottom;
  const xOf = (i) => PAD.left + (commits.length > 1 ? (i * plotW) / (commits.length - 1) : plotW / 2);
  for (const [suite, ratios] of series) {
    parts.push(`<text class="suite" x="8" y="${y + 16}">${esc(suite)}</text>`);
    y += 26;
    let col = 0;
    for (const [ratio, points] of ratios) {
      const ox = 8 + col * PANEL_W;
      const values = [...points.values()];
      const top = Math.max(1, ...values) * 1.15;
      const yOf = (v) => PAD.top + plotH - (v / top) * plotH;
      const ordered = [...points.entries()].sort((a, b) => a[0] - b[0]);
      const pts = ordered.map(([i, v]) => `${xOf(i).toFixed(1)},${yOf(v).toFixed(1)}`).join(" ");
      const last = ordered[ordered.length - 1];
      parts.push(
        `<g transform="translate(${ox},${y})" data-ratio="${esc(ratio)}">`,
        `<rect class="panel" width="${PANEL_W - 8}" height="${PANEL_H - 6}"/>`,
        `<text class="title" x="6" y="14">${esc(ratio.length > 46 ? ratio.slice(0, 45) + "…" : ratio)}<title>${esc(ratio)}</title></text>`,
        `<line class="one" x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${yOf(1).toFixed(1)}" y2="${yOf(1).toFixed(1)}"/>`,
        `<text class="axis" x="${PAD.left - 4}" y="${(yOf(1) + 3).toFixed(1)}" text-anchor="end">1×</text>`,
        yOf(1) - PAD.top > 12 ? `<text class="axis" x="${PAD.left - 4}" y="${PAD.top + 6}" text-anchor="end">${num(top)}</text>` : "",
        `<polyline class="trend" points="${pts}"/>`,
        ...ordered.map(
          ([i, v]) =>
            `<circle cx="${xOf(i).toFixed(1)}" cy="${yOf(v).toFixed(1)}" r="2.5"><title>${esc(commits[i])}: ${fmt(v)}×</title></circle>`,
        ),
        `<text class="value" x="${(xOf(last[0]) + 5).toFixed(1)}" y="${(yOf(last[1]) + 4).toFixed(1)}">${fmt(last[1])}×</text>`,
        `<text class="axis" x="${PAD.left}" y="${PANEL_H - 10}">${esc(commits[ordered[0][0]])}</text>`,
        ordered.length > 1
          ? `<text class="axis" x="${PAD.left + plotW}" y="${PANEL_H - 10}" text-anchor="end">${esc(commits[last[0]])}</text>`
          : "",
        `</g>`,
      );
      if (++col === COLS) {
        col = 0;
        y += PANEL_H;
      }
    }
    if (col) y += PANEL_H;
    y += 8;
  }
  const width = 16 + COLS * PANEL_W;
  const height = y + 8;
  const note = `${commits.length} commit${commits.length === 1 ? "" : "s"}: ${commits.join(", ")}${
    entries.some((e) => e.seed) ? " (seed = the first point, taken from bench/results.json)" : ""
  }`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<style>.suite{font-size:15px;font-weight:bold}.title{font-size:10px}.axis{font-size:9px;fill:#666}.value{font-size:10px;fill:#1f5fa8}` +
      `.panel{fill:#fafafa;stroke:#ddd}.one{stroke:#999;stroke-dasharray:3 3}.trend{fill:none;stroke:#1f5fa8;stroke-width:1.5}circle{fill:#1f5fa8}</style>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="20" font-size="16" font-weight="bold">layerlens benchmarks: headline ratios per commit</text>`,
    `<text class="axis" x="8" y="36">${esc(note)}; y from 0, dashed line at 1×</text>`,
    ...parts.filter(Boolean),
    `</svg>`,
    "",
  ].join("\n");
}

/** Redraw trend.svg from history.jsonl. */
export async function drawTrend(historyFile = HISTORY_FILE, svgFile = TREND_FILE) {
  await writeFile(svgFile, trendSvg(await readHistory(historyFile)));
}

/**
 * After a run (bench/run.mjs): append the ratios of the suites that ran, redraw the SVG and
 * make sure RESULTS.md shows it. A quick run records nothing (its numbers are not meant to be read).
 */
export async function recordRun(results, { suites, quick, repoRoot, mdPath, historyFile = HISTORY_FILE, svgFile = TREND_FILE }) {
  if (quick) return;
  const { commit, dirty } = gitCommit(repoRoot);
  const entries = historyEntries(results, suites).map((e) => ({ ...e, commit: commit ?? e.commit, dirty }));
  if (entries.length) await appendFile(historyFile, entries.map((e) => JSON.stringify(e) + "\n").join(""));
  await drawTrend(historyFile, svgFile);
  await linkTrend(mdPath);
}

/** Show trend.svg in RESULTS.md, under its title (once). */
export async function linkTrend(mdPath) {
  const md = await readFile(mdPath, "utf8");
  if (md.includes(TREND_LINK)) return;
  const [title, ...rest] = md.split("\n");
  await writeFile(mdPath, [title, "", TREND_LINK, ...rest].join("\n"));
}

async function cli(argv) {
  if (argv.includes("--seed")) {
    const results = JSON.parse(await readFile(path.join(benchDir, "results.json"), "utf8"));
    const entries = historyEntries(results, Object.keys(results.suites), { seed: true });
    await appendFile(HISTORY_FILE, entries.map((e) => JSON.stringify(e) + "\n").join(""));
    process.stderr.write(`seeded ${HISTORY_FILE} with ${entries.length} suites from bench/results.json\n`);
  }
  if (argv.includes("--svg") || argv.includes("--seed")) {
    await drawTrend();
    await linkTrend(path.join(benchDir, "RESULTS.md"));
    process.stderr.write(`wrote ${TREND_FILE}\n`);
    return;
  }
  process.stderr.write("usage: node bench/lib/history.mjs --svg | --seed\n");
  process.exitCode = 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exitCode = 1;
  });
}
