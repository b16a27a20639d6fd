// The core is always there: each runtime entry registers how its .wasm arrives and the
// library loads the default core itself on first use. Each test imports the library afresh
// (vi.resetModules), so no earlier init() or load leaks into what it checks.

import { readFileSync } from "node:fs";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type * as Entry from "../../src/node.js";

type Lib = typeof Entry;
const releaseBytes = readFileSync("build/release.wasm");
const sha256 = (c: string) => "sha256:" + c.repeat(64);

async function fresh(): Promise<Lib> {
  return await import("../../src/node.js");
}

/** The runtime-neutral API with only an async loader registered, as in a browser page. */
async function browserLike(): Promise<Lib> {
  const lib = (await import("../../src/index.js")) as unknown as Lib;
  lib.createInit(async () => WebAssembly.compile(releaseBytes));
  return lib;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

beforeEach(() => {
  vi.resetModules();
});

describe("the default core in Node (sync compile allowed)", () => {
  it("new MetadataCache() works without init(), on the release core", async () => {
    const lib = await fresh();
    const cache = new lib.MetadataCache<string>({ max: 2 });
    cache.set(sha256("1"), "one");
    expect(cache.get(sha256("1"))).toBe("one");
    expect(lib.getDefaultCore().debug).toBe(false);
    cache.free();
  });

  it("LayerPool, LayerGraph and parseDigest work without init() too", async () => {
    const lib = await fresh();
    const pool = new lib.LayerPool({ initial: 0 });
    pool.release(pool.acquire());
    pool.free();
    const graph = new lib.LayerGraph().addEdge(sha256("a"), sha256("b"));
    expect(graph.findCycle()).toBeUndefined();
    expect(lib.formatDigest(lib.parseDigest(sha256("c")))).toBe(sha256("c"));
  });

  it("init() afterwards returns the core first use loaded (one core per build)", async () => {
    const lib = await fresh();
    const first = lib.getDefaultCore();
    expect(await lib.init()).toBe(first);
    expect(await lib.loadDefaultCore()).toBe(first);
  });

  it("init({ module }) makes that module's core the default", async () => {
    const lib = await fresh();
    const module = new WebAssembly.Module(releaseBytes);
    const core = await lib.init({ module });
    expect(core.module).toBe(module);
    expect(lib.getDefaultCore()).toBe(core);
    expect(await lib.init({ module })).toBe(core); // the same Module again: the same Core
    const cache = new lib.MetadataCache<number>({ max: 2 });
    cache.set(sha256("1"), 1);
    expect(cache.peek(sha256("1"))).toBe(1);
    expect(await lib.init()).toBe(core);
  });

  it("init({ module, debug: true }) leaves the default (release) core alone", async () => {
    const lib = await fresh();
    const debug = await lib.init({ module: new WebAssembly.Module(readFileSync("build/debug.wasm")), debug: true });
    expect(debug.debug).toBe(true);
    expect(lib.getDefaultCore().debug).toBe(false);
  });
});

describe("the default core where only async loading exists (browser main thread)", () => {
  it("sync construction before any load throws CORE_NOT_INITIALIZED, and works after one", async () => {
    const lib = await browserLike();
    expect(codeOf(() => new lib.MetadataCache({ max: 2 }))).toBe("CORE_NOT_INITIALIZED");
    expect(codeOf(() => new lib.LayerPool())).toBe("CORE_NOT_INITIALIZED");
    const core = await lib.loadDefaultCore();
    expect(lib.getDefaultCore()).toBe(core);
    const cache = new lib.MetadataCache<number>({ max: 2 });
    cache.set(sha256("1"), 1);
    expect(cache.get(sha256("1"))).toBe(1);
  });

  it("an async library path loads the core itself and LayerGraph reports the cycle", async () => {
    const lib = await browserLike();
    const desc = (digest: string) => ({ mediaType: "application/vnd.oci.image.manifest.v1+json", digest, size: 2 });
    const [a, b] = [sha256("a"), sha256("b")];
    const source = {
      name: "memory",
      root: async () => desc(a),
      openBlob: async () => {
        throw new Error("not read");
      },
      // a -> b -> a: fallback referrer tags are mutable, so this can happen.
      referrers: async (of: { digest: string }) => [desc(of.digest === a ? b : a)],
    };
    const err = await lib.resolveReferrers(source, desc(a)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(lib.CycleError);
    expect((err as InstanceType<Lib["CycleError"]>).cycle).toEqual([a, b]);
    expect(lib.getDefaultCore()).toBeDefined();
  });

  it("without any runtime entry, the accessors say so with CORE_NOT_INITIALIZED", async () => {
    const lib = (await import("../../src/index.js")) as unknown as Lib;
    expect(codeOf(() => lib.getDefaultCore())).toBe("CORE_NOT_INITIALIZED");
    await expect(lib.loadDefaultCore()).rejects.toMatchObject({ code: "CORE_NOT_INITIALIZED" });
  });
});
