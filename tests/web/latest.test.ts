// The inspector's "newest pick wins" rule (web/src/latest.ts) on its own: work for an older
// ticket that finishes after a newer one is released, not returned, and its failure is not
// reported; the newest ticket's value and failure come through.

import { describe, expect, it } from "vitest";
import { keepIfCurrent, Latest } from "../../web/src/latest.js";

/** A promise settled from outside, so the test decides which work finishes first. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("Latest / keepIfCurrent", () => {
  it("a slower earlier pick does not overwrite a newer one, and is released", async () => {
    const picks = new Latest();
    const released: string[] = [];
    const slow = deferred<string>();
    const fast = deferred<string>();
    const first = picks.begin();
    const a = keepIfCurrent(first, slow.promise, (v) => {
      released.push(v);
    });
    const second = picks.begin();
    const b = keepIfCurrent(second, fast.promise, (v) => {
      released.push(v);
    });
    fast.resolve("small.tar");
    expect(await b).toBe("small.tar");
    slow.resolve("big.tar");
    expect(await a).toBeUndefined();
    expect(released).toEqual(["big.tar"]);
    expect([first.current, second.current]).toEqual([false, true]);
  });

  it("a stale pick's failure is dropped; the current one's is thrown", async () => {
    const picks = new Latest();
    const old = picks.begin();
    const oldWork = deferred<number>();
    const staleResult = keepIfCurrent(old, oldWork.promise);
    const now = picks.begin();
    oldWork.reject(new Error("truncated archive"));
    expect(await staleResult).toBeUndefined();
    await expect(keepIfCurrent(now, Promise.reject(new Error("bad digest")))).rejects.toThrow("bad digest");
  });

  it("work that finishes while its ticket is current is kept", async () => {
    const picks = new Latest();
    const t = picks.begin();
    let released = false;
    expect(
      await keepIfCurrent(t, Promise.resolve(42), () => {
        released = true;
      }),
    ).toBe(42);
    expect(released).toBe(false);
  });
});
