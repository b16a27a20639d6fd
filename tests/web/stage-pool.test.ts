// The inspector's stage pool over real MessageChannels, with a stand-in stage worker on the far
// end that records the jobs it was given and answers them when told. A view replaced while its
// layers are still queued (another platform picked mid-mount) drops those layers: they reject
// with the signal's reason and never reach a worker; a layer a worker has begun is let finish;
// the next view's layers are staged as usual.

import { afterEach, describe, expect, it } from "vitest";
import type { Layer } from "../../src/browser.js";
import type { StagedLayer } from "../../src/fs/stage.js";
import { StagePool } from "../../web/src/stage-pool.js";
import type { StageJob, StageReply } from "../../web/src/stage-protocol.js";

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

/** A stage worker that keeps each job it is given until `answer(id)`. */
function standIn() {
  const channel = new MessageChannel();
  channels.push(channel);
  const jobs: StageJob[] = [];
  channel.port2.onmessage = (e: MessageEvent<StageJob | { idle: true }>) => {
    if ("id" in e.data) jobs.push(e.data);
  };
  const answer = (id: number) => {
    const reply: StageReply = { kind: "done", id, ok: true, staged: { id } as unknown as StagedLayer, phases: [] };
    channel.port2.postMessage(reply);
  };
  return { port: channel.port1, jobs, answer };
}

function layer(n: number): Layer {
  const digest = `sha256:${n.toString(16).padStart(64, "0")}`;
  return {
    descriptor: { mediaType: "application/vnd.oci.image.layer.v1.tar", digest, size: 1 },
    digest,
    diffId: digest,
  } as unknown as Layer;
}

const tick = () => new Promise((r) => setTimeout(r, 10));

describe("the stage pool", () => {
  it("drops the queued layers of a replaced view and stages the next view's", async () => {
    const w = standIn();
    const pool = new StagePool([w.port]);
    const old = new AbortController();
    const first = Array.from({ length: 4 }, (_, i) => pool.stage(layer(i), undefined, `old layer ${i}`, () => {}, old.signal));
    const settled = first.map((p) =>
      p.then(
        () => "staged",
        (e: unknown) => e,
      ),
    );
    await tick();
    expect(w.jobs.map((j) => j.what)).toEqual(["old layer 0"]);
    expect(pool.queued).toBe(3);

    old.abort(new DOMException("superseded by a later mount", "AbortError"));
    expect(pool.queued).toBe(0);
    const next = pool.stage(layer(9), undefined, "new layer", () => {});
    // The layer the worker had begun is let finish; then the worker takes the new view's layer.
    w.answer(w.jobs[0].id);
    await tick();
    expect(w.jobs.map((j) => j.what)).toEqual(["old layer 0", "new layer"]);
    w.answer(w.jobs[1].id);
    expect((await next).staged).toMatchObject({ id: w.jobs[1].id });

    const outcomes = await Promise.all(settled);
    expect(outcomes[0]).toBe("staged");
    for (const e of outcomes.slice(1)) expect(e).toMatchObject({ name: "AbortError" });
  });

  it("refuses at once a layer asked for with a signal already aborted", async () => {
    const w = standIn();
    const pool = new StagePool([w.port]);
    const gone = new AbortController();
    gone.abort(new DOMException("superseded", "AbortError"));
    await expect(pool.stage(layer(1), undefined, "late", () => {}, gone.signal)).rejects.toMatchObject({ name: "AbortError" });
    await tick();
    expect(w.jobs).toEqual([]);
  });
});
