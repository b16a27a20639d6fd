// One pass of the inspector in a fresh headless Chromium (its own profile): open the start
// page, hand the archive to #archive-input as a user's pick would, and time the page from
// <body data-state> turning "loading" to "ready" (measured in the page, on its own clock),
// so the browser's start-up and the page load are not counted. The pass also checks what
// the page shows: every layer listed, no error, no page error.

/* global window, document, MutationObserver -- the functions handed to page.evaluate run in the page */

import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { browserCpuSeconds } from "./cpu.mjs";

export const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Resolves to { ms, cpuSeconds, layers, phases } for one pass (cpuSeconds: every Chromium
 * process of the pass, from the pick to "ready", give or take the 200 ms poll); throws when
 * the page did not show the image.
 */
export async function pagePass({ origin, archive, layers, timeoutMs = 30 * 60_000 }) {
  const profile = mkdtempSync(path.join(os.tmpdir(), "layerlens-bench-web-profile-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  try {
    const page = await context.newPage();
    const problems = [];
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    await page.goto(`${origin}/`);
    await page.waitForSelector("body[data-state=ready]");
    // The first "loading" after the pick starts the clock; the first "ready" after it stops it.
    await page.evaluate(() => {
      const marks = (window.__benchMarks = {});
      new MutationObserver(() => {
        const state = document.body.dataset.state;
        if (state === "loading" && marks.loading === undefined) marks.loading = performance.now();
        if (state !== "loading" && marks.loading !== undefined && marks.done === undefined) {
          marks.done = performance.now();
          marks.state = state;
        }
      }).observe(document.body, { attributes: true, attributeFilter: ["data-state"] });
    });
    const cpu0 = browserCpuSeconds(profile);
    await page.setInputFiles("#archive-input", archive);
    await page.waitForFunction(() => window.__benchMarks.done !== undefined, undefined, { timeout: timeoutMs, polling: 200 });
    const cpu1 = browserCpuSeconds(profile);
    const marks = await page.evaluate(() => window.__benchMarks);
    if (marks.state !== "ready") throw new Error(`page ended "${marks.state}": ${await page.textContent("#error")}`);
    const shown = await page.locator("#layers tr[data-testid=layer][data-state=read]").count();
    if (shown !== layers) throw new Error(`page lists ${shown} layers, the image has ${layers}`);
    const cancelled = await page.locator("[data-testid=cancelled]").count();
    if (cancelled || problems.length) throw new Error(`page: ${problems.join("; ") || "cancelled"}`);
    const phases = await page
      .locator("[data-testid=metrics-layers] [data-testid=phases] tr[data-phase]")
      .evaluateAll((rows) =>
        Object.fromEntries(rows.map((r) => [r.getAttribute("data-phase"), Math.round(Number(r.getAttribute("data-ms")))])),
      );
    const bottleneck = await page
      .locator("[data-testid=metrics-layers] [data-testid=bottleneck]")
      .textContent()
      .catch(() => null);
    const cpuSeconds = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
    return { ms: marks.done - marks.loading, cpuSeconds, layers: shown, phases, bottleneck };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
