// A node:http answer's body as a web ReadableStream, for the service's Node fetch. Node's
// Readable.toWeb copies every chunk (to detach it from Buffer's pool) and hands them on one by
// one; the http client already gives each body chunk its own memory, so it is enqueued as it is.
// While the consumer is busy, chunks wait here and the next read takes all of them as one
// (one copy, and one trip through every stream stage after this one instead of many): a
// consumer slower than the socket reads few large chunks, a faster one gets each chunk as it
// comes. Past `highWaterMark` waiting bytes the socket is paused, so memory stays bounded.
// A connection that breaks before the body is complete errors the stream with the socket's
// error (ECONNRESET), or a TypeError as fetch's ("terminated") when it closed without one, so
// the registry client sees a dropped connection and resumes.

import type { IncomingMessage } from "node:http";

/** Waiting bytes past which the socket is paused. */
const HIGH_WATER_MARK = 1 << 20;

export function nodeBodyStream(res: IncomingMessage, highWaterMark = HIGH_WATER_MARK): ReadableStream<Uint8Array> {
  let waiting: Buffer[] = [];
  let waitingBytes = 0;
  let ended = false;
  let failure: Error | undefined;
  // The pending read, when the consumer asked before anything arrived.
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  res.on("data", (chunk: Buffer) => {
    waiting.push(chunk);
    waitingBytes += chunk.length;
    if (waitingBytes >= highWaterMark) res.pause();
    poke();
  });
  res.once("end", () => {
    ended = true;
    poke();
  });
  res.once("error", (err: Error) => {
    failure ??= err;
    poke();
  });
  res.once("close", () => {
    if (!res.complete) failure ??= new TypeError("terminated: the connection closed before the body ended");
    poke();
  });

  function take(): Uint8Array {
    const out = waiting.length === 1 ? waiting[0] : Buffer.concat(waiting, waitingBytes);
    waiting = [];
    waitingBytes = 0;
    res.resume();
    return out;
  }

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          // Bytes that arrived before a failure are still delivered; the failure comes after them.
          if (waitingBytes > 0) return controller.enqueue(take());
          if (failure !== undefined) throw failure;
          if (ended) return controller.close();
          res.resume();
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
      cancel() {
        waiting = [];
        res.destroy();
      },
    },
    // Nothing is queued inside the web stream: what waits, waits in `waiting`, to be joined.
    { highWaterMark: 0 },
  );
}
