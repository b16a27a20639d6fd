// The client against a hostile registry and token server on loopback (harness/hostile-server.ts):
// trickled bodies, silent sockets, headers then silence, token answers far over the cap, realms
// that are no URL or lead nowhere, bodies cut off mid-manifest, and malformed answers of every
// kind. Each case runs under short deadlines and asserts the typed error, the URL it names
// (without secrets) and how long it took, so a hang fails the test instead of stalling the suite.

import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { createHash } from "node:crypto";
import { CapacityError, InvalidManifestError, InvalidReferenceError, RegistryError, TimeoutError } from "../../src/errors.js";
import { DEFAULT_TIMEOUTS, RegistryClient, type RegistryClientOptions } from "../../src/sources/registry.js";
import "../../src/node.js"; // the Node entry registers how this process loads the core
import { type Behaviour, HostileServer } from "./harness/hostile-server.js";
import { freePort } from "./harness/tools.js";
import { text } from "./harness/read.js";

const timeouts = { connectMs: 150, firstByteMs: 150, idleMs: 300 };
const retry = { attempts: 2, baseDelayMs: 1 };
// Longest any case may take: two tries of the longest deadline, backoff and loopback slack.
// It guards against hangs (the old client waited for minutes); it is no benchmark.
const BOUND_MS = 4_000;

const manifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: `sha256:${"a".repeat(64)}`, size: 2 },
  layers: [],
});
const manifestBytes = new TextEncoder().encode(manifest);
const manifestDigest = `sha256:${createHash("sha256").update(manifest).digest("hex")}`;
const manifestHeaders = { "Content-Type": "application/vnd.oci.image.manifest.v1+json", "Docker-Content-Digest": manifestDigest };
const blob = new Uint8Array(4096).map((_, i) => i & 0xff);
const blobDesc = {
  mediaType: "application/octet-stream",
  digest: `sha256:${createHash("sha256").update(blob).digest("hex")}`,
  size: blob.length,
};

const MANIFEST = "/v2/r/manifests/latest";
const served: Behaviour = { kind: "answer", body: manifest, headers: manifestHeaders };

/** The error `run` ends with and how long it took; fails the test if it resolves. */
async function failure(run: () => Promise<unknown>): Promise<{ err: Error; ms: number }> {
  const t0 = performance.now();
  const err = await run().then(
    () => {
      throw new Error("expected a failure, got an answer");
    },
    (e: Error) => e,
  );
  return { err, ms: performance.now() - t0 };
}

