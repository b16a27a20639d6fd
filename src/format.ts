// Human-readable figures shared by every report that prints them (the CLI's text output and
// the web inspector): byte counts in binary units and digests cut to their first 12 hex digits,
// the length `docker images` shows. Pure functions; nothing here knows about images.

const UNITS = ["KiB", "MiB", "GiB", "TiB"];

/** 512 → "512 B", 1536 → "1.5 KiB"; TiB is the largest unit. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${UNITS[u]}`;
}

/** sha256:abcdef… → abcdef012345 (callers keep the full digest where it matters). */
export function shortDigest(digest: string | undefined): string {
  return (digest ?? "").replace(/^sha256:/, "").slice(0, 12);
}
