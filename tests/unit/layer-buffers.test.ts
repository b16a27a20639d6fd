// A stage worker's kept layer buffers (web/src/layer-buffers.ts): the next layer's blob and tar
// reuse the last one's memory when it is big enough, each buffer goes to one taker only, and
// kept buffers are let go once the pool says no layer is coming.

import { afterEach, describe, expect, it } from "vitest";
import { dropBuffers, keepBuffers, keptBuffers, takeBuffer } from "../../web/src/layer-buffers.js";

afterEach(() => {
  dropBuffers();
});

describe("layer buffers", () => {
  it("hands the next layer the smallest kept buffer that fits, each to one taker", () => {
    const blob = takeBuffer(100);
    const tar = takeBuffer(300);
    keepBuffers(blob, tar.subarray(0, 250));
    expect(keptBuffers()).toBe(2);
    const nextBlob = takeBuffer(90);
    expect(nextBlob.buffer).toBe(blob.buffer);
    expect(nextBlob.length).toBe(90);
    const nextTar = takeBuffer(120);
    expect(nextTar.buffer).toBe(tar.buffer);
    const fresh = takeBuffer(10);
    expect(fresh.buffer).not.toBe(blob.buffer);
    expect(fresh.buffer).not.toBe(tar.buffer);
    expect(keptBuffers()).toBe(0);
  });

  it("keeps two at most, and lets them go when no layer is coming", () => {
    keepBuffers(takeBuffer(64), takeBuffer(64), takeBuffer(64));
    expect(keptBuffers()).toBe(2);
    dropBuffers();
    expect(keptBuffers()).toBe(0);
    expect(takeBuffer(8).length).toBe(8);
  });

  it("gives a buffer too small for the layer nobody", () => {
    const small = takeBuffer(16);
    keepBuffers(small);
    expect(takeBuffer(32).buffer).not.toBe(small.buffer);
    expect(keptBuffers()).toBe(1);
  });
});
