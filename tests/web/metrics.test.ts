// The inspector's metrics panel: after an archive opens, the layers' stats (the object
// `--stats` prints) are shown with every phase the CLI names, the blob bytes read equal to
// the layers' compressed sizes the progress bar counted, and the bottleneck line naming a
// phase the table lists with the largest time; the work ran in the page's workers.

import { describe, expect, it } from "vitest";
import { fixture } from "../conformance/fixtures-dir.js";
import { WORK_PHASES } from "../../src/report/work-clock.js";
import { openPage, settled, shot, useApp, whyNot } from "./app.js";

const app = useApp("web metrics test");

describe.skipIf(!!whyNot)("web metrics panel", () => {
  it("shows each phase's time and bytes and the bottleneck line after opening an archive", async () => {
    const { page, problems } = await openPage(app());
    await page.setInputFiles("#archive-input", fixture("archives", "demo.oci.tar"));
    await settled(page);
    const block = page.locator("[data-testid=metrics-layers]");
    const phases = await block.locator("[data-testid=phases] tr[data-phase]").evaluateAll((rows) =>
      rows.map((r) => ({
        phase: r.getAttribute("data-phase")!,
        ms: Number(r.getAttribute("data-ms")),
        bytes: Number(r.getAttribute("data-bytes") ?? NaN),
      })),
    );
    expect(phases.map((p) => p.phase)).toEqual([...WORK_PHASES, "other"]);
    const total = Number(await page.getAttribute("#progress", "data-total"));
    expect(total).toBeGreaterThan(0);
    expect(phases.find((p) => p.phase === "reading")!.bytes).toBe(total);
    expect(phases.find((p) => p.phase === "merging")!.bytes).toBeGreaterThan(0);
    const line = (await block.locator("[data-testid=bottleneck]").textContent())!;
    const named = (await block.locator("[data-testid=bottleneck]").getAttribute("data-phase"))!;
    const timed = phases.filter((p) => p.phase !== "other");
    const slowest = timed.reduce((a, b) => (b.ms > a.ms ? b : a));
    expect(named).toBe(slowest.phase);
    expect(line).toMatch(new RegExp(`^bound by ${named}: .*\\d+ % of wall time$`));
    expect(await block.locator("[data-testid=wasm-memory]").textContent()).toMatch(/^wasm memory: \d/);
    expect(await block.locator("[data-testid=cache]").textContent()).toMatch(/^document cache: \d+ lookups/);
    expect(await page.locator("[data-testid=metrics-documents] [data-testid=phases]").count()).toBe(1);
    // The work ran in the inspector's worker and its stage workers (one more than the cores the
    // browser reports, at most 4), not on the page's thread.
    const stageWorkers = await page.evaluate(() => Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 1) + 1)));
    expect(page.workers().map((w) => new URL(w.url()).pathname)).toEqual([
      expect.stringMatching(/\/assets\/worker-[\w-]+\.js$/),
      ...Array.from({ length: stageWorkers }, () => expect.stringMatching(/\/assets\/stage-worker-[\w-]+\.js$/)),
    ]);
    await shot(page, "metrics");
    expect(problems).toEqual([]);
  });
});
