// Blobs addressed by sha512 against a real docker-registry: distribution verifies an upload by
// the digest's own algorithm, so it stores a blob under its sha512 and serves it at that
// digest. The client must verify those bytes by sha512 too (before, they were refused as
// unverifiable), detect them corrupted in transit, and refuse an algorithm it cannot verify
// before sending a request.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { DigestMismatchError, InvalidDigestError } from "../../src/errors.js";
import { RegistryClient } from "../../src/sources/registry.js";
import { canRun } from "./harness/tools.js";
import { type RunningRegistry, startRegistry } from "./harness/registry.js";

const run = canRun("registry (sha512 blobs)");
const sha512 = (b: Uint8Array) => "sha512:" + createHash("sha512").update(b).digest("hex");

/** Monolithic upload with `digest` (distribution checks the bytes against it). */
async function pushAs(base: string, repo: string, bytes: Uint8Array, digest: string): Promise<number> {
  const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: "POST" });
  if (start.status !== 202) throw new Error(`upload start: ${start.status} ${await start.text()}`);
  const location = new URL(start.headers.get("Location")!, base);
  location.searchParams.set("digest", digest);
  const put = await fetch(location, { method: "PUT", body: Buffer.from(bytes), headers: { "Content-Type": "application/octet-stream" } });
  await put.arrayBuffer();
  return put.status;
}

describe.runIf(run)("registry client, sha512 blobs", () => {
  let reg: RunningRegistry;
  const bytes = new Uint8Array(randomBytes(70_000));
  const desc = { mediaType: "application/octet-stream", digest: sha512(bytes), size: bytes.length };

  beforeAll(async () => {
    reg = await startRegistry();
    expect(await pushAs(reg.url, "fixtures/sha512", bytes, desc.digest)).toBe(201);
  });
  afterAll(async () => {
    await reg?.stop();
  });

  test("the registry itself refuses an upload whose sha512 does not match (the oracle checks too)", async () => {
    expect(await pushAs(reg.url, "fixtures/sha512", bytes, sha512(new Uint8Array([1])))).toBe(400);
  });

  test("a sha512 blob is read whole and verified, as a stream and in memory", async () => {
    const client = new RegistryClient({ registry: reg.host, retry: { attempts: 2, baseDelayMs: 1 } });
    expect(Buffer.from(await client.blob("fixtures/sha512", desc)).equals(Buffer.from(bytes))).toBe(true);
    const stream = await client.openBlob("fixtures/sha512", desc);
    const chunks: Uint8Array[] = [];
    for await (const c of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(c);
    expect(Buffer.concat(chunks).equals(Buffer.from(bytes))).toBe(true);
  });

  test("a sha512 blob corrupted in transit is DIGEST_MISMATCH by sha512", async () => {
    // A fetch that flips one byte of every blob body: the registry is real, the wire is not.
    const corrupting: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input instanceof Request ? input.url : input).includes("/blobs/")) return res;
      const body = new Uint8Array(await res.arrayBuffer());
      body[1234] ^= 1;
      return new Response(body, { status: res.status, headers: res.headers });
    };
    const client = new RegistryClient({ registry: reg.host, fetch: corrupting, retry: { attempts: 2, baseDelayMs: 1 } });
    const err = await client.blob("fixtures/sha512", desc).catch((e) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    const flipped = bytes.slice();
    flipped[1234] ^= 1;
    expect(err).toMatchObject({ expected: desc.digest, actual: sha512(flipped) });
  });

  test("an algorithm that cannot be verified is refused before any request", async () => {
    let requests = 0;
    const counting: typeof fetch = (input, init) => {
      requests++;
      return fetch(input, init);
    };
    const client = new RegistryClient({ registry: reg.host, fetch: counting });
    for (const digest of ["sha384:" + "0".repeat(96), "blake3:" + "0".repeat(64)]) {
      const blob = await client.blob("fixtures/sha512", { ...desc, digest }).catch((e) => e);
      expect(blob).toBeInstanceOf(InvalidDigestError);
      expect(blob).toMatchObject({ reason: "algorithm" });
      expect(blob.message).toMatch(/not supported/);
      await expect(client.manifest("fixtures/sha512", digest)).rejects.toMatchObject({ code: "INVALID_DIGEST", reason: "algorithm" });
    }
    expect(requests).toBe(0);
  });
});
