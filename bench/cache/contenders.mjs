// The contenders of the cache suite. Each worker process imports exactly ONE of them (the
// imports are lazy), so the get/set call sites in the shared loops stay monomorphic to that
// library's class, as they would be in an application.
//
// A contender: { label, js, exact, keys: "string" | "handle", batch, make(cap) -> cache,
//                free?(cache) }
//   js     a plain JavaScript LRU: the ratios are taken against the fastest of these
//   exact  a strict LRU, whose hit rate must equal every other strict LRU's on the trace
//          (quick-lru keeps two generations of up to max entries each, so it may hit more)

const js = (label, load, exact = true) => ({ label, js: true, exact, keys: "string", batch: false, load });

export const CONTENDERS = {
  "lru-cache": js("lru-cache", async () => {
    const { LRUCache } = await import("lru-cache");
    return (cap) => new LRUCache({ max: cap });
  }),
  "mnemonist-lrumap": js("mnemonist LRUMap", async () => {
    const { LRUMap } = await import("mnemonist");
    return (cap) => new LRUMap(cap);
  }),
  "mnemonist-lrucache": js("mnemonist LRUCache", async () => {
    const { LRUCache } = await import("mnemonist");
    return (cap) => new LRUCache(cap);
  }),
  "quick-lru": js(
    "quick-lru",
    async () => {
      const { default: QuickLRU } = await import("quick-lru");
      return (cap) => new QuickLRU({ maxSize: cap });
    },
    false,
  ),
  "tiny-lru": js("tiny-lru", async () => {
    const { LRU } = await import("tiny-lru");
    return (cap) => new LRU(cap);
  }),
  "layerlens-string": ours("MetadataCache, string keys", "string", false),
  "layerlens-handle": ours("MetadataCache, digest handles", "handle", false),
  "layerlens-batch-string": ours("MetadataCache, batch, string keys", "string", true),
  "layerlens-batch-handle": ours("MetadataCache, batch, digest handles", "handle", true),
  // getOrSet(key, make): the same get-then-set-on-miss in one call (one crossing into the core)
  "layerlens-getorset-string": ours("MetadataCache, getOrSet, string keys", "string", false, true),
  "layerlens-getorset-handle": ours("MetadataCache, getOrSet, digest handles", "handle", false, true),
  "layerlens-getorset-batch-string": ours("MetadataCache, getOrSetMany, string keys", "string", true, true),
};

function ours(label, keys, batch, getOrSet = false) {
  return {
    label,
    js: false,
    exact: true,
    keys,
    batch,
    getOrSet,
    ours: true,
    load: async (distEntry) => {
      const ll = await import(distEntry);
      await ll.init();
      return { make: (cap) => new ll.MetadataCache({ max: cap }), layerlens: ll };
    },
  };
}

export const JS_LIBS = Object.keys(CONTENDERS).filter((k) => CONTENDERS[k].js);
export const OURS = Object.keys(CONTENDERS).filter((k) => !CONTENDERS[k].js);
