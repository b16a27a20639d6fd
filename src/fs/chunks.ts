// The chunks of a layer or blob source in one shape, whichever it hands out: a web stream
// (whose async iterator Chromium lacks) or an async iterable.

/** Iterate a web stream or any async iterable of chunks (Chromium streams lack the iterator). */
export async function* chunksOf(src: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (Symbol.asyncIterator in src) {
    yield* src;
    return;
  }
  const reader = src.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Let go of a source that will not be read: a web stream is cancelled, an iterator returned. */
export async function discard(src: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
  if ("cancel" in src && typeof src.cancel === "function") await src.cancel();
  else await (src as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]().return?.();
}
