// The inspector app (web/) in Debian's Chromium: built with Vite from web/vite.config.ts into
// a temp dir, served on 127.0.0.1, driven through playwright-core. Files are handed to the
// page the way a user would (the folder picker, the archive picker) and what the page shows
// is checked against the fixtures' ground truth (skopeo's documents, umoci's merged tree).
// A screenshot of each view is left in the temp dir (path printed) for a human to look at.

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HAVE_FIXTURES, MUST_RUN, fixture } from "../conformance/fixtures-dir.js";
import { ROOT, cleanup, isolatedEnv, tempDir, track, unavailable } from "../runtimes/helpers/processes.js";
import { expectedJson, layerFileBytes, rootfs, whiteoutTargets } from "./expected.js";
import { serveDir, type Served } from "./serve.js";
import { CHROMIUM, CHROMIUM_ARGS } from "../helpers/chromium.js";
import { main } from "../../src/cli/main.js";
import type { LayersReport } from "../../src/report/layers.js";

const why = !HAVE_FIXTURES ? `shared fixtures not found at ${fixture()}` : unavailable(CHROMIUM);
if (why && MUST_RUN) throw new Error(`inspector test cannot run under CI=true: ${why}`);
if (why) console.warn(`skipping the web inspector test: ${why}`);

let site: Served | undefined;
let context: BrowserContext | undefined;
let dir = "";

beforeAll(async () => {
  if (why) return;
  dir = track(tempDir("web"));
  await build({ configFile: join(ROOT, "web/vite.config.ts"), logLevel: "error", build: { outDir: join(dir, "site"), emptyOutDir: true } });
  site = await serveDir(join(dir, "site"));
  const profile = join(dir, "profile");
  mkdirSync(profile);
  context = await chromium.launchPersistentContext(join(profile, "user-data"), {
    executablePath: CHROMIUM,
    headless: true,
    env: isolatedEnv(profile),
    viewport: { width: 1280, height: 900 },
    args: CHROMIUM_ARGS,
  });
});

afterAll(async () => {
  try {
    await context?.close();
    await site?.close();
  } finally {
    if (dir) console.log(`web inspector screenshots (removed after the run unless KEEP_SCREENSHOTS=1): ${dir}`);
    if (process.env.KEEP_SCREENSHOTS !== "1") cleanup();
  }
});

/** A fresh page with page errors collected (a thrown error must never go unnoticed). */
async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await context!.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  await page.goto(`${site!.origin}/`);
  await page.waitForSelector("body[data-state=ready]");
  return { page, problems };
}

/** Wait until the page has rendered an image or an error; fail with the error shown. */
async function settled(page: Page, want: "ready" | "error" = "ready"): Promise<void> {
  await page.waitForSelector("body[data-state=ready], body[data-state=error]", { timeout: 60_000 });
  const state = await page.getAttribute("body", "data-state");
  if (state !== want) throw new Error(`page is ${state}: ${await page.textContent("#error")}`);
}

