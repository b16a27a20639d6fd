// End to end: the CLI (main() with an in-memory CliIO, as the other CLI tests drive it) against
// a loopback registry whose answers are twisted by a seeded script (harness/twisting-registry.ts:
// statuses, bodies of the wrong JSON types, cut or flipped bytes, other documents, content
// types, lengths that lie, digests, challenges and realms, redirects, Link headers, token
// answers). Every run ends with status 0, or with "layerlens: CODE: message" for a CODE other
// than INTERNAL, within BOUND_MS. The seed is fixed, so a failure names a reproducible case.

import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { main } from "../../src/cli/main.js";
import "../../src/node.js";
import { type RouteKind, type Script, type Twist, servedImage, TwistingRegistry } from "../registry/harness/twisting-registry.js";
import { anyJson, pathsOf, replaceAt, runs, sampleFiles } from "./fuzz-inputs.js";

const RUNS = runs(400, 150);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
// A run retries transient failures with the CLI's default backoff (200 ms doubling, 5 tries
// without progress; a resume that made progress starts the count again, so a body that breaks
// off after every few bytes costs a request per piece): the bound allows that several times
// over on a loaded machine and still catches a hang (the deadlines are 30 s).
const BOUND_MS = 30_000;

const scratch = mkdtempSync(join(tmpdir(), "layerlens-cli-registry-fuzz-"));
const image = servedImage(sampleFiles().files);
const registry = new TwistingRegistry(image);
const configDir = join(scratch, "docker-config");
let previousDockerConfig: string | undefined;
beforeAll(async () => {
  // No credentials of the machine's user reach the test registry.
  previousDockerConfig = process.env.DOCKER_CONFIG;
  process.env.DOCKER_CONFIG = configDir;
  await registry.start();
});
afterAll(async () => {
  await registry.stop();
  if (previousDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
  else process.env.DOCKER_CONFIG = previousDockerConfig;
  rmSync(scratch, { recursive: true, force: true });
});

const ROUTES: RouteKind[] = ["ping", "token", "manifest", "index", "blob", "tags", "referrers"];
const STATUSES = [
  200, 201, 202, 204, 206, 299, 300, 304, 400, 401, 403, 404, 405, 406, 409, 410, 416, 418, 429, 451, 500, 501, 502, 503, 505, 599,
];
const CONTENT_TYPES = [
  "",
  "text/html",
  "application/json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v1+prettyjws",
  "application/vnd.oci.image.config.v1+json",
  "application/octet-stream; charset=utf-8",
  "multipart/mixed; boundary=x",
  "application/vnd.oci.image.manifest.v1+json\x01",
];
const DIGESTS = [
  "",
  "sha256:" + "0".repeat(64),
  "sha256:abc",
  "sha512:" + "1".repeat(128),
  "md5:d41d8cd98f00b204e9800998ecf8427e",
  "not a digest",
  image.manifestDigest,
  image.indexDigest,
];
const CHALLENGES = [
  'Bearer realm="http://HOST/token",service="twisted",scope="repository:r:pull"',
  'Bearer realm="http://HOST/token"',
  'Bearer realm="not a url",service="x"',
  'Bearer realm="ftp://HOST/token"',
  'Bearer realm="/token"',
  'Bearer realm=""',
  "Bearer realm=http://HOST/token,service=x",
  'Bearer realm="http://HOST/token",,,=,"',
  'Bearer realm="http://HOST/missing"',
  'Bearer realm="http://127.0.0.1:1/token"',
  'Bearer realm="http://HOST/token", error="insufficient_scope"',
  "Bearer",
  'Basic realm="twisted"',
  "Negotiate",
  "",
  'Bearer realm="http://HOST/token"\x7f',
];
const LOCATIONS = [
  "",
  "PATH",
  "http://HOST/v2/",
  "http://HOST/v2/r/manifests/latest",
  "/v2/r/blobs/sha256:" + "0".repeat(64),
  "ftp://HOST/x",
  "http://[::1",
  "../../etc/passwd",
  "http://HOST" + "/a".repeat(2000),
  "mailto:x@y",
];
const LINKS = [
  '</v2/r/tags/list?n=1&last=latest>; rel="next"',
  '<http://HOST/v2/r/tags/list?last=multi>; rel="next"',
  '<http://elsewhere.invalid/v2/r/tags/list>; rel="next"',
  '<>; rel="next"',
  "<not closed; rel=next",
  'rel="next"',
  '<ftp://HOST/x>; rel="next"',
  "<" + "/v2/r/tags/list?x=".padEnd(5000, "y") + '>; rel="next"',
];

/** A JSON edit: one to three values of the route's own document replaced by values of any type. */
const jsonEdit: fc.Arbitrary<(doc: unknown) => unknown> = fc
  .array(fc.tuple(fc.nat(), anyJson), { minLength: 1, maxLength: 3 })
  .map((edits) => (doc: unknown) => {
    // Paths are taken from the document the route serves, so the edits land on real fields.
    let out = doc;
    for (const [pick, value] of edits) {
      const paths = pathsOf(out);
      out = replaceAt(out, paths[pick % paths.length], value);
    }
    return out;
  });

const twist: fc.Arbitrary<Twist> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Twist>({ kind: "ok" }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("status" as const), status: fc.constantFrom(...STATUSES), errorBody: fc.boolean() }),
  },
  { weight: 4, arbitrary: jsonEdit.map((edit): Twist => ({ kind: "json", edit })) },
  {
    weight: 2,
    arbitrary: fc
      .record({
        flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        cut: fc.option(fc.nat(), { nil: null }),
      })
      .map((r): Twist => ({ kind: "bytes", ...r })),
  },
  { weight: 2, arbitrary: fc.constantFrom(...ROUTES).map((w): Twist => ({ kind: "swap", with: w })) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.uint8Array({ maxLength: 64 }),
        fc
          .constantFrom("null", "[]", "{}", '"x"', "1e999", '{"errors":null}', '{"errors":[null]}', "")
          .map((s) => new TextEncoder().encode(s)),
      )
      .map((body): Twist => ({ kind: "raw", body })),
  },
  { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES).map((contentType): Twist => ({ kind: "type", contentType })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom("short", "long", "absent", "chunked", "bad-chunks" as const)
      .map((mode): Twist => ({ kind: "length", mode })),
  },
  { weight: 2, arbitrary: fc.constantFrom(...DIGESTS).map((value): Twist => ({ kind: "digest", value })) },
  { weight: 2, arbitrary: fc.constantFrom(...CHALLENGES).map((header): Twist => ({ kind: "challenge", header })) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("redirect" as const),
      status: fc.constantFrom(301, 302, 303, 307, 308),
      location: fc.constantFrom(...LOCATIONS),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom(...LINKS).map((value): Twist => ({ kind: "link", value })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom("Content-Range", "Retry-After", "Content-Encoding", "Www-Authenticate", "Location"),
        fc.constantFrom("", "bytes 0-1/2", "gzip", "-1", "x".repeat(300)),
      )
      .map(([name, value]): Twist => ({ kind: "header", name, value })),
  },
);

