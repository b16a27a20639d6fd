// Known answers for the persistent blob stores of runtimes without a file system of their own:
// the origin private file system (OpfsBlobStore) and the Cache API (CacheApiBlobStore), each
// run wherever the runtime has it, against the real platform storage. Which store a runtime
// gets is a known answer too: OPFS in Chromium, the Cache API in Deno and workerd, none in
// Node and Bun (Node keeps its store in a directory). Every case uses a store of its own name
// and removes it afterwards.

import { equal, ok, rejects } from "./assert.js";
import type { ImageSource } from "../../../src/index.js";
import type { CaseContext, KnownAnswerCase, Lib } from "./types.js";

type Store = InstanceType<Lib["OpfsBlobStore"]> | InstanceType<Lib["CacheApiBlobStore"]>;

interface StoreUnderTest {
  store: Store;
  /** Overwrite the stored bytes of `digest` with `bytes`, as damage on disk would. */
  damage: (digest: string, bytes: Uint8Array) => Promise<void>;
  /** Remove everything the store wrote. */
  dispose: () => Promise<void>;
}

/** Which store platformBlobStore() gives each runtime. */
const EXPECTED_STORE: Record<string, "OpfsBlobStore" | "CacheApiBlobStore" | undefined> = {
  chromium: "OpfsBlobStore",
  deno: "CacheApiBlobStore",
  workerd: "CacheApiBlobStore",
  node: undefined,
  bun: undefined,
};

