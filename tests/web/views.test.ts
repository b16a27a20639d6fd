// The inspector's views against the fixtures' ground truth, driven through the real file
// inputs of the built app: every fixture opens to data-state=ready; each layer of `latest`
// lists the paths umoci's merged trees of consecutive tags say it added, modified and removed;
// the sample button; the platform picker keeps the platform picked; a layer that fails leaves
// the documents on screen; RepoTags and manifest annotations; chart labels inside the chart;
// no debug core in the built site.

import { createHash } from "node:crypto";
import { cpSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { fixture } from "../conformance/fixtures-dir.js";
import { buildSampleImage } from "../../src/sample.js";
import { expectedJson } from "./expected.js";
import { openPage, settled, shot, useApp, whyNot } from "./app.js";

const app = useApp("web views test");

/** rootfs.tsv of a tag as path → every other column (what umoci unpacked). */
function tree(tag: string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!tag) return out;
  for (const line of readFileSync(fixture("expected", tag, "rootfs.tsv"), "utf8").split("\n")) {
    if (!line) continue;
    const f = line.split("\t");
    out.set(f[0], f.slice(1));
  }
  return out;
}

const parentOf = (p: string) => p.slice(0, Math.max(0, p.lastIndexOf("/")));

/** What layer `after` of a tag chain did, from the trees before and after it. */
function groundTruth(before: Map<string, string[]>, after: Map<string, string[]>) {
  const added = [...after.keys()].filter((p) => !before.has(p)).sort();
  const modified = [...after.keys()].filter((p) => before.has(p) && before.get(p)!.join("\t") !== after.get(p)!.join("\t")).sort();
  // Removed: gone, or a directory replaced by something else (its subtree went with it); the
  // page names the top of each removed subtree.
  const gone = new Set([...before.keys()].filter((p) => !after.has(p) || (before.get(p)![0] === "d" && after.get(p)![0] !== "d")));
  const removedTops = [...gone].filter((p) => !gone.has(parentOf(p))).sort();
  return { added, modified, removedTops };
}

const changes = (page: Page, layer: number, kind: string) =>
  page.$$eval(`tr[data-index="${layer}"] + tr.changes [data-testid=change][data-kind=${kind}]`, (els) =>
    els.map((e) => e.getAttribute("data-path")!).sort(),
  );

async function openFolder(page: Page, dir: string): Promise<void> {
  await page.setInputFiles("#folder-input", dir);
  await settled(page);
}

