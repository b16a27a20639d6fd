// Number and Markdown helpers shared by the suites (pure functions, no I/O).

/** 6.4 Mops/s style: millions of operations per second, 2 decimals. */
export function mops(opsPerSec) {
  return opsPerSec == null ? "–" : (opsPerSec / 1e6).toFixed(2);
}

/** A ratio as "1.23×". */
export function ratio(x) {
  return x == null || !Number.isFinite(x) ? "–" : `${x.toFixed(2)}×`;
}

export function percent(x, digits = 2) {
  return x == null ? "–" : `${(x * 100).toFixed(digits)}%`;
}

/** Nanoseconds with a sensible number of digits. */
export function ns(x) {
  if (x == null) return "–";
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

export function bytes(x) {
  return x == null ? "–" : x.toFixed(1);
}

/** A Markdown table from a header row and body rows (cells are strings). */
export function table(header, rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
