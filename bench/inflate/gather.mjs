// The inspector's way of inflating a layer (web/src/gunzip-into.ts), shared by the Node and
// Chromium rows of the inflate suite: the whole output gathered into one buffer, from views of
// the core's memory (pushViews: one copy, no piece allocated) or, to compare, from pieces (push:
// each piece a copy of its own). Self-contained, so the Chromium worker takes its source text.

export function gatherInto(GzipInflater, core, input, chunkBytes, expectedSize, views, sink) {
  const dec = new GzipInflater(core);
  const out = new Uint8Array(expectedSize);
  let n = 0;
  try {
    for (let i = 0; i < input.length; i += chunkBytes) {
      const chunk = input.subarray(i, i + chunkBytes);
      for (const v of views ? dec.pushViews(chunk) : dec.push(chunk)) {
        out.set(v, n);
        n += v.length;
      }
    }
    dec.end();
  } finally {
    dec.free();
  }
  sink(out.subarray(0, n));
}
