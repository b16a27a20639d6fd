// The layers go on screen one by one: the manifest, config and history are shown at once, each
// layer's row fills in as that layer is read, verified and in the view (bottom first, the
// stage workers reading several side by side), with the progress bar moving, and the page says
// "ready" only once all of them are in. Every read of the picked file is held back a little
// (as a big archive on a slow disk would be), so each step stays on screen long enough to be
// seen; a MutationObserver records every state the layers table went through.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fixture } from "../conformance/fixtures-dir.js";
import { expectedJson } from "./expected.js";
import { openPage, settled, shot, useApp, whyNot } from "./app.js";

const app = useApp("web progressive layers test");

interface Snapshot {
  states: string[];
  body: string;
  manifest: boolean;
  progress: number;
}

describe.skipIf(!!whyNot)("web layers shown as they are read", () => {
  it("shows the documents first, then each layer in order as it is in, then ready", async () => {
    const { page, problems } = await openPage(app());
    await page.evaluate(() => {
      const w = window as unknown as { snapshots: Snapshot[] };
      w.snapshots = [];
      // eslint-disable-next-line @typescript-eslint/unbound-method -- the original, called below with .apply on each blob
      const slice = Blob.prototype.slice;
      Blob.prototype.slice = function (this: Blob, ...args: Parameters<Blob["slice"]>) {
        const part = slice.apply(this, args);
        if ((this as File).name !== "slow.oci.tar") return part;
        const read = part.arrayBuffer.bind(part);
        part.arrayBuffer = () => new Promise((r) => setTimeout(r, 120)).then(read);
        return part;
      };
      new MutationObserver(() => {
        const states = [...document.querySelectorAll("#layers tr[data-testid=layer]")].map((r) => r.getAttribute("data-state") ?? "");
        const snap = {
          states,
          body: document.body.dataset.state ?? "",
          manifest: !!document.querySelector("[data-testid=manifest]"),
          progress: Number(document.getElementById("progress")?.dataset.done ?? 0),
        };
        const last = w.snapshots.at(-1);
        if (!last || last.states.join() !== snap.states.join() || last.body !== snap.body) w.snapshots.push(snap);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await page.setInputFiles("#archive-input", {
      name: "slow.oci.tar",
      mimeType: "application/x-tar",
      buffer: readFileSync(fixture("archives", "demo.oci.tar")),
    });
    await settled(page);
    const snaps = await page.evaluate(() => (window as unknown as { snapshots: Snapshot[] }).snapshots);
    const count = expectedJson("latest", "manifest.json").layers.length;
    const read = (s: Snapshot) => s.states.filter((x) => x === "read").length;
    const withRows = snaps.filter((s) => s.states.length === count);
    expect(withRows.length).toBeGreaterThan(0);

    // The documents came first: a view with the manifest and every layer still pending.
    expect(withRows[0].manifest).toBe(true);
    expect(withRows[0].states).toEqual(Array(count).fill("pending"));
    expect(withRows[0].body).toBe("loading");
    // Layers went in bottom first, never taken back: "read" rows are always the lowest ones,
    // and their number only grows.
    for (const s of withRows) {
      const n = read(s);
      expect(s.states.slice(0, n)).toEqual(Array(n).fill("read"));
      expect(s.states.slice(n)).not.toContain("read");
    }
    const counts = withRows.map(read);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]);
    // One by one: the page showed every partial count while it was still loading.
    const partial = new Set(withRows.filter((s) => s.body === "loading").map(read));
    for (let n = 1; n < count; n++) expect(partial).toContain(n);
    // Read and verified before its turn: a row above the ones in the view said so on the way.
    expect(withRows.some((s) => s.states.includes("staged"))).toBe(true);
    // Ready only once every layer is in, the progress bar at the layers' whole size.
    const ready = snaps.filter((s) => s.body === "ready");
    expect(ready.length).toBeGreaterThan(0);
    for (const s of ready) expect(s.states).toEqual(Array(count).fill("read"));
    const total = expectedJson("latest", "manifest.json").layers.reduce((n: number, l: { size: number }) => n + l.size, 0);
    expect(Number(await page.getAttribute("#progress", "data-done"))).toBe(total);
    expect(await page.getAttribute("[data-testid=layers-summary]", "data-complete")).toBe("true");
    await shot(page, "layers-one-by-one");
    expect(problems).toEqual([]);
    await page.close();
  });
});