const script: fc.Arbitrary<Script> = fc.record({
  twists: fc.array(twist, { minLength: 1, maxLength: 8 }),
  always: fc.option(fc.record({ route: fc.constantFrom(...ROUTES), twist }), { nil: undefined, freq: 4 }),
  auth: fc.boolean(),
});

/** The verbs that read a registry, on a reference of the served repository. */
const verb: fc.Arbitrary<(ref: string, out: string) => string[]> = fc.constantFrom(
  (ref: string) => ["inspect", ref],
  (ref: string) => ["inspect", ref, "--referrers", "--json"],
  (ref: string) => ["inspect", ref, "--format", "skopeo"],
  (ref: string) => ["ls", "-R", "-l", ref],
  (ref: string) => ["cat", ref, "/etc/os-release"],
  (ref: string, out: string) => ["export", ref, "-o", out],
  (ref: string) => ["layers", ref],
  (ref: string) => ["manifest", ref],
  (ref: string) => ["config", ref],
  (ref: string) => ["referrers", ref],
  (ref: string) => ["tags", ref.replace(/[:@][^/]*$/, "")],
);
const reference = fc.constantFrom("latest", "multi", "@digest", "@index");

let ran = 0;
const codes = new Map<string, number>();

async function runCli(argv: string[]): Promise<{ code: number; err: string; ms: number }> {
  let err = "";
  const t0 = performance.now();
  const io = { stdout: () => {}, stderr: (t: string) => void (err += t), stdoutBytes: () => {} };
  // --no-cache: every run must meet the registry's twisted answers, not blobs an earlier run stored.
  const code = await main([argv[0], "--no-cache", ...argv.slice(1)], io);
  return { code, err, ms: performance.now() - t0 };
}

describe("the CLI against twisted registry answers never prints INTERNAL", () => {
  test("every run succeeds or ends in a typed error, in bounded time", async () => {
    await fc.assert(
      fc.asyncProperty(script, verb, reference, async (s, v, r) => {
        registry.use(s);
        const ref =
          r === "@digest"
            ? `docker://${registry.host}/r@${image.manifestDigest}`
            : r === "@index"
              ? `docker://${registry.host}/r@${image.indexDigest}`
              : `docker://${registry.host}/r:${r}`;
        const argv = v(ref, join(scratch, `out-${ran++}.tar`));
        const { code, err, ms } = await runCli(argv);
        const what = `${argv.join(" ")} (${registry.requests} requests: ${registry.trace.slice(0, 40).join(", ")})`;
        if (process.env.FUZZ_TRACE) appendFileSync(process.env.FUZZ_TRACE, `${what} ${ms.toFixed(0)} ms ${err}\n`);
        expect(err, what).not.toMatch(/INTERNAL/);
        if (code !== 0) {
          expect(err, what).toMatch(/^layerlens: [A-Z_]+: /);
          const c = /^layerlens: ([A-Z_]+): /.exec(err)![1];
          codes.set(c, (codes.get(c) ?? 0) + 1);
        } else codes.set("ok", (codes.get("ok") ?? 0) + 1);
        expect(ms, `${what} took ${ms.toFixed(0)} ms`).toBeLessThan(BOUND_MS);
      }),
      // FUZZ_SEED and FUZZ_PATH replay the case a failure names; FUZZ_TRACE=FILE logs every run.
      { numRuns: RUNS, seed: SEED, endOnFailure: true, ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}) },
    );
    // The fuzz reaches both ends: answers the CLI accepts and answers it refuses.
    expect(codes.get("ok") ?? 0, JSON.stringify([...codes])).toBeGreaterThan(0);
    expect([...codes.keys()].filter((c) => c !== "ok").length, JSON.stringify([...codes])).toBeGreaterThan(1);
    console.log(`cli-registry-fuzz: ${ran} runs, seed ${SEED}:`, Object.fromEntries(codes));
  }, 120_000);
});
