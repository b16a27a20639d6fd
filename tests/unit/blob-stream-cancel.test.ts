// A consumer that cancels a blob stream while the stream is waiting on the next read (it
// always is: a ReadableStream pulls ahead of its consumer) must end it there. The read that
// the cancel cut short is not a dropped connection, so no Range request follows it.

import { describe, expect, test } from "vitest";
import { retryPolicy } from "../../src/sources/registry/retry.js";
import { resumableBlobStream } from "../../src/sources/registry/blob-stream.js";
import type { RegistryResponse } from "../../src/sources/registry/deadline.js";

const SIZE = 1000;

/** A 200 answer that sends `first` bytes, then waits (a slow server) until cancelled. */
function slowAnswer(first: number): RegistryResponse {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new Uint8Array(first));
    },
  });
  return new Response(body, { status: 200, headers: { "Content-Length": String(SIZE) } });
}

describe("a cancelled blob stream", () => {
  test("asks for nothing more once its consumer cancels it mid-body", async () => {
    const opened: number[] = [];
    const slept: number[] = [];
    const stream = resumableBlobStream({
      what: "blob sha256:00 in test",
      url: "http://127.0.0.1/v2/test/blobs/sha256:00",
      start: 0,
      size: SIZE,
      retry: retryPolicy({ sleep: async (ms) => void slept.push(ms) }),
      open: async (from) => {
        opened.push(from);
        return slowAnswer(100);
      },
    });
    const reader = stream.getReader();
    const first = await reader.read();
    expect(first.value?.length).toBe(100);
    // Let the stream pull ahead: it is now waiting on the body's next read.
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 1));
    await reader.cancel("done with it");
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 1));
    expect(opened).toEqual([0]);
    expect(slept).toEqual([]);
  });

  test("a body that really breaks off is still asked for again from the next byte", async () => {
    const opened: number[] = [];
    const stream = resumableBlobStream({
      what: "blob sha256:00 in test",
      url: "http://127.0.0.1/v2/test/blobs/sha256:00",
      start: 0,
      size: SIZE,
      retry: retryPolicy({ sleep: async () => {} }),
      open: async (from) => {
        opened.push(from);
        const n = from === 0 ? 400 : SIZE - from;
        const body = new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(new Uint8Array(n));
            c.close();
          },
        });
        const headers: Record<string, string> =
          from === 0 ? { "Content-Length": String(SIZE) } : { "Content-Range": `bytes ${from}-${SIZE - 1}/${SIZE}` };
        return new Response(body, { status: from === 0 ? 200 : 206, headers });
      },
    });
    const got = new Uint8Array(await new Response(stream).arrayBuffer());
    expect(got.length).toBe(SIZE);
    expect(opened).toEqual([0, 400]);
  });
});
