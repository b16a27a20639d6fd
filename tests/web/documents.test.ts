// The inspector's raw documents: the manifest and config as skopeo saw them (the fixtures'
// manifest.json and config.json), each digest a link: the config's opens the config, a
// layer's opens that layer's row, "back" returns; an index's entries link to the manifests
// of other platforms, read and shown on demand.

import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { fixture } from "../conformance/fixtures-dir.js";
import { expectedJson } from "./expected.js";
import { openPage, settled, shot, useApp, whyNot } from "./app.js";

const app = useApp("web documents test");

const shown = async (page: Page) => ({
  kind: await page.getAttribute("[data-testid=doc-title]", "data-kind"),
  digest: await page.getAttribute("[data-testid=doc-title]", "data-digest"),
  json: JSON.parse((await page.textContent("[data-testid=raw-json]"))!) as unknown,
});

describe.skipIf(!!whyNot)("web raw documents", () => {
  it("shows the manifest and config as pretty JSON with every digest a link", async () => {
    const { page, problems } = await openPage(app());
    await page.setInputFiles("#folder-input", fixture("layout"));
    await settled(page);
    const manifest = expectedJson("latest", "manifest.json");
    const first = await shown(page);
    expect(first.kind).toBe("manifest");
    expect(first.json).toEqual(manifest);
    // Pretty: one key per line, indented.
    expect(await page.textContent("[data-testid=raw-json]")).toContain('\n  "schemaVersion": 2');
    const links = await page.$$eval("[data-testid=raw-json] [data-testid=digest-link]", (as) =>
      as.map((a) => a.getAttribute("data-digest")),
    );
    expect(links).toEqual([manifest.config.digest, ...manifest.layers.map((l: { digest: string }) => l.digest)]);

    await page.click(`[data-testid=digest-link][data-digest="${manifest.config.digest}"]`);
    await page.waitForSelector("[data-testid=doc-title][data-kind=config]");
    const config = await shown(page);
    expect(config.digest).toBe(manifest.config.digest);
    expect(config.json).toEqual(expectedJson("latest", "config.json"));
    await page.click("[data-testid=doc-back]");
    await page.waitForSelector("[data-testid=doc-title][data-kind=manifest]");

    const last = manifest.layers.length - 1;
    await page.click(`[data-testid=digest-link][data-digest="${manifest.layers[last].digest}"]`);
    await page.waitForSelector(`#layers tr[data-testid=layer][data-index="${last}"][aria-expanded=true]`);
    await shot(page, "documents");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("an index's entries open the other platforms' manifests", async () => {
    const { page, problems } = await openPage(app());
    await page.setInputFiles("#folder-input", fixture("layout-multi"));
    await settled(page);
    await page.click("[data-testid=doc-tab][data-kind=index]");
    await page.waitForSelector("[data-testid=doc-title][data-kind=index]");
    const index = (await shown(page)).json as { manifests: { digest: string; mediaType: string }[] };
    expect(index.manifests.length).toBeGreaterThan(1);
    const current = await page.getAttribute("[data-testid=doc-tab][data-kind=manifest]", "data-digest");
    const other = index.manifests.find((m) => m.digest !== current)!;
    await page.click(`[data-testid=digest-link][data-digest="${other.digest}"]`);
    await page.waitForSelector(`[data-testid=doc-title][data-digest="${other.digest}"]`);
    const doc = (await shown(page)).json as { mediaType?: string; layers?: unknown[] };
    expect(doc.layers?.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await page.close();
  });
});
