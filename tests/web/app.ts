// The built inspector in Debian's Chromium, shared by the web suites: build web/ with Vite into
// a temp dir, serve it on 127.0.0.1, open pages with their errors collected, wait on
// <body data-state>, and write screenshots to test-artefacts/web/ (git-ignored) for a human.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, expect } from "vitest";
import { HAVE_FIXTURES, MUST_RUN, fixture } from "../conformance/fixtures-dir.js";
import { ROOT, cleanup, isolatedEnv, tempDir, track, unavailable } from "../runtimes/helpers/processes.js";
import { serveDir, type Served } from "./serve.js";
import { CHROMIUM, CHROMIUM_ARGS } from "../helpers/chromium.js";

/** Why the web suites cannot run here (undefined when they can). */
export const whyNot = !HAVE_FIXTURES ? `shared fixtures not found at ${fixture()}` : unavailable(CHROMIUM);

/** Where screenshots go: kept after the run, never committed (.gitignore). */
export const ARTEFACTS = join(ROOT, "test-artefacts", "web");

export interface App {
  /** The built site on disk. */
  site: string;
  origin: string;
  context: BrowserContext;
  /** A scratch dir removed after the run. */
  scratch: string;
  close(): Promise<void>;
}

export async function startApp(): Promise<App> {
  const dir = track(tempDir("web"));
  const site = join(dir, "site");
  await build({ configFile: join(ROOT, "web/vite.config.ts"), logLevel: "error", build: { outDir: site, emptyOutDir: true } });
  const served: Served = await serveDir(site);
  const profile = join(dir, "profile");
  mkdirSync(profile);
  mkdirSync(ARTEFACTS, { recursive: true });
  const context = await chromium.launchPersistentContext(join(profile, "user-data"), {
    executablePath: CHROMIUM,
    headless: true,
    env: isolatedEnv(profile),
    viewport: { width: 1280, height: 900 },
    args: CHROMIUM_ARGS,
    acceptDownloads: true,
  });
  return {
    site,
    origin: served.origin,
    context,
    scratch: dir,
    close: async () => {
      await context.close();
      await served.close();
    },
  };
}

/** A fresh page on the start view, with page errors and console errors collected. */
export async function openPage(app: App): Promise<{ page: Page; problems: string[] }> {
  const page = await app.context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  await page.goto(`${app.origin}/`);
  await page.waitForSelector("body[data-state=ready]");
  return { page, problems };
}

/** Wait until the page has rendered an image or an error; fail with the error shown. */
export async function settled(page: Page, want: "ready" | "error" = "ready"): Promise<void> {
  await page.waitForSelector("body[data-state=ready], body[data-state=error]", { timeout: 60_000 });
  const state = await page.getAttribute("body", "data-state");
  if (state !== want) throw new Error(`page is ${state}: ${await page.textContent("#error")}`);
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTEFACTS, `${name}.png`), fullPage: true });
}

/**
 * One built app and browser for a test file: started before its tests, closed (temp dirs
 * removed) after them; `suite` names the file in the skip notice, and under CI=true a missing
 * Chromium or fixtures fail it instead. The getter is for use inside the tests.
 */
export function useApp(suite: string): () => App {
  if (whyNot && MUST_RUN) throw new Error(`${suite} cannot run under CI=true: ${whyNot}`);
  if (whyNot) console.warn(`skipping the ${suite}: ${whyNot}`);
  let app: App | undefined;
  beforeAll(async () => {
    if (!whyNot) app = await startApp();
  }, 120_000);
  afterAll(async () => {
    try {
      await app?.close();
    } finally {
      cleanup();
    }
  });
  return () => app ?? expect.unreachable(`the app for the ${suite} did not start`);
}
