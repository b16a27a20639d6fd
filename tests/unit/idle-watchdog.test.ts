// The body watchdog of timedFetch (src/sources/registry/deadline.ts) on real timers: a body
// that goes quiet past idleMs ends in TimeoutError (idle) and aborts the request; a body whose
// chunks keep coming, however long it lasts in all, is no timeout; a consumer that stops
// reading for longer than idleMs is no timeout either (the watchdog measures the server).

import { describe, expect, test } from "vitest";
import "../../src/node.js";
import { TimeoutError } from "../../src/errors.js";
import { resolveTimeouts, timedFetch } from "../../src/sources/registry/deadline.js";

const IDLE_MS = 300;
const timeouts = resolveTimeouts({ connectMs: 1000, firstByteMs: 1000, idleMs: IDLE_MS });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fetch answering with a body that sends `count` chunks `everyMs` apart, then closes (or goes quiet). */
function trickle(count: number, everyMs: number, thenQuiet = false): { fetch: typeof fetch; aborted: () => boolean } {
  let signal: AbortSignal | undefined;
  const fetchFn = ((_url: URL, init: RequestInit) => {
    signal = init.signal ?? undefined;
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (sent > 0) await sleep(everyMs);
        if (sent < count) c.enqueue(new Uint8Array(1000).fill(sent++));
        else if (!thenQuiet) c.close();
        else await new Promise(() => {}); // headers and some bytes, then nothing
      },
    });
    return Promise.resolve(new Response(body));
  }) as typeof fetch;
  return { fetch: fetchFn, aborted: () => signal?.aborted ?? false };
}

async function readAll(body: ReadableStream<Uint8Array>, pauseMs = 0): Promise<number> {
  const reader = body.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
    n += value.length;
    if (pauseMs) await sleep(pauseMs);
  }
}

describe("timedFetch's idle watchdog", () => {
  test("a body that goes quiet: TimeoutError (idle) naming the URL, and the request is aborted", async () => {
    const up = trickle(3, 10, true);
    const res = await timedFetch(up.fetch, new URL("http://registry.test/v2/x/blobs/sha256:ab?token=secret"), {}, timeouts, "reading x");
    const t0 = performance.now();
    const err = await readAll(res.body!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ phase: "idle", ms: IDLE_MS });
    expect((err as TimeoutError).url).not.toContain("secret");
    expect(up.aborted()).toBe(true);
    // Fired once the quiet spell reached the budget, not at the first chunk and not much later.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(IDLE_MS - 5);
    expect(performance.now() - t0).toBeLessThan(IDLE_MS * 10);
  });

  test("chunks that keep coming are no timeout, though the whole body takes several idle budgets", async () => {
    const up = trickle(40, 30);
    const res = await timedFetch(up.fetch, new URL("http://registry.test/b"), {}, timeouts, "reading b");
    const t0 = performance.now();
    expect(await readAll(res.body!)).toBe(40_000);
    expect(performance.now() - t0).toBeGreaterThan(IDLE_MS * 3);
    expect(up.aborted()).toBe(false);
  });

  test("a consumer that pauses longer than idleMs between reads is no timeout", async () => {
    const up = trickle(3, 1);
    const res = await timedFetch(up.fetch, new URL("http://registry.test/c"), {}, timeouts, "reading c");
    expect(await readAll(res.body!, IDLE_MS * 2)).toBe(3000);
    expect(up.aborted()).toBe(false);
  });
});