/** Deterministic bytes that differ per seed. */
function noise(bytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = (seed * 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function readAll(stream: ReadableStream<Uint8Array> | undefined): Promise<Uint8Array | undefined> {
  if (!stream) return undefined;
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function unique(ctx: CaseContext, what: string): string {
  return `layerlens-test-${what}-${ctx.build}-${Math.random().toString(36).slice(2, 10)}`;
}

async function opfsUnderTest(lib: Lib, ctx: CaseContext, maxBytes?: number): Promise<StoreUnderTest | undefined> {
  if (!lib.OpfsBlobStore.available()) return undefined;
  const directory = unique(ctx, "opfs");
  const root = await (navigator.storage as { getDirectory(): Promise<FileSystemDirectoryHandle> }).getDirectory();
  return {
    store: new lib.OpfsBlobStore({ directory, maxBytes }),
    async damage(digest, bytes) {
      const [alg, hex] = digest.split(":");
      const dir = await (await (await root.getDirectoryHandle(directory)).getDirectoryHandle("blobs")).getDirectoryHandle(alg);
      const writable = await (await dir.getFileHandle(hex)).createWritable();
      await writable.write(bytes as Uint8Array<ArrayBuffer>);
      await writable.close();
    },
    dispose: () => root.removeEntry(directory, { recursive: true }).catch(() => {}),
  };
}

async function cacheApiUnderTest(lib: Lib, ctx: CaseContext, maxBytes?: number): Promise<StoreUnderTest | undefined> {
  if (!lib.CacheApiBlobStore.available()) return undefined;
  const cacheName = unique(ctx, "cache");
  const store = new lib.CacheApiBlobStore({ cacheName, maxBytes });
  // workerd has the API but disables it unless a cache service is configured: such a runtime
  // has no store to test, and a put tells.
  try {
    const probe = await caches.open(cacheName);
    await probe.put("https://layerlens-l2.invalid/probe", new Response("x"));
    if (!(await probe.match("https://layerlens-l2.invalid/probe"))) return undefined;
    await probe.delete("https://layerlens-l2.invalid/probe");
  } catch {
    return undefined;
  }
  return {
    store,
    async damage(digest, bytes) {
      const cache = await caches.open(cacheName);
      const headers = { "X-Layerlens-Size": String(bytes.length) };
      await cache.put(store.urlOf(digest), new Response(bytes as Uint8Array<ArrayBuffer>, { headers }));
    },
    dispose: () =>
      caches.delete(cacheName).then(
        () => {},
        () => {},
      ),
  };
}

const KINDS: [name: string, make: typeof opfsUnderTest][] = [
  ["OPFS", opfsUnderTest],
  ["Cache API", cacheApiUnderTest],
];

/** The stores each runtime must be able to exercise for real. */
const EXPECTED_KINDS: Record<string, string[]> = {
  chromium: ["OPFS", "Cache API"],
  deno: ["Cache API"],
  workerd: [],
  node: [],
  bun: [],
};

/** Run `check` with every store this runtime has, which must be the ones it is known to have. */
async function withEachStore(
  lib: Lib,
  ctx: CaseContext,
  maxBytes: number | undefined,
  check: (t: StoreUnderTest, kind: string) => Promise<void>,
): Promise<void> {
  const ran: string[] = [];
  for (const [kind, make] of KINDS) {
    const t = await make(lib, ctx, maxBytes);
    if (!t) continue;
    ran.push(kind);
    try {
      await check(t, kind);
    } finally {
      await t.dispose();
    }
  }
  equal(ran, EXPECTED_KINDS[ctx.runtime] ?? [], `the stores ${ctx.runtime} has`);
}

async function put(store: Store, digest: string, bytes: Uint8Array, pieces = 3): Promise<void> {
  const writer = await store.begin({ digest, size: bytes.length });
  ok(writer, `a writer for ${digest}`);
  const step = Math.ceil(bytes.length / pieces);
  for (let at = 0; at < bytes.length; at += step) await writer!.write(bytes.subarray(at, Math.min(bytes.length, at + step)));
  await writer!.commit();
}

export const l2Cases: KnownAnswerCase[] = [
  {
    name: "l2: the runtime's persistent blob store",
    run(lib, ctx) {
      const store = lib.platformBlobStore();
      const expected = EXPECTED_STORE[ctx.runtime];
      // instanceof, not constructor names: bundlers rename classes.
      const got =
        store instanceof lib.OpfsBlobStore ? "OpfsBlobStore" : store instanceof lib.CacheApiBlobStore ? "CacheApiBlobStore" : store;
      equal(got, expected, `the store ${ctx.runtime} gets`);
    },
  },
  {
    name: "l2: store, read whole and by range, refuse a second write",
    async run(lib, ctx) {
      await withEachStore(lib, ctx, undefined, async ({ store }, kind) => {
        const bytes = noise(200_003, 1);
        const digest = lib.digestOf("sha256", bytes);
        const blob = { digest, size: bytes.length };
        equal(await store.open(blob), undefined, `${kind}: nothing stored yet`);
        await put(store, digest, bytes);
        const before = { ...lib.l2Counters() };
        ok(sameBytes(await readAll(await store.open(blob)), bytes), `${kind}: the stored bytes`);
        ok(
          sameBytes(await readAll(await store.open(blob, { start: 70_000, end: 140_001 })), bytes.subarray(70_000, 140_001)),
          `${kind}: a range`,
        );
        equal(lib.l2Counters().hits - before.hits, 2, `${kind}: two hits counted`);
        equal(await store.sizeOf(digest), bytes.length, `${kind}: sizeOf`);
        equal(await store.begin(blob), undefined, `${kind}: a stored blob is not written again`);
      });
    },
  },
  {
    name: "l2: an aborted or short write stores nothing",
    async run(lib, ctx) {
      await withEachStore(lib, ctx, undefined, async ({ store }, kind) => {
        const bytes = noise(50_000, 2);
        const blob = { digest: lib.digestOf("sha256", bytes), size: bytes.length };
        const aborted = await store.begin(blob);
        await aborted!.write(bytes.subarray(0, 20_000));
        await aborted!.abort();
        equal(await store.open(blob), undefined, `${kind}: aborted`);
        const short = await store.begin(blob);
        await short!.write(bytes.subarray(0, 49_999));
        await rejects(() => short!.commit(), { type: RangeError, message: "49999 bytes written" }, `${kind}: a short commit`);
        equal(await store.open(blob), undefined, `${kind}: short`);
        equal((await store.list()).size, 0, `${kind}: nothing listed`);
      });
    },
  },
  {
    name: "l2: a damaged entry is dropped and counted, not handed out",
    async run(lib, ctx) {
      await withEachStore(lib, ctx, undefined, async ({ store, damage }, kind) => {
        const bytes = noise(30_000, 3);
        const blob = { digest: lib.digestOf("sha256", bytes), size: bytes.length };
        await put(store, blob.digest, bytes);
        const wrong = bytes.slice();
        wrong[12_345] ^= 0x01;
        await damage(blob.digest, wrong);
        const corrupt = lib.l2Counters().corrupt;
        equal(await store.open(blob), undefined, `${kind}: the damaged entry is not handed out`);
        equal(lib.l2Counters().corrupt - corrupt, 1, `${kind}: counted as corrupt`);
        equal(await store.sizeOf(blob.digest), undefined, `${kind}: and removed`);
        await put(store, blob.digest, bytes);
        ok(sameBytes(await readAll(await store.open(blob)), bytes), `${kind}: stored again from the source`);
      });
    },
  },
  {
    name: "l2: the budget evicts the least recently used",
    async run(lib, ctx) {
      await withEachStore(lib, ctx, 3_000, async ({ store }, kind) => {
        const blobs = [10, 11, 12, 13].map((seed) => {
          const bytes = noise(1_000, seed);
          return { bytes, blob: { digest: lib.digestOf("sha256", bytes), size: 1_000 } };
        });
        const [a, b, c, d] = blobs;
        for (const x of [a, b, c]) await put(store, x.blob.digest, x.bytes);
        ok(await readAll(await store.open(a.blob)), `${kind}: a is used again`);
        const evictions = lib.l2Counters().evictions;
        await put(store, d.blob.digest, d.bytes);
        const keys = [...(await store.list()).keys()].sort();
        equal(keys, [a, c, d].map((x) => x.blob.digest).sort(), `${kind}: b, the least recently used, went`);
        equal(lib.l2Counters().evictions - evictions, 1, `${kind}: one eviction counted`);
        equal(
          await store.begin({ digest: lib.digestOf("sha256", noise(3_001, 14)), size: 3_001 }),
          undefined,
          `${kind}: a blob over the budget is not stored`,
        );
      });
    },
  },
  {
    name: "l2: a second look at an image reads no blob from its source",
    async run(lib, ctx) {
      await withEachStore(lib, ctx, undefined, async ({ store }, kind) => {
        const { files } = lib.buildSampleImage();
        const list = [...files].map(([path, bytes]) => ({ path: `sample/${path}`, file: new Blob([bytes as BlobPart]) }));
        const inner = await lib.openFileList(list, "latest");
        let blobReads = 0;
        const counting: ImageSource = {
          name: inner.name,
          root: () => inner.root(),
          openBlob: (desc, range) => {
            blobReads++;
            return inner.openBlob(desc, range);
          },
        };
        const look = async () => {
          const source = new lib.CachedSource(counting, store);
          const image = await lib.resolveImage(source);
          for (const d of image.layers) await readAll(await lib.openVerified(source, d, `layer ${d.digest}`));
          return image.layers.length;
        };
        const layers = await look();
        const first = blobReads;
        ok(first >= layers, `${kind}: the first look read the blobs (${first})`);
        await look();
        equal(blobReads - first, 0, `${kind}: the second look read none`);
      });
    },
  },
];
