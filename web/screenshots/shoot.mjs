#!/usr/bin/env node
// Writes the README's screenshots of the inspector (PNG files next to this script): the
// built app in Debian's Chromium, as the web tests drive it, on the shared fixtures' layout.
//   node web/screenshots/shoot.mjs [FIXTURES_DIR]   (default /work/shared/fixtures or $LAYERLENS_FIXTURES)
// Run after `npm run build` (the core in build/ is what Vite bundles).

import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { build } from "vite";
import { serveSite } from "../../bench/web/serve.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const fixtures = process.argv[2] ?? process.env.LAYERLENS_FIXTURES ?? "/work/shared/fixtures";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-sync"];

const scratch = mkdtempSync(path.join(os.tmpdir(), "layerlens-shots-"));
try {
  const site = path.join(scratch, "site");
  await build({ configFile: path.join(root, "web/vite.config.ts"), logLevel: "error", build: { outDir: site, emptyOutDir: true } });
  const served = await serveSite(site);
  const context = await chromium.launchPersistentContext(path.join(scratch, "profile"), {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
  });
  try {
    const page = await context.newPage();
    page.on("console", (m) => console.error(`page: ${m.text()}`));
    page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
    await page.goto(`${served.origin}/`);
    await page.waitForSelector("body[data-state=ready]");
    await page.setInputFiles("#folder-input", path.join(fixtures, "layout"));
    await page.waitForSelector("body[data-state=ready] [data-testid=dive-row]");
    const dive = page.locator("#dive");
    // The top layer as opened, then a lower layer with only its changes, then a search.
    await dive.scrollIntoViewIfNeeded();
    await dive.screenshot({ path: path.join(here, "dive.png") });
    const layers = page.locator("[data-testid=dive-layer]");
    await layers.nth(Math.max(0, (await layers.count()) - 3)).click();
    await page.waitForSelector("body[data-state=ready]");
    await page.check("#dive-changed");
    await dive.screenshot({ path: path.join(here, "dive-changed.png") });
    await page.uncheck("#dive-changed");
    await page.fill("#dive-search", "etc/*");
    await page.selectOption("#dive-sort", "size");
    await page.waitForTimeout(100);
    await dive.screenshot({ path: path.join(here, "dive-search.png") });
    await page.locator("#metrics").screenshot({ path: path.join(here, "metrics.png") });
    console.log(`wrote dive.png, dive-changed.png, dive-search.png, metrics.png in ${here}`);
  } finally {
    await context.close();
    await served.close();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
