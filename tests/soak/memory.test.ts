// Memory comes back: images opened and dropped, and caches never freed, leave the core's
// linear memory, its reserved regions, its digest table and the process's RSS where they
// were after warm-up. The runs happen in a child process started with --expose-gc
// (tests/soak/memory-child.mjs): finalizers only run when the collector does, and the
// test drives it there.
//
// Bounds, and why:
// - linear memory and the core's reserved bytes do not grow at all after the first 1,000
//   images: every region an image needs is given back (free() or the finalizer) before
//   the next ones reuse it, and the digest table's slots are reused, not added.
// - the digest table holds at the end exactly what it held at the start: each image's
//   digests (resolveImage's walk, the LayerGraph) leave with their last holder.
// - RSS within +30 MB of warm-up, JS heap within +8 MB: V8 doubles its young generation
//   under allocation pressure whatever is retained (heapUsed stays flat while heapTotal
//   and RSS step up by 16-32 MB), so the child pins it (--max-semi-space-size=2) and RSS
//   then measures what stays.
// - a cache of 16 entries reserves under 2 KiB (it reserved 164 KiB when its event log was
//   sized for a whole batch), so 30,000 of them are at most ~60 MB even never collected;
//   with collection the core's reserved bytes return to their start.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const child = fileURLToPath(new URL("./memory-child.mjs", import.meta.url));
const dist = fileURLToPath(new URL("../../dist/node.js", import.meta.url));
const MB = 1 << 20;

interface Figures {
  label: string;
  linear: number;
  reserved: number;
  digests: number;
  rss: number;
  heap: number;
}
interface Run {
  start: Figures;
  warm?: Figures;
  end: Figures;
  finalized: Record<string, number>;
  smallCacheBytes?: number;
}

function run(mode: string, count: number): Run {
  if (!existsSync(dist)) throw new Error(`the soak test runs the built package: ${dist} is missing (npm run build)`);
  const out = execFileSync(process.execPath, ["--expose-gc", "--max-semi-space-size=2", child, mode, String(count)], {
    encoding: "utf8",
    timeout: 110_000,
  });
  return JSON.parse(out.trim().split("\n").pop() as string) as Run;
}

function show(f: Figures): string {
  return `${f.label}: linear ${(f.linear / MB).toFixed(2)} MiB, core reserved ${f.reserved} B, digests ${f.digests}, RSS ${(f.rss / MB).toFixed(1)} MB, heap ${(f.heap / MB).toFixed(1)} MB`;
}

describe("soak: memory that comes back", () => {
  it("opens and drops 10,000 images (half freed, half left to the finalizer) with memory flat after warm-up", () => {
    const r = run("images", 10_000);
    const warm = r.warm as Figures;
    console.log(["images soak", show(r.start), show(warm), show(r.end), `finalized ${JSON.stringify(r.finalized)}`].join("\n  "));
    expect(r.end.linear).toBe(warm.linear);
    expect(r.end.reserved).toBe(warm.reserved);
    expect(r.end.digests).toBe(r.start.digests);
    expect(r.end.rss - warm.rss).toBeLessThan(30 * MB);
    expect(r.end.heap - warm.heap).toBeLessThan(8 * MB);
    // The 5,000 dropped graphs and caches were reclaimed by their finalizers.
    expect(r.finalized.LayerGraph).toBeGreaterThanOrEqual(4_750);
    expect(r.finalized.MetadataCache).toBeGreaterThanOrEqual(4_750);
  });

  it("30,000 small caches created and dropped, never freed, do not exhaust memory", () => {
    const r = run("caches", 30_000);
    console.log(
      [
        "small caches",
        `one { max: 16 } cache reserves ${r.smallCacheBytes} B`,
        show(r.start),
        show(r.end),
        `finalized ${JSON.stringify(r.finalized)}`,
      ].join("\n  "),
    );
    expect(r.smallCacheBytes).toBeLessThan(2048);
    expect(r.finalized.MetadataCache).toBeGreaterThanOrEqual(28_500);
    expect(r.end.reserved).toBe(r.start.reserved);
    expect(r.end.linear).toBeLessThanOrEqual(16 * MB);
  });
});
