// The inspector served by `layerlens serve`, opening a registry image through the service's
// /v2/ pass-through (the page's own RegistrySource, every byte verified in the page): a real
// docker-registry on 127.0.0.1 holds the fixture image, the address carries #ref=, and what the
// page shows (layers, wasted space, files) must equal what it shows for the same image opened
// from an oci-archive skopeo made of it.

import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { MUST_RUN, fixture } from "../conformance/fixtures-dir.js";
import { skopeoCopy } from "../registry/harness/push.js";
import { type RunningRegistry, startRegistry } from "../registry/harness/registry.js";
import { canRun, freePort } from "../registry/harness/tools.js";
import { CLI } from "../cli/helpers.js";
import { cleanup } from "../runtimes/helpers/processes.js";
import { type App, openPage, settled, shot, startApp, whyNot } from "./app.js";

const exec = promisify(execFile);
const why = whyNot ?? (canRun("web inspector through serve") ? undefined : "the registry tools are missing");
if (why && MUST_RUN) throw new Error(`web inspector through serve cannot run under CI=true: ${why}`);

/** What the page shows of an image, without its name (which says where it came from). */
async function shown(page: Page): Promise<Record<string, unknown>> {
  return {
    layers: await page.$$eval("[data-testid=layer]", (rows) => rows.map((r) => (r as HTMLElement).innerText)),
    waste: await page.$eval("#waste", (e) => (e as HTMLElement).innerText),
    files: await page.$eval("#files", (e) => (e as HTMLElement).innerText),
  };
}

describe.skipIf(!!why)("the inspector through layerlens serve", () => {
  let app: App;
  let reg: RunningRegistry;
  let service: ReturnType<typeof spawn>;
  let origin = "";
  let archive = "";

  beforeAll(async () => {
    app = await startApp();
    reg = await startRegistry();
    await skopeoCopy(`oci:${fixture("layout")}:latest`, `${reg.host}/fixtures/demo:latest`);
    await skopeoCopy(`oci:${fixture("layout")}:v1`, `${reg.host}/fixtures/demo:v1`);
    archive = join(app.scratch, "latest.oci.tar");
    await exec("skopeo", ["copy", "-q", `oci:${fixture("layout")}:latest`, `oci-archive:${archive}`]);
    const port = await freePort();
    // --no-cache: the service keeps no blobs on disk (it still keeps small ones in memory).
    service = spawn(process.execPath, [CLI, "serve", "--port", String(port), "--web", app.site, "--no-cache", "--allow", reg.host], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    await new Promise<void>((ok, fail) => {
      service.stdout?.on("data", (d: Buffer) => d.toString().includes("listening") && ok());
      service.once("exit", (code) => fail(new Error(`layerlens serve exited ${code}`)));
    });
    origin = `http://127.0.0.1:${port}`;
  }, 180_000);

  afterAll(async () => {
    service?.kill("SIGTERM");
    await reg?.stop();
    await app?.close();
    cleanup();
  });

  test("#ref= opens the registry image and shows what the archive of it shows", async () => {
    const { page, problems } = await openPage(app);
    await page.setInputFiles("#archive-input", archive);
    await settled(page);
    const fromArchive = await shown(page);

    const through = await app.context.newPage();
    await through.goto(`${origin}/#ref=${encodeURIComponent(`${reg.host}/fixtures/demo:latest`)}`);
    await settled(through);
    await shot(through, "serve-registry");
    expect(await shown(through)).toEqual(fromArchive);
    expect((fromArchive.layers as string[]).length).toBeGreaterThan(0);

    // The box does the same, and leaves a link to the view in the address.
    await through.fill("#ref-input", `${reg.host}/fixtures/demo:v1`);
    await through.click("#ref-button");
    await settled(through);
    expect(new URL(through.url()).hash).toBe(`#${new URLSearchParams({ ref: `${reg.host}/fixtures/demo:v1` })}`);
    expect(problems).toEqual([]);
  });

  test("a second look at the image asks the service for no blob: the page keeps them in its own store", async () => {
    const { page, problems } = await openPage(app);
    const blobRequests: string[] = [];
    page.on("request", (r) => void (r.url().includes("/blobs/") && blobRequests.push(r.url())));
    // The store is the origin's: empty it first, since the test above read the same blobs.
    await page.goto(`${origin}/`);
    await page.evaluate(async () => (await navigator.storage.getDirectory()).removeEntry("layerlens", { recursive: true }).catch(() => {}));
    await page.goto("about:blank");
    await page.goto(`${origin}/#ref=${encodeURIComponent(`${reg.host}/fixtures/demo:latest`)}`);
    await settled(page);
    const first = blobRequests.length;
    expect(first).toBeGreaterThan(0);
    const shownFirst = await shown(page);
    await page.reload();
    await settled(page);
    expect(await shown(page)).toEqual(shownFirst);
    expect(blobRequests.slice(first)).toEqual([]);
    expect(await page.$eval("[data-testid=l2]", (e) => e.textContent ?? "")).toMatch(/blob cache \(L2\): \d+ lookups, [1-9]\d* hits/);
    expect(problems).toEqual([]);
  });
});