describe("registry client against a hostile server", () => {
  const server = new HostileServer();
  const client = (extra: Partial<RegistryClientOptions> = {}): RegistryClient =>
    new RegistryClient({ registry: server.host, timeouts, retry, ...extra });
  const challenge = (realm: string): Behaviour => ({
    kind: "answer",
    status: 401,
    headers: { "WWW-Authenticate": `Bearer realm="${realm}",service="hostile",scope="repository:r:pull"` },
    body: JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "token wanted" }] }),
  });
  const token = (body: string): Behaviour => ({ kind: "answer", body, headers: { "Content-Type": "application/json" } });

  beforeAll(() => server.start());
  afterAll(() => server.stop());
  beforeEach(() => server.reset());

  describe("deadlines", () => {
    test("a manifest body at 1 byte/s: TimeoutError (idle) naming the URL, after the retry budget", async () => {
      const route = server.route(MANIFEST, { kind: "slow", body: manifestBytes, intervalMs: 1000, headers: manifestHeaders });
      const { err, ms } = await failure(() => client().manifest("r", "latest"));
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err).toMatchObject({ code: "TIMEOUT", phase: "idle", ms: 300, url: `${server.base}${MANIFEST}`, retryable: true });
      expect(route.hits).toBe(2);
      expect(ms).toBeLessThan(BOUND_MS);
    });

    test("a blob at 1 byte/s: resumed once, then TimeoutError naming the blob URL", async () => {
      const path = `/v2/r/blobs/${blobDesc.digest}`;
      const route = server.route(path, { kind: "slow", body: blob, intervalMs: 1000 });
      const { err, ms } = await failure(() => client().blob("r", blobDesc));
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err).toMatchObject({ phase: "idle", url: `${server.base}${path}` });
      expect(route.hits).toBeGreaterThanOrEqual(2);
      expect(ms).toBeLessThan(BOUND_MS);
    });

    test("a registry that accepts and never answers: TimeoutError (headers) after connect + first byte", async () => {
      const route = server.route(MANIFEST, { kind: "silent" });
      const { err, ms } = await failure(() => client().manifest("r", "latest"));
      expect(err).toMatchObject({ code: "TIMEOUT", phase: "headers", ms: 300, url: `${server.base}${MANIFEST}` });
      expect(route.hits).toBe(2);
      expect(ms).toBeGreaterThanOrEqual(2 * 300 - 50);
      expect(ms).toBeLessThan(BOUND_MS);
    });

    test("headers, then nothing: manifest, tag list and error body all end in TimeoutError (idle)", async () => {
      server.route(MANIFEST, { kind: "headers-only", headers: manifestHeaders });
      server.route("/v2/r/tags/list", { kind: "headers-only" });
      for (const run of [() => client().manifest("r", "latest"), () => client().tags("r")]) {
        const { err, ms } = await failure(run);
        expect(err).toMatchObject({ code: "TIMEOUT", phase: "idle" });
        expect((err as TimeoutError).url).toMatch(new RegExp(`^${server.base}/v2/r/`));
        expect(ms).toBeLessThan(BOUND_MS);
      }
      // An error status whose body never comes: the status stands, the diagnostics are given up on.
      server.route("/v2/r/manifests/gone", { kind: "headers-only", status: 404 });
      const { err, ms } = await failure(() => client().manifest("r", "gone"));
      expect(err).toBeInstanceOf(RegistryError);
      expect(err).toMatchObject({ status: 404, diagnostics: [] });
      expect(ms).toBeLessThan(BOUND_MS);
    });

    test("a token realm that accepts and never answers: TimeoutError naming the realm, its secrets redacted", async () => {
      server.route(MANIFEST, challenge(`${server.base}/token?access_token=s3cret`));
      const tokenRoute = server.route("/token", { kind: "silent" });
      const { err, ms } = await failure(() => client().manifest("r", "latest"));
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err).toMatchObject({ phase: "headers", what: "getting a registry token" });
      expect((err as TimeoutError).url).toMatch(new RegExp(`^${server.base}/token\\?access_token=REDACTED&service=hostile`));
      expect(err.message).not.toContain("s3cret");
      expect(tokenRoute.hits).toBe(2);
      expect(ms).toBeLessThan(BOUND_MS);
    });

    test("a token answer trickled, or headers then nothing: TimeoutError (idle)", async () => {
      for (const stall of [
        { kind: "slow", body: new TextEncoder().encode('{"token":"t"}'), intervalMs: 1000 },
        { kind: "headers-only" },
      ] as const) {
        server.reset();
        server.route(MANIFEST, challenge(`${server.base}/token`));
        server.route("/token", stall);
        const { err, ms } = await failure(() => client().manifest("r", "latest"));
        expect(err).toMatchObject({ code: "TIMEOUT", phase: "idle", url: expect.stringMatching(/\/token\?service=hostile/) });
        expect(ms).toBeLessThan(BOUND_MS);
      }
    });

    test("defaults are 30 s each and a user can change them; nonsense is refused", () => {
      expect(DEFAULT_TIMEOUTS).toEqual({ connectMs: 30_000, firstByteMs: 30_000, idleMs: 30_000 });
      expect(() => client({ timeouts: { idleMs: 0 } })).toThrow(/timeouts.idleMs must be a positive number/);
      expect(() => client({ timeouts: { connectMs: Number.NaN } })).toThrow(RangeError);
    });

    test("a quiet spell shorter than idleMs is no timeout: a body trickled faster than the watchdog arrives whole", async () => {
      const small = new TextEncoder().encode(JSON.stringify({ name: "r", tags: ["a", "b"] }));
      server.route("/v2/r/tags/list", { kind: "slow", body: small, intervalMs: 5 });
      expect(await client().tags("r")).toEqual(["a", "b"]);
    });
  });

  describe("caps on bodies read whole", () => {
    test("a 50 MB token answer, chunked: CapacityError at the 1 MiB cap, the rest never read", async () => {
      server.route(MANIFEST, challenge(`${server.base}/token`));
      server.route("/token", { kind: "flood", bytes: 50e6, declareLength: false });
      const rss0 = process.memoryUsage().rss;
      const { err, ms } = await failure(() => client().manifest("r", "latest"));
      const grown = process.memoryUsage().rss - rss0;
      expect(err).toBeInstanceOf(CapacityError);
      expect(err.message).toMatch(new RegExp(`more than the 1048576-byte token answer limit \\(from ${server.base}/token`));
      // What reached the socket: the cap plus what the kernel buffers hold, far from 50 MB.
      expect(server.sent).toBeLessThan(16 << 20);
      expect(grown).toBeLessThan(256 << 20);
      expect(ms).toBeLessThan(BOUND_MS);
    });

    test("a 50 MB token answer with Content-Length: refused before reading", async () => {
      server.route(MANIFEST, challenge(`${server.base}/token`));
      server.route("/token", { kind: "flood", bytes: 50e6, declareLength: true });
      const { err, ms } = await failure(() => client().manifest("r", "latest"));
      expect(err).toBeInstanceOf(CapacityError);
      expect(err.message).toMatch(/50000000 bytes is over the 1048576-byte token answer limit/);
      expect(server.sent).toBeLessThan(16 << 20);
      expect(ms).toBeLessThan(BOUND_MS);
    });

    test("a tag page over the cap and a 50 MB error body: bounded either way", async () => {
      server.route("/v2/r/tags/list", { kind: "flood", bytes: 50e6, declareLength: false });
      const { err } = await failure(() => client({ maxManifestBytes: 1 << 20 }).tags("r"));
      expect(err).toBeInstanceOf(CapacityError);
      expect(err.message).toMatch(/listing page limit/);
      server.reset();
      // An error body is read for its diagnostics only up to 64 KiB, then let go.
      server.route(MANIFEST, { kind: "answer", status: 400, body: "x".repeat(50e6) });
      // Sending 50 MB can hold the first byte back past the 150 ms budget on a loaded machine;
      // this case is about the body cap, so the header deadline is a generous one.
      const patient = { ...timeouts, firstByteMs: 3_000 };
      const { err: bad, ms } = await failure(() => client({ timeouts: patient }).manifest("r", "latest"));
      expect(bad).toMatchObject({ code: "REGISTRY", status: 400, diagnostics: [] });
      expect(ms).toBeLessThan(BOUND_MS);
    });
  });

  describe("bad realms", () => {
    test("a realm that is not a URL, or not http(s): RegistryError naming the registry URL", async () => {
      for (const realm of ["not a url", "/token", "file:///etc/passwd", "data:application/json,{}"]) {
        server.reset();
        server.route(MANIFEST, challenge(realm));
        const { err, ms } = await failure(() => client().manifest("r", "latest"));
        expect(err, realm).toBeInstanceOf(RegistryError);
        expect(err).toMatchObject({ status: 401, url: `${server.base}${MANIFEST}`, retryable: false });
        expect(err.message).toMatch(/token realm that is not (a URL|http\(s\))/);
        expect(ms).toBeLessThan(BOUND_MS);
      }
    });

    test("a realm on a port nobody listens on: retried, then RegistryError naming the realm", async () => {
      const port = await freePort();
      server.route(MANIFEST, challenge(`http://127.0.0.1:${port}/token`));
      const { err, ms } = await failure(() => client().manifest("r", "latest"));
      expect(err).toBeInstanceOf(RegistryError);
      expect(err).toMatchObject({
        status: 0,
        retryable: true,
        url: expect.stringMatching(new RegExp(`^http://127.0.0.1:${port}/token\\?`)),
      });
      expect(ms).toBeLessThan(BOUND_MS);
    });
  });

  describe("bodies dropped mid-way", () => {
    test("a manifest dropped mid-body is asked again and verified", async () => {
      const route = server.route(MANIFEST, { kind: "drop-mid-body", body: manifestBytes, after: 40, headers: manifestHeaders }, served);
      const got = await client().manifest("r", "latest");
      expect(text(got.bytes)).toBe(manifest);
      expect(got.descriptor.digest).toBe(manifestDigest);
      expect(route.hits).toBe(2);
    });

    test("a manifest dropped every time: retryable RegistryError naming the URL, after the retry budget", async () => {
      const route = server.route(MANIFEST, { kind: "drop-mid-body", body: manifestBytes, after: 40, headers: manifestHeaders });
      const { err, ms } = await failure(() => client({ retry: { attempts: 3, baseDelayMs: 1 } }).manifest("r", "latest"));
      expect(err).toBeInstanceOf(RegistryError);
      expect(err).toMatchObject({ retryable: true, url: `${server.base}${MANIFEST}` });
      expect(err.message).toMatch(/kept breaking off/);
      expect(route.hits).toBe(3);
      expect(ms).toBeLessThan(BOUND_MS);
    });

    test("a token answer dropped mid-body is asked again", async () => {
      server.route(MANIFEST, challenge(`${server.base}/token`), served);
      const body = new TextEncoder().encode(JSON.stringify({ token: "abc.def.ghi", expires_in: 300 }));
      const tokenRoute = server.route(
        "/token",
        { kind: "drop-mid-body", body, after: 10 },
        token(JSON.stringify({ token: "abc.def.ghi" })),
      );
      expect(text((await client().manifest("r", "latest")).bytes)).toBe(manifest);
      expect(tokenRoute.hits).toBe(2);
    });

    test("a blob that keeps dropping names its URL", async () => {
      const path = `/v2/r/blobs/${blobDesc.digest}`;
      server.route(path, { kind: "drop-mid-body", body: blob, after: 10 });
      const { err } = await failure(() => client().blob("r", blobDesc));
      expect(err).toBeInstanceOf(RegistryError);
      expect(err.message).toContain(`connection kept dropping at byte 10 (no answer from ${server.base}${path})`);
    });
  });

  describe("malformed answers are typed errors, never TypeErrors", () => {
    test("token answers of the wrong shape", async () => {
      for (const body of [
        "null",
        "[]",
        "5",
        '"tok"',
        '{"token":5}',
        '{"token":""}',
        '{"access_token":null}',
        '{"token":"a b"}',
        "{",
        "\u00ff",
      ]) {
        server.reset();
        server.route(MANIFEST, challenge(`${server.base}/token`));
        server.route("/token", token(body));
        const { err } = await failure(() => client().manifest("r", "latest"));
        expect(err, body).toBeInstanceOf(RegistryError);
        expect(err.message).toMatch(/^token server answer /);
        expect((err as RegistryError).url).toBe(`${server.base}/token?service=hostile&scope=repository%3Ar%3Apull`);
      }
    });

    test("tag lists, referrers indexes and manifests of the wrong JSON types", async () => {
      for (const body of ["null", "[]", '{"tags":5}', '{"tags":[1]}', '{"tags":{"a":1}}']) {
        server.reset();
        server.route("/v2/r/tags/list", token(body));
        const { err } = await failure(() => client().tags("r"));
        expect(err, body).toBeInstanceOf(InvalidManifestError);
        expect(err.message).toContain(`${server.base}/v2/r/tags/list`);
      }
      const subject = `sha256:${"b".repeat(64)}`;
      for (const body of ["null", '{"manifests":null}', '{"manifests":[null]}', '{"manifests":[{"digest":5}]}']) {
        server.reset();
        server.route(`/v2/r/referrers/${subject}`, token(body));
        const { err } = await failure(() => client().referrers("r", subject));
        expect(err, body).toBeInstanceOf(InvalidManifestError);
      }
      // A manifest by tag with no Content-Type and a JSON body of the wrong type.
      server.reset();
      const nul = new TextEncoder().encode("null");
      server.route(MANIFEST, {
        kind: "answer",
        body: nul,
        headers: { "Docker-Content-Digest": `sha256:${createHash("sha256").update(nul).digest("hex")}` },
      });
      expect((await failure(() => client().manifest("r", "latest"))).err).toBeInstanceOf(InvalidManifestError);
    });

    test("a Docker-Content-Digest that is no digest, on GET and on HEAD", async () => {
      for (const digest of ["sha256:zz", "nope", "md5:00"]) {
        server.reset();
        server.route(MANIFEST, { kind: "answer", body: manifest, headers: { ...manifestHeaders, "Docker-Content-Digest": digest } });
        for (const run of [() => client().manifest("r", "latest"), () => client().headManifest("r", "latest")]) {
          const { err } = await failure(run);
          expect(err, digest).toBeInstanceOf(RegistryError);
          expect(err.message).toContain(`Docker-Content-Digest ${JSON.stringify(digest)} is not a digest`);
          expect((err as RegistryError).url).toBe(`${server.base}${MANIFEST}`);
        }
      }
    });

    test("a Link header whose target is no http(s) URL, and a redirect to one", async () => {
      for (const link of ["<http://[>; rel=next", "<file:///etc/passwd>; rel=next", '<javascript:alert(1)>; rel="next"']) {
        server.reset();
        server.route("/v2/r/tags/list", { kind: "answer", body: '{"tags":["a"]}', headers: { Link: link } });
        const { err } = await failure(() => client().tags("r"));
        expect(err, link).toBeInstanceOf(RegistryError);
        expect(err.message).toMatch(/the Link header's next page .* is not an http\(s\) URL/);
      }
      server.reset();
      server.route(MANIFEST, { kind: "answer", status: 307, headers: { Location: "http://[" } });
      const { err } = await failure(() => client().manifest("r", "latest"));
      expect(err).toBeInstanceOf(RegistryError);
      expect(err.message).toMatch(/redirected to "http:\/\/\[", which is not an http\(s\) URL/);
    });

    test("error bodies of every shape: the status stands, diagnostics only when well-formed", async () => {
      for (const body of [
        "null",
        '{"errors":5}',
        '{"errors":[null,5,{"code":7}]}',
        "<html>",
        '{"errors":[{"code":"DENIED","message":{}}]}',
      ]) {
        server.reset();
        server.route(MANIFEST, { kind: "answer", status: 403, body });
        const { err } = await failure(() => client().manifest("r", "latest"));
        expect(err, body).toBeInstanceOf(RegistryError);
        expect((err as RegistryError).diagnostics).toEqual(
          body.includes("DENIED") ? [{ code: "DENIED", message: undefined, detail: undefined }] : [],
        );
      }
    });

    test("a registry name that is not host[:port] is an InvalidReferenceError", () => {
      for (const name of ["a b", "", "http://x", "x/y", "user@host", "host:port", "[::1", "h\u00e9"]) {
        expect(() => new RegistryClient({ registry: name }), name).toThrow(InvalidReferenceError);
      }
      for (const name of ["localhost:5000", "ghcr.io", "docker.io", "[::1]:5000", "127.0.0.1"]) {
        expect(() => new RegistryClient({ registry: name }), name).not.toThrow();
      }
    });
  });
});
