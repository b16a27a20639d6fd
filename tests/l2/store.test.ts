// The directory blob store on its own: the byte budget evicts in LRU order (checked against a
// Map model over random sequences of puts and gets), same-blob writers in several processes
// leave one whole blob, a write interrupted by the process dying leaves nothing visible, and a
// reader never sees a blob before its commit.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";
import { UsageError } from "../../src/errors.js";
import { cacheMaxBytes, DEFAULT_CACHE_MAX_BYTES, DirectoryBlobStore } from "../../src/node/blob-store.js";
import { l2Counters } from "../../src/sources/cached-source.js";
import { REPO_ROOT } from "../registry/harness/tools.js";

const tmp = mkdtempSync(path.join(tmpdir(), "layerlens-l2-store-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => path.join(tmp, `s${dirs++}`);

const blobOf = (bytes: Uint8Array) => ({ bytes, digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`, size: bytes.length });
const filled = (n: number, seed: number) => blobOf(Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function put(store: DirectoryBlobStore, blob: ReturnType<typeof blobOf>): Promise<boolean> {
  const w = await store.begin(blob);
  if (!w) return false;
  for (let at = 0; at < blob.size; at += 4096) await w.write(blob.bytes.subarray(at, at + 4096));
  await w.commit();
  return true;
}

async function read(store: DirectoryBlobStore, blob: { digest: string; size: number }): Promise<Uint8Array | undefined> {
  const s = await store.open(blob);
  return s ? new Uint8Array(await new Response(s).arrayBuffer()) : undefined;
}

describe("the byte budget", () => {
  test("evicts the least recently used blobs first (a Map model over random puts and gets)", async () => {
    const blobs = [0, 1, 2, 3, 4, 5].map((i) => filled(1000 + i * 300, i));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom("put", "get"), fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 14 }),
        async (ops) => {
          const max = 4000;
          const store = new DirectoryBlobStore(freshDir(), { maxBytes: max });
          // The model: insertion order of a Map is its use order, oldest first.
          const model = new Map<string, number>();
          const evictionsBefore = l2Counters().evictions;
          let evicted = 0;
          for (const [op, i] of ops) {
            const b = blobs[i];
            await sleep(3); // distinct use times: mtimes are the store's clock
            if (op === "get") {
              const got = await read(store, b);
              expect(got === undefined).toBe(!model.has(b.digest));
              if (got) {
                expect(Buffer.from(got).equals(Buffer.from(b.bytes))).toBe(true);
                model.delete(b.digest);
                model.set(b.digest, b.size);
              }
            } else {
              expect(await put(store, b)).toBe(!model.has(b.digest));
              if (!model.has(b.digest)) {
                model.set(b.digest, b.size);
                let total = [...model.values()].reduce((n, s) => n + s, 0);
                for (const [d, s] of model) {
                  if (total <= max) break;
                  if (d === b.digest) continue;
                  model.delete(d);
                  total -= s;
                  evicted++;
                }
              }
            }
            const held = (await store.entries()).map((e) => e.digest).sort();
            expect(held).toEqual([...model.keys()].sort());
          }
          expect(l2Counters().evictions - evictionsBefore).toBe(evicted);
        },
      ),
      { numRuns: 12 },
    );
  });

  test("LAYERLENS_CACHE_MAX_BYTES: a whole number of bytes, else the default; anything else is a usage error", () => {
    expect(cacheMaxBytes({})).toBe(DEFAULT_CACHE_MAX_BYTES);
    expect(cacheMaxBytes({ LAYERLENS_CACHE_MAX_BYTES: "" })).toBe(DEFAULT_CACHE_MAX_BYTES);
    expect(cacheMaxBytes({ LAYERLENS_CACHE_MAX_BYTES: "123456" })).toBe(123456);
    for (const bad of ["10G", "-1", "1.5", "lots"]) {
      expect(() => cacheMaxBytes({ LAYERLENS_CACHE_MAX_BYTES: bad })).toThrow(UsageError);
    }
  });

  test("a blob larger than the whole budget is not stored", async () => {
    const store = new DirectoryBlobStore(freshDir(), { maxBytes: 500 });
    expect(await put(store, filled(501, 1))).toBe(false);
    expect(await store.entries()).toEqual([]);
  });
});

describe("writes", () => {
  test("a reader sees nothing before commit, then the whole blob", async () => {
    const store = new DirectoryBlobStore(freshDir());
    const b = filled(200_000, 7);
    const w = (await store.begin(b))!;
    await w.write(b.bytes.subarray(0, 100_000));
    expect(await read(store, b)).toBeUndefined();
    expect(existsSync(store.pathOf(b.digest))).toBe(false);
    await w.write(b.bytes.subarray(100_000));
    expect(await read(store, b)).toBeUndefined();
    await w.commit();
    expect(Buffer.from((await read(store, b))!).equals(Buffer.from(b.bytes))).toBe(true);
  });

  test("an aborted write leaves no file behind", async () => {
    const dir = freshDir();
    const store = new DirectoryBlobStore(dir);
    const b = filled(50_000, 3);
    const w = (await store.begin(b))!;
    await w.write(b.bytes.subarray(0, 10_000));
    await w.abort();
    expect(readdirSync(path.join(dir, "blobs", "sha256"))).toEqual([]);
  });

  test("a commit of fewer bytes than the blob's size is refused", async () => {
    const store = new DirectoryBlobStore(freshDir());
    const b = filled(10_000, 4);
    const w = (await store.begin(b))!;
    await w.write(b.bytes.subarray(0, 9_999));
    await expect(w.commit()).rejects.toThrow(/9999 bytes written, 10000 expected/);
    await w.abort();
    expect(existsSync(store.pathOf(b.digest))).toBe(false);
  });

  const child = (dir: string, script: string) =>
    new Promise<number | null>((resolve, reject) => {
      const url = pathToFileURL(path.join(REPO_ROOT, "dist/node/blob-store.js")).href;
      const p = spawn(
        process.execPath,
        ["--input-type=module", "-e", `import { DirectoryBlobStore } from ${JSON.stringify(url)};\n${script}`],
        {
          env: { ...process.env, STORE: dir },
          stdio: ["ignore", "inherit", "inherit"],
        },
      );
      p.on("error", reject);
      p.on("exit", (code) => resolve(code));
    });

  const WRITE = (size: number, seed: number, dieAfter?: number) => `
    import { createHash } from "node:crypto";
    const bytes = Uint8Array.from({ length: ${size} }, (_, i) => (i * 31 + ${seed}) & 0xff);
    const blob = { digest: "sha256:" + createHash("sha256").update(bytes).digest("hex"), size: bytes.length };
    const store = new DirectoryBlobStore(process.env.STORE);
    const w = await store.begin(blob);
    if (w) {
      for (let at = 0; at < bytes.length; at += 65536) {
        await w.write(bytes.subarray(at, at + 65536));
        ${dieAfter === undefined ? "" : `if (at >= ${dieAfter}) process.exit(9);`}
      }
      await w.commit();
    }`;

  test("four processes storing the same blob at once leave one whole, verified blob and no temp files", async () => {
    const dir = freshDir();
    const size = 8 << 20;
    const codes = await Promise.all([0, 1, 2, 3].map(() => child(dir, WRITE(size, 11))));
    expect(codes).toEqual([0, 0, 0, 0]);
    const b = filled(size, 11);
    const store = new DirectoryBlobStore(dir);
    expect(readdirSync(path.join(dir, "blobs", "sha256"))).toEqual([b.digest.slice(7)]);
    expect(
      createHash("sha256")
        .update(readFileSync(store.pathOf(b.digest)))
        .digest("hex"),
    ).toBe(b.digest.slice(7));
    expect(Buffer.from((await read(store, b))!).equals(Buffer.from(b.bytes))).toBe(true);
  });

  test("a process killed mid-write leaves no visible blob; the next write stores it whole", async () => {
    const dir = freshDir();
    const size = 4 << 20;
    expect(await child(dir, WRITE(size, 5, 1 << 20))).toBe(9);
    const b = filled(size, 5);
    const store = new DirectoryBlobStore(dir);
    expect(existsSync(store.pathOf(b.digest))).toBe(false);
    expect(await read(store, b)).toBeUndefined();
    expect(await store.entries()).toEqual([]); // the dead write's temp file is not an entry
    expect(await put(store, b)).toBe(true);
    expect(Buffer.from((await read(store, b))!).equals(Buffer.from(b.bytes))).toBe(true);
  });
});
