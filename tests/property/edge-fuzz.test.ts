// The service's request parsing as arbitrary input: any path, query, method and headers
// (Authorization, Range) either get an answer or a JSON error carrying one of our codes, never
// INTERNAL and never an exception out of the handler. Upstream calls may be attempted only to
// the one allowed registry, whose fetch always fails (a network error), so nothing leaves.
// Runs: 2·10^4 cases under CI=true, EDGE_FUZZ_RUNS overrides, 2·10^3 otherwise.

import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { init } from "../../src/node.js";
import { createHandler } from "../../src/edge/handler.js";

const RUNS = Number(process.env.EDGE_FUZZ_RUNS ?? (process.env.CI === "true" ? 20_000 : 2_000));

const segment = fc.oneof(
  fc.constantFrom("v2", "api", "inspect", "layers", "ls", "cat", "tags", "referrers", "manifests", "blobs", "list", "fuzz.test", "library"),
  fc.constantFrom("sha256:" + "a".repeat(64), "sha512:" + "b".repeat(128), "sha256:zz", "latest", "..", "%2e%2e", "%00", "%ZZ"),
  fc.string({ maxLength: 12 }),
);
const path = fc.array(segment, { maxLength: 8 }).map((parts) => "/" + parts.map(encodeURIComponent).join("/"));
const rawPath = fc.oneof(
  path,
  fc.array(segment, { maxLength: 8 }).map((p) => "/" + p.join("/")),
);
const query = fc.dictionary(
  fc.constantFrom("ref", "repo", "path", "platform", "layer", "quick", "recursive", "changes", "x"),
  fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom("fuzz.test/a/b:latest", "fuzz.test/a@sha256:" + "c".repeat(64), "linux/amd64", "-1", "1e9"),
  ),
);
const headers = fc.record(
  {
    Authorization: fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom("Basic !!!", "Basic " + btoa("a:b"), "Basic " + btoa("nocolon"), "Bearer x", "Digest y"),
    ),
    Range: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("bytes=0-", "bytes=-5", "bytes=5-1", "bytes=a-b", "bytes=")),
    Origin: fc.constant("http://page.test"),
  },
  { requiredKeys: [] },
);
const method = fc.constantFrom("GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE");

const CODES = ["USAGE", "INVALID_REFERENCE", "INVALID_DIGEST", "FORBIDDEN", "NOT_FOUND", "REGISTRY", "TIMEOUT", "METHOD"];

describe("the service's request parsing", () => {
  test("every request ends in an answer or one of our error codes", { timeout: 600_000 }, async () => {
    await init();
    const failing: typeof fetch = () => Promise.reject(new TypeError("fetch failed"));
    const handler = createHandler({
      policy: { allow: ["fuzz.test"] },
      fetch: failing,
      timeouts: { connectMs: 50, firstByteMs: 50, idleMs: 50 },
      retry: { attempts: 1 },
    });
    await fc.assert(
      fc.asyncProperty(method, rawPath, query, headers, async (m, p, q, h) => {
        let url: URL;
        try {
          url = new URL(`http://svc.test${p}?${new URLSearchParams(q)}`);
        } catch {
          return; // not a URL a client could send
        }
        const res = await handler(new Request(url, { method: m, headers: h }));
        if (res.status < 400) return;
        const body = (await res.json()) as { error?: { code?: string } };
        expect(CODES, `${m} ${url.pathname}${url.search} -> ${res.status} ${JSON.stringify(body)}`).toContain(body.error?.code);
      }),
      // Found by this property: a malformed percent-escape in a /v2/ name was an internal error.
      { numRuns: RUNS, examples: [["GET", `/v2/%ZZ/manifests/sha256:${"a".repeat(64)}`, {}, {}]] },
    );
  });
});