/** `layerlens layers IMAGE`, text and --json, run in-process. */
async function layersCli(spec: string): Promise<{ text: string; json: LayersReport }> {
  const run = async (...argv: string[]) => {
    let out = "";
    let err = "";
    const code = await main(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
    if (code !== 0) throw new Error(`layerlens ${argv.join(" ")}: ${err}`);
    return out;
  };
  return { text: await run("layers", spec), json: JSON.parse(await run("layers", spec, "--json")) as LayersReport };
}

const layerDigests = (page: Page) =>
  page.$$eval("[data-testid=layer] td:nth-child(2) > code.digest", (els) => els.map((e) => e.getAttribute("data-digest")));
const texts = (page: Page, sel: string) => page.$$eval(sel, (els) => els.map((e) => e.textContent ?? ""));

/** Expand the directories leading to `path` in the tree. */
async function expandTo(page: Page, path: string): Promise<void> {
  const parts = path.split("/");
  for (let i = 1; i < parts.length; i++) {
    const selector = `button.entry[data-path="${parts.slice(0, i).join("/")}"]`;
    const button = page.locator(selector);
    if ((await button.getAttribute("aria-expanded")) === "true") continue;
    await button.click();
    // The listing comes from the worker: the row opens once it has arrived.
    await page.waitForSelector(`${selector}[aria-expanded="true"]`);
  }
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

describe.skipIf(!!why)("web inspector in Chromium", () => {
  it("opens an OCI layout folder, picks the tag, and shows what skopeo and umoci see", async () => {
    const { page, problems } = await openPage();
    await page.setInputFiles("#folder-input", fixture("layout"));
    await settled(page);

    // The layout holds several tags: the picker lists them all and starts on "latest".
    const index = JSON.parse(readFileSync(fixture("layout", "index.json"), "utf8"));
    const tags = index.manifests.map((d: any) => d.annotations["org.opencontainers.image.ref.name"]);
    expect(await page.$$eval("#tag-select option", (els) => els.map((e) => (e as HTMLOptionElement).value))).toEqual(tags);
    expect(await page.inputValue("#tag-select")).toBe("latest");

    const manifest = expectedJson("latest", "manifest.json");
    const config = expectedJson("latest", "config.json");
    expect(await layerDigests(page)).toEqual(manifest.layers.map((l: any) => l.digest));
    expect(await page.getAttribute("[data-testid=manifest] code.digest", "data-digest")).toBe(
      `sha256:${createHash("sha256")
        .update(readFileSync(fixture("expected", "latest", "manifest.json")))
        .digest("hex")}`,
    );
    expect(await page.$$eval("[data-testid=layer] [data-size]", (els) => els.map((e) => Number(e.getAttribute("data-size"))))).toEqual(
      manifest.layers.map((l: any) => l.size),
    );
    expect(await texts(page, "[data-testid=env] li")).toEqual(config.config.Env);
    expect(await page.textContent("[data-testid=cmd]")).toBe(JSON.stringify(config.config.Cmd));
    expect(await page.textContent("[data-testid=entrypoint]")).toBe(JSON.stringify(config.config.Entrypoint));
    expect(await page.textContent("[data-testid=user]")).toBe(config.config.User);
    expect(await page.textContent("[data-testid=workdir]")).toBe(config.config.WorkingDir);
    expect(await texts(page, "[data-testid=ports] li")).toEqual(Object.keys(config.config.ExposedPorts));
    expect(await texts(page, "[data-testid=labels] li")).toEqual(Object.entries(config.config.Labels).map(([k, v]) => `${k}=${String(v)}`));
    expect(await page.locator("[data-testid=history] tbody tr").count()).toBe(config.history.length);

    // The progress bar counted every compressed byte of every layer.
    const total = manifest.layers.reduce((n: number, l: any) => n + l.size, 0);
    expect(await page.getAttribute("#progress", "data-total")).toBe(String(total));
    expect(await page.getAttribute("#progress", "data-done")).toBe(String(total));

    // Wasted space: a score in [0, 1] and one bar per layer in the chart.
    const efficiency = Number(await page.getAttribute("[data-testid=efficiency]", "data-value"));
    expect(efficiency).toBeGreaterThan(0);
    expect(efficiency).toBeLessThanOrEqual(1);
    // The same figures, in the same words and rounding, as `layerlens layers` prints for the image.
    const cli = await layersCli(`oci:${fixture("layout")}:latest`);
    expect(cli.text).toContain(`Efficiency        ${await page.textContent("[data-testid=efficiency]")}\n`);
    expect(efficiency).toBe(cli.json.waste.efficiency);
    expect(Number(await page.getAttribute("[data-testid=wasted]", "data-value"))).toBe(cli.json.waste.wastedBytes);
    expect(Number(await page.getAttribute("[data-testid=reclaimable]", "data-value"))).toBe(cli.json.waste.reclaimableBytes);
    // The chart plots each layer's regular-file bytes: what `tar -tv` of the layer lists.
    expect(
      await page.$$eval("[data-testid=layer-chart] g[data-layer]", (els) => els.map((e) => Number(e.getAttribute("data-value")))),
    ).toEqual(layerFileBytes("latest"));
    const wastedBars = await page.$$eval("[data-testid=waste-chart] g[data-layer]", (els) =>
      els.map((e) => Number(e.getAttribute("data-value"))),
    );
    expect(wastedBars.reduce((a, b) => a + b, 0)).toBe(Number(await page.getAttribute("[data-testid=reclaimable]", "data-value")));

    // The merged tree: the top level is umoci's, a deep file is there, a whited-out path is not.
    const tree = rootfs("latest");
    const top = [...tree.keys()].filter((p) => !p.includes("/")).sort();
    expect(
      (await page.$$eval("[data-testid=tree] > li > button.entry", (els) => els.map((e) => e.getAttribute("data-path")))).sort(),
    ).toEqual(top);
    const deep = [...tree.values()].find((e) => e.type === "f" && e.path.split("/").length >= 3 && e.size > 0 && e.size < 4096)!;
    await expandTo(page, deep.path);
    await page.locator(`button.entry[data-path="${deep.path}"]`).click();
    await page.waitForSelector("[data-testid=file-text], [data-testid=binary]");
    const shown = await page.locator("[data-testid=file-text]").textContent();
    expect(
      createHash("sha256")
        .update(shown ?? "")
        .digest("hex"),
    ).toBe(deep.sha256);
    const gone = whiteoutTargets("latest").filter((p) => !tree.has(p) && tree.get(p.slice(0, p.lastIndexOf("/")))?.type === "d");
    expect(gone.length).toBeGreaterThan(0);
    for (const p of gone) {
      await expandTo(page, p);
      const parent = p.slice(0, p.lastIndexOf("/"));
      expect(await page.locator(`button.entry[data-path="${parent}"]`).getAttribute("aria-expanded")).toBe("true");
      expect(await page.locator(`button.entry[data-path="${p}"]`).count()).toBe(0);
    }
    // A binary file shows its size, not its bytes.
    const busybox = tree.get("bin/busybox")!;
    await expandTo(page, "bin/busybox");
    await page.locator(`button.entry[data-path="bin/busybox"]`).click();
    await page.waitForSelector("[data-testid=binary]");
    expect(await page.getAttribute("[data-testid=binary]", "data-size")).toBe(String(busybox.size));
    await shot(page, "layout-latest");

    // Another tag: the page re-reads and shows that image's layers.
    await page.selectOption("#tag-select", "v1");
    await page.waitForFunction(
      (n) => document.body.dataset.state === "ready" && document.querySelectorAll("[data-testid=layer]").length === n,
      expectedJson("v1", "manifest.json").layers.length,
    );
    expect(await layerDigests(page)).toEqual(expectedJson("v1", "manifest.json").layers.map((l: any) => l.digest));
    expect(problems).toEqual([]);
    await page.close();
  });

  it("offers the platforms of an index and shows the one chosen", async () => {
    const { page, problems } = await openPage();
    await page.setInputFiles("#folder-input", fixture("layout-multi"));
    await settled(page);
    const index = expectedJson("layout-multi", "manifest-or-index.json");
    const platforms = index.manifests.map((d: any) =>
      [d.platform.os, d.platform.architecture, d.platform.variant].filter(Boolean).join("/"),
    );
    expect(await page.$$eval("#platform-select option", (els) => els.map((e) => (e as HTMLOptionElement).value))).toEqual(platforms);
    for (const [i, p] of platforms.entries()) {
      await page.selectOption("#platform-select", p);
      await page.waitForFunction(
        (d) =>
          document.body.dataset.state === "ready" &&
          document.querySelector("[data-testid=manifest] code.digest")?.getAttribute("data-digest") === d,
        index.manifests[i].digest,
      );
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it("opens a docker-archive with Blob reads and shows its layers, config and tree", async () => {
    const { page, problems } = await openPage();
    await page.setInputFiles("#archive-input", fixture("archives", "demo.docker.tar"));
    await settled(page);
    // skopeo converted this archive to an OCI layout: its config is the archive's config.
    const config = expectedJson("layout-from-docker-archive", "config.json");
    // A docker-archive's layers are its uncompressed tars: digest = diff_id.
    expect(await layerDigests(page)).toEqual(config.rootfs.diff_ids);
    expect(await texts(page, "[data-testid=env] li")).toEqual(config.config.Env);
    expect(await page.textContent("[data-testid=cmd]")).toBe(JSON.stringify(config.config.Cmd));
    // Same layers as the layout's "latest", so umoci's tree for it is the ground truth here.
    expect(config.rootfs.diff_ids).toEqual(expectedJson("latest", "config.json").rootfs.diff_ids);
    const top = [...rootfs("latest").keys()].filter((p) => !p.includes("/")).sort();
    expect(
      (await page.$$eval("[data-testid=tree] > li > button.entry", (els) => els.map((e) => e.getAttribute("data-path")))).sort(),
    ).toEqual(top);
    await shot(page, "docker-archive");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("opens an oci-archive dropped on the page", async () => {
    const { page, problems } = await openPage();
    const bytes = readFileSync(fixture("archives", "demo.oci.tar")).toString("base64");
    // A synthetic drop: the same DataTransfer a user's drop hands the page, holding one File.
    await page.evaluate((b64) => {
      const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([raw], "demo.oci.tar", { type: "application/x-tar" }));
      document.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, bytes);
    await settled(page);
    const index = JSON.parse(readFileSync(fixture("layout", "index.json"), "utf8"));
    const latest = index.manifests.find((d: any) => d.annotations["org.opencontainers.image.ref.name"] === "latest");
    expect(await page.getAttribute("[data-testid=manifest] code.digest", "data-digest")).toBe(latest.digest);
    expect(await layerDigests(page)).toEqual(expectedJson("latest", "manifest.json").layers.map((l: any) => l.digest));
    expect(problems).toEqual([]);
    await page.close();
  });

  it("a slower earlier pick never overwrites a newer one", async () => {
    const { page, problems } = await openPage();
    const slowBytes = readFileSync(fixture("archives", "demo.docker.tar")).toString("base64");
    const fastBytes = readFileSync(fixture("archives", "demo.oci.tar")).toString("base64");
    // Every read of the first file is held back 100 ms (as a big archive on a slow disk would
    // be); the second file is dropped as soon as the first is being read, so the first pick is
    // well under way, and finishes long after the second.
    await page.evaluate(
      ([slow, fast]) => {
        const w = window as unknown as { slowReads: { pending: number; total: number } };
        w.slowReads = { pending: 0, total: 0 };
        // eslint-disable-next-line @typescript-eslint/unbound-method -- the original, called below with .apply on each blob
        const slice = Blob.prototype.slice;
        Blob.prototype.slice = function (this: Blob, ...args: Parameters<Blob["slice"]>) {
          const part = slice.apply(this, args);
          if ((this as File).name !== "slow.docker.tar") return part;
          const read = part.arrayBuffer.bind(part);
          part.arrayBuffer = () => {
            w.slowReads.pending++;
            if (w.slowReads.total++ === 0) setTimeout(() => drop("demo.oci.tar", fast), 0);
            return new Promise((r) => setTimeout(r, 100)).then(read).finally(() => {
              w.slowReads.pending--;
            });
          };
          return part;
        };
        const drop = (name: string, b64: string) => {
          const dt = new DataTransfer();
          dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name));
          document.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
        };
        drop("slow.docker.tar", slow);
      },
      [slowBytes, fastBytes],
    );
    await settled(page);
    // Let the slow pick run out: no read of it pending for a while.
    await page.waitForFunction(
      () => {
        const r = (window as unknown as { slowReads: { pending: number; total: number; idleSince?: number } }).slowReads;
        if (r.total === 0 || r.pending > 0) {
          r.idleSince = undefined;
          return false;
        }
        r.idleSince ??= Date.now();
        return Date.now() - r.idleSince > 1000;
      },
      undefined,
      { timeout: 60_000, polling: 100 },
    );
    expect(await page.getAttribute("body", "data-state")).toBe("ready");
    // The oci-archive's layers (compressed blobs), not the docker-archive's (its diff_ids).
    expect(await layerDigests(page)).toEqual(expectedJson("latest", "manifest.json").layers.map((l: any) => l.digest));
    expect(await page.isHidden("#error")).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows a typed error, not a blank page, for a truncated archive", async () => {
    const { page, problems } = await openPage();
    const whole = readFileSync(fixture("archives", "demo.docker.tar"));
    const truncated = join(dir, "truncated.docker.tar");
    writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2) + 100));
    await page.setInputFiles("#archive-input", truncated);
    await settled(page, "error");
    expect(await page.isVisible("#error")).toBe(true);
    expect(await page.textContent("[data-testid=error-code]")).toBe("ARCHIVE");
    expect(await page.textContent("[data-testid=error-message]")).toContain("truncated.docker.tar");
    expect(await page.isHidden("#report")).toBe(true);
    await shot(page, "truncated");
    expect(problems).toEqual([]);
    await page.close();
  });
});