describe.skipIf(!!whyNot)("inspector views in Chromium", () => {
  it("every fixture opens and reaches data-state=ready, every tag of the layout too", async () => {
    const { page, problems } = await openPage(app());
    const root = fixture();
    const layouts = readdirSync(root).filter((n) => n.startsWith("layout"));
    expect(layouts.length).toBeGreaterThan(3);
    for (const name of layouts) {
      await openFolder(page, join(root, name));
      expect(await page.locator("[data-testid=manifest]").count(), name).toBe(1);
    }
    await openFolder(page, fixture("layout"));
    const tags = await page.$$eval("#tag-select option", (els) => els.map((e) => (e as HTMLOptionElement).value));
    for (const tag of tags) {
      await page.selectOption("#tag-select", tag);
      await settled(page);
      expect(await page.inputValue("#tag-select")).toBe(tag);
      if (tag === "empty") continue;
      const manifest = expectedJson(tag, "manifest.json");
      expect(await page.locator("[data-testid=layer][data-state=read]").count(), tag).toBe(manifest.layers.length);
    }
    for (const archive of readdirSync(fixture("archives"))) {
      await page.setInputFiles("#archive-input", fixture("archives", archive));
      await settled(page);
      expect(await page.locator("[data-testid=layer][data-state=read]").count(), archive).toBeGreaterThan(0);
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it("each layer of latest lists what umoci's trees of consecutive tags say it changed", async () => {
    const { page, problems } = await openPage(app());
    await openFolder(page, fixture("layout"));
    // latest is v6 with a richer config: layer i of it is the layer tag v(i+1) added.
    const chain = [undefined, "v1", "v2", "v3", "v4", "v5", "v6"];
    const count = await page.locator("[data-testid=layer]").count();
    expect(count).toBe(chain.length - 1);
    expect(expectedJson("latest", "config.json").rootfs.diff_ids).toEqual(expectedJson("v6", "config.json").rootfs.diff_ids);
    for (let i = 0; i < count; i++) {
      await page.click(`tr[data-testid=layer][data-index="${i}"]`);
      await page.waitForSelector(`tr[data-index="${i}"] + tr.changes`);
      const truth = groundTruth(tree(chain[i]), tree(chain[i + 1]));
      expect(await changes(page, i, "added"), `layer ${i} added`).toEqual(truth.added);
      expect(await changes(page, i, "modified"), `layer ${i} modified`).toEqual(truth.modified);
      // A whiteout names the removed path; an opaque directory hides all it held below.
      const deleted = await changes(page, i, "deleted");
      const opaque = await changes(page, i, "opaque");
      const shown = truth.removedTops.filter((p) => deleted.includes(p) || opaque.includes(parentOf(p)));
      expect(shown, `layer ${i} removed`).toEqual(truth.removedTops);
      expect(
        deleted.every((p) => truth.removedTops.includes(p)),
        `layer ${i} deleted ⊆ removed`,
      ).toBe(true);
      for (const dir of opaque)
        expect(
          truth.removedTops.some((p) => parentOf(p) === dir),
          `layer ${i} opaque ${dir}`,
        ).toBe(true);
      // The counts in the row are the lengths of those lists.
      for (const [kind, list] of [
        ["added", truth.added],
        ["modified", truth.modified],
      ] as const) {
        const cell = page.locator(`tr[data-index="${i}"] td.num[data-count]`).nth(kind === "added" ? 0 : 1);
        expect(Number(await cell.getAttribute("data-count"))).toBe(list.length);
      }
    }
    await shot(page, "layer-changes");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("the sample button opens the sample image built in the page", async () => {
    const { page, problems } = await openPage(app());
    await page.click("#sample-button");
    await settled(page);
    const sample = buildSampleImage();
    expect(await page.getAttribute("[data-testid=manifest] code.digest", "data-digest")).toBe(sample.manifestDigest);
    const manifest = JSON.parse(new TextDecoder().decode(sample.files.get(`blobs/sha256/${sample.manifestDigest.slice(7)}`)));
    expect(await page.locator("[data-testid=layer][data-state=read]").count()).toBe(manifest.layers.length);
    await shot(page, "sample");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("the platform picker keeps the platform picked (arm64/v8 stays arm64/v8)", async () => {
    const { page, problems } = await openPage(app());
    await openFolder(page, fixture("layout-multi"));
    const index = expectedJson("layout-multi", "manifest-or-index.json");
    for (const d of [...index.manifests].reverse()) {
      const label = [d.platform.os, d.platform.architecture, d.platform.variant].filter(Boolean).join("/");
      await page.selectOption("#platform-select", label);
      await page.waitForFunction(
        (digest) => document.querySelector("[data-testid=manifest] code.digest")?.getAttribute("data-digest") === digest,
        d.digest,
      );
      await settled(page);
      expect(await page.inputValue("#platform-select")).toBe(label);
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it("a layer that fails is marked; manifest, config, history and the layers below stay shown", async () => {
    const { page, problems } = await openPage(app());
    const copy = join(app().scratch, "layout-bad-layer");
    cpSync(fixture("layout"), copy, { recursive: true });
    const manifest = expectedJson("latest", "manifest.json");
    const bad = 2;
    const blob = join(copy, "blobs", "sha256", manifest.layers[bad].digest.slice(7));
    const bytes = readFileSync(blob);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(blob, bytes);
    await page.setInputFiles("#folder-input", copy);
    await settled(page, "error");
    expect(await page.isVisible("#report")).toBe(true);
    expect(await page.locator("[data-testid=history] tbody tr").count()).toBe(expectedJson("latest", "config.json").history.length);
    const states = await page.$$eval("[data-testid=layer]", (els) => els.map((e) => e.getAttribute("data-state")));
    expect(states).toEqual(manifest.layers.map((_: unknown, i: number) => (i < bad ? "read" : i === bad ? "failed" : "skipped")));
    // A flipped byte in a gzip layer is caught by gunzip's CRC or by the blob digest, whichever
    // reads it first; either way the layer row and the banner say the same typed error.
    const code = await page.textContent("[data-testid=layer-error-code]");
    expect(["COMPRESSION", "DIGEST_MISMATCH"]).toContain(code);
    expect(await page.textContent("[data-testid=layer-error]")).toContain(manifest.layers[bad].digest.slice(0, 19));
    expect(await page.textContent("[data-testid=error-code]")).toBe(code);
    await shot(page, "failed-layer");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows a docker-archive's RepoTags and the manifest's annotations", async () => {
    const { page, problems } = await openPage(app());
    await page.setInputFiles("#archive-input", fixture("archives", "demo.docker.tar"));
    await settled(page);
    const archived = JSON.parse(readFileSync(fixture("expected", "demo.docker.tar-manifest.json"), "utf8"));
    expect(await page.$$eval("[data-testid=repo-tags] li", (els) => els.map((e) => e.textContent))).toEqual(archived[0].RepoTags);
    await openFolder(page, fixture("layout"));
    const annotations = expectedJson("latest", "manifest.json").annotations as Record<string, string>;
    expect(await page.$$eval("[data-testid=annotations] li", (els) => els.map((e) => e.textContent))).toEqual(
      Object.entries(annotations).map(([k, v]) => `${k}=${v}`),
    );
    expect(problems).toEqual([]);
    await page.close();
  });

  it("chart labels and values end inside the chart", async () => {
    const { page, problems } = await openPage(app());
    await openFolder(page, fixture("layout"));
    const overflow = await page.$$eval("svg.chart", (charts) =>
      charts.flatMap((svg) => {
        const width = Number(svg.getAttribute("width"));
        return [...svg.querySelectorAll("text")]
          .map((t) => t.getBBox())
          .filter((b) => b.x < 0 || b.x + b.width > width)
          .map((b) => `${svg.getAttribute("data-testid")}: text from ${b.x} to ${b.x + b.width} in ${width}`);
      }),
    );
    expect(await page.locator("svg.chart").count()).toBeGreaterThan(0);
    expect(overflow).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("Cancel stops the layer reads and keeps the documents on screen", async () => {
    const { page, problems } = await openPage(app());
    // Every read of this file is held back 300 ms, so the layers are still being read when the
    // documents are on screen; the counts show whether reading goes on after Cancel.
    await page.evaluate(() => {
      const w = window as unknown as { reads: { pending: number; total: number } };
      w.reads = { pending: 0, total: 0 };
      // eslint-disable-next-line @typescript-eslint/unbound-method -- the original, called below with .apply on each blob
      const slice = Blob.prototype.slice;
      Blob.prototype.slice = function (this: Blob, ...args: Parameters<Blob["slice"]>) {
        const part = slice.apply(this, args);
        if ((this as File).name !== "slow.docker.tar") return part;
        const read = part.arrayBuffer.bind(part);
        part.arrayBuffer = () => {
          w.reads.pending++;
          w.reads.total++;
          return new Promise((r) => setTimeout(r, 300)).then(read).finally(() => {
            w.reads.pending--;
          });
        };
        return part;
      };
    });
    await page.setInputFiles("#archive-input", {
      name: "slow.docker.tar",
      mimeType: "application/x-tar",
      buffer: readFileSync(fixture("archives", "demo.docker.tar")),
    });
    await page.waitForSelector("[data-testid=manifest]");
    await page.waitForSelector("[data-testid=layer][data-state=pending]");
    expect(await page.getAttribute("body", "data-state")).toBe("loading");
    await page.click("#cancel-button");
    await page.waitForSelector("body[data-state=ready]");
    expect(await page.isVisible("[data-testid=cancelled]")).toBe(true);
    expect(await page.isVisible("[data-testid=manifest]")).toBe(true);
    expect(await page.isHidden("#error")).toBe(true);
    const reads = () => page.evaluate(() => (window as unknown as { reads: { pending: number; total: number } }).reads);
    await page.waitForFunction(() => (window as unknown as { reads: { pending: number } }).reads.pending === 0, undefined, {
      timeout: 20_000,
    });
    const stopped = (await reads()).total;
    await page.waitForTimeout(1500);
    expect((await reads()).total).toBe(stopped);
    await shot(page, "cancelled");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("dive mode: each layer's tree marks what umoci's trees say it changed; search, filters, sort, keys", async () => {
    const { page, problems } = await openPage(app());
    await openFolder(page, fixture("layout"));
    const chain = [undefined, "v1", "v2", "v3", "v4", "v5", "v6"];
    /** Every row of the virtualised tree, scrolled through from the top. */
    const allRows = async () => {
      const rows = new Map<string, { mark: string; type: string; size: number }>();
      // A path the layer removed can be in the tree again (a directory replaced by a file).
      const removed = new Set<string>();
      const order: string[] = [];
      await page.$eval("[data-testid=dive-tree]", (e) => (e.scrollTop = 0));
      for (;;) {
        await page.waitForTimeout(50);
        const seen = await page.$$eval("[data-testid=dive-row]", (els) =>
          els.map(
            (e) =>
              [
                e.getAttribute("data-path")!,
                e.getAttribute("data-mark")!,
                e.getAttribute("data-type")!,
                Number(e.getAttribute("data-size")),
              ] as const,
          ),
        );
        for (const [path, mark, type, size] of seen) {
          if (mark === "removed") {
            removed.add(path);
            continue;
          }
          if (!rows.has(path)) order.push(path);
          rows.set(path, { mark, type, size });
        }
        const atEnd = await page.$eval("[data-testid=dive-tree]", (e) => {
          const before = e.scrollTop;
          e.scrollTop += 300;
          return e.scrollTop === before;
        });
        if (atEnd) break;
      }
      return { rows, removed, order };
    };
    const marked = (rows: Map<string, { mark: string }>, mark: string) =>
      [...rows]
        .filter(([, r]) => r.mark === mark)
        .map(([p]) => p)
        .sort();
    await page.check("#dive-changed");
    for (let i = 0; i < chain.length - 1; i++) {
      await page.click(`[data-testid=dive-layer][data-index="${i}"]`);
      await page.waitForFunction(
        (n) => document.getElementById("dive")?.dataset.layer === String(n) && document.body.dataset.state === "ready",
        i,
      );
      const truth = groundTruth(tree(chain[i]), tree(chain[i + 1]));
      const { rows, removed } = await allRows();
      expect(Number(await page.getAttribute("[data-testid=dive-count]", "data-count"))).toBe(rows.size + removed.size);
      expect(marked(rows, "added"), `layer ${i} added`).toEqual(truth.added);
      expect(marked(rows, "modified"), `layer ${i} modified`).toEqual(truth.modified);
      expect(
        [...removed].every((p) => truth.removedTops.includes(p)),
        `layer ${i} removed`,
      ).toBe(true);
      // With the filter on, a row is a change or a directory above one.
      const changedPaths = [...[...rows].filter(([, r]) => r.mark).map(([p]) => p), ...removed];
      for (const [p, r] of rows)
        if (!r.mark)
          expect(
            changedPaths.some((q) => q.startsWith(p + "/")),
            p,
          ).toBe(true);
    }
    await shot(page, "dive-changed");
    await page.uncheck("#dive-changed");
    // The top layer's tree is umoci's tree of latest, every path of it.
    await page.click(`[data-testid=dive-layer][data-index="${chain.length - 2}"]`);
    await page.waitForFunction(() => document.body.dataset.state === "ready");
    const latest = tree("latest");
    const whole = await allRows();
    expect([...whole.rows.keys()].sort()).toEqual([...latest.keys()].sort());
    // Directory sizes: the bytes of the files below, as umoci unpacked them.
    const fileBytes = (dir: string) =>
      [...latest].filter(([p, f]) => p.startsWith(dir + "/") && f[0] === "f").reduce((n, [, f]) => n + Number(f[4]), 0);
    for (const dir of ["bin", "usr", "etc"]) expect(whole.rows.get(dir)!.size, dir).toBe(fileBytes(dir));
    // Virtualised: only the rows in sight (and a margin) are in the DOM, whatever the tree holds.
    await page.$eval("[data-testid=dive-tree]", (e) => (e.scrollTop = 0));
    await page.waitForTimeout(50);
    const inDom = await page.locator("[data-testid=dive-row]").count();
    expect(whole.rows.size).toBeGreaterThan(inDom);
    expect(inDom).toBeLessThanOrEqual(Math.ceil(480 / 20) + 2 * 12 + 1);
    // Wasted only: the regular files more than one layer carries with bytes to spare, as the
    // layers' `tar -tv` listings show them (and the directories above them).
    const versions = new Map<string, number[]>();
    for (let i = 0; i < chain.length - 1; i++)
      for (const line of readFileSync(fixture("expected", "latest", `layer-${i}.tar-tv.txt`), "utf8").split("\n")) {
        if (!line.startsWith("-")) continue;
        const f = line.split(/\s+/);
        const path = f.slice(5).join(" ").replace(/^\.\//, "");
        versions.set(path, [...(versions.get(path) ?? []), Number(f[2])]);
      }
    const wastedTruth = [...versions]
      .filter(([p, sizes]) => sizes.length > 1 && sizes.reduce((a, b) => a + b, 0) > Math.min(...sizes) && latest.has(p))
      .map(([p]) => p)
      .sort();
    expect(wastedTruth.length).toBeGreaterThan(0);
    await page.check("#dive-wasted");
    const onlyWasted = await allRows();
    expect(
      [...onlyWasted.rows]
        .filter(([, r]) => r.type !== "directory")
        .map(([p]) => p)
        .sort(),
    ).toEqual(wastedTruth);
    await page.uncheck("#dive-wasted");
    // Sort by size: the top-level entries, largest first.
    await page.selectOption("#dive-sort", "size");
    const sized = await allRows();
    const top = sized.order.filter((p) => !p.includes("/")).map((p) => sized.rows.get(p)!.size);
    expect(top).toEqual([...top].sort((a, b) => b - a));
    await page.selectOption("#dive-sort", "name");
    // `/` jumps to the search; a glob matches names, a substring matches anywhere in the path.
    await page.click("[data-testid=dive-tree]");
    await page.keyboard.press("/");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("dive-search");
    await page.keyboard.type("*.txt");
    const txt = await allRows();
    const wantTxt = [...latest.keys()].filter((p) => p.endsWith(".txt")).sort();
    expect([...txt.rows.keys()].filter((p) => p.endsWith(".txt")).sort()).toEqual(wantTxt);
    for (const p of txt.rows.keys()) expect(p.endsWith(".txt") || wantTxt.some((q) => q.startsWith(p + "/")), p).toBe(true);
    await page.fill("#dive-search", "share/app");
    const sub = await allRows();
    for (const p of latest.keys()) if (p.includes("share/app")) expect(sub.rows.has(p), p).toBe(true);
    await page.fill("#dive-search", "");
    // Keys: ↓ in the tree moves the selection, ↓ in the layer list picks the next layer.
    await page.focus("[data-testid=dive-tree]");
    await page.$eval("[data-testid=dive-tree]", (e) => (e.scrollTop = 0));
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    expect(await page.getAttribute(".dive-row.selected", "data-path")).toBe(whole.order[2]);
    await page.focus(`[data-testid=dive-layer][data-index="0"]`);
    await page.keyboard.press("ArrowDown");
    await page.waitForFunction(() => document.getElementById("dive")?.dataset.layer === "1" && document.body.dataset.state === "ready");
    await shot(page, "dive");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("files: a hex view of a binary, a download equal to umoci's bytes, symlinks followed or marked dangling", async () => {
    const { page, problems } = await openPage(app());
    await openFolder(page, fixture("layout"));
    const latest = tree("latest");
    const expand = async (path: string) => {
      const parts = path.split("/");
      for (let i = 1; i < parts.length; i++) {
        const button = page.locator(`button.entry[data-path="${parts.slice(0, i).join("/")}"]`);
        if ((await button.getAttribute("aria-expanded")) !== "true") await button.click();
      }
    };
    await expand("bin/busybox");
    await page.click(`button.entry[data-path="bin/busybox"]`);
    await page.waitForSelector("[data-testid=hex]");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=download]")]);
    const saved = readFileSync(await download.path());
    expect(download.suggestedFilename()).toBe("busybox");
    expect(saved.length).toBe(Number(latest.get("bin/busybox")![4]));
    expect(createHash("sha256").update(saved).digest("hex")).toBe(latest.get("bin/busybox")![6]);
    // The hex view is the file's first bytes, 16 to a line.
    const firstLine = (await page.textContent("[data-testid=hex]"))!.split("\n")[0];
    expect(firstLine.slice(10, 57).trim()).toBe(Array.from(saved.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join(" "));
    // Symlinks: a relative one leads to its file, a dangling one is marked (umoci's tree has no target).
    await expand("srv/link-rel");
    const rel = page.locator(`li:has(> button.entry[data-path="srv/link-rel"]) > [data-testid=follow]`);
    await rel.click();
    await page.waitForSelector(`[data-testid=viewer-meta][data-path="srv/data/hello.txt"]`);
    expect(
      createHash("sha256")
        .update((await page.textContent("[data-testid=file-text]"))!)
        .digest("hex"),
    ).toBe(latest.get("srv/data/hello.txt")![6]);
    expect(latest.has("nonexistent/target")).toBe(false);
    expect(await page.getAttribute(`button.entry[data-path="srv/link-dangling"]`, "data-dangling")).toBe("true");
    expect(await page.locator(`li:has(> button.entry[data-path="srv/link-abs"]) > [data-testid=follow]`).count()).toBe(1);
    await shot(page, "files");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("the built site ships the release core only", () => {
    const assets = readdirSync(join(app().site, "assets"));
    expect(assets.filter((f) => f.endsWith(".wasm"))).toHaveLength(1);
    expect(assets.filter((f) => /debug/.test(f))).toEqual([]);
  });
});
