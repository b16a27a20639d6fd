// Registry answers as arbitrary input: every parser the client runs on what a registry or
// token server sends (token answers, tag pages, referrers indexes, manifests' own mediaType,
// error bodies, Docker-Content-Digest, WWW-Authenticate and its realm, Link) either returns a
// value of the promised shape or throws one of our typed errors; a TypeError or any other
// exception fails the property. Then the whole client, fed arbitrary answers through its
// fetch option, ends every call in a result or a LayerlensError (never the CLI's INTERNAL path).
// Runs: 10^5 cases per parser when CI=true, REGISTRY_FUZZ_RUNS overrides, 10^4 otherwise;
// the whole-client property runs a hundredth of that (at least 200).

import { describe, test } from "vitest";
import fc from "fast-check";
import "../../src/node.js"; // the Node entry registers how this process loads the core
import { LayerlensError } from "../../src/errors.js";
import {
  contentDigest,
  ownMediaType,
  parseErrorBody,
  parseListPage,
  parseReferrersIndex,
  parseTokenAnswer,
} from "../../src/sources/registry/answers.js";
import { parseChallenges, tokenRealm } from "../../src/sources/registry/challenge.js";
import { nextLink, nextPageUrl } from "../../src/sources/registry/link.js";
import { RegistryClient } from "../../src/sources/registry.js";

const RUNS = Number(process.env.REGISTRY_FUZZ_RUNS ?? (process.env.CI === "true" ? 100_000 : 10_000));
const CLIENT_RUNS = Math.max(200, Math.round(RUNS / 100));
const PARSER_TIMEOUT = 60_000;
const encoder = new TextEncoder();

/** `run` returns, or throws a LayerlensError whose code is one of `codes`; anything else is a bug. */
function typedOrValue<T>(codes: string[], run: () => T): T | undefined {
  try {
    return run();
  } catch (err) {
    if (!(err instanceof LayerlensError) || !codes.includes(err.code)) throw err;
    return undefined;
  }
}

/** `cond` or fail the case; plain throws, since expect() inside 10^5 runs costs more than the parsers. */
function check(cond: boolean, why: string): void {
  if (!cond) throw new Error(why);
}

// Generating deep JSON dominates the run time, so most values come from a table of the ones
// that break parsers (wrong types, empty, huge, non-finite once parsed, header-unsafe), and a
// tenth from fast-check's full JSON.
const edgeValues = fc.constantFrom<unknown>(
  null,
  true,
  false,
  0,
  -1,
  1.5,
  300,
  1e300,
  "",
  " ",
  "a b",
  "tok\r\n",
  "é",
  [],
  [null],
  [1, "a"],
  {},
  { a: 1 },
);
const anyJson = fc.oneof(
  { weight: 6, arbitrary: edgeValues },
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);
/** Objects that look almost right: the expected keys, each with any JSON value. */
const nearly = (keys: string[]): fc.Arbitrary<unknown> =>
  fc.record(Object.fromEntries(keys.map((k) => [k, anyJson])), { requiredKeys: [] });
/** Bytes a server might send for a JSON answer: near misses, any JSON, any text, any bytes. */
const body = (keys: string[]): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    { weight: 4, arbitrary: nearly(keys).map((v) => encoder.encode(JSON.stringify(v))) },
    { weight: 2, arbitrary: anyJson.map((v) => encoder.encode(JSON.stringify(v))) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 24 }).map((s) => encoder.encode(s)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 24 }) },
  );
const descriptorish = fc.record(
  {
    mediaType: fc.oneof(fc.constant("application/vnd.oci.image.manifest.v1+json"), anyJson),
    digest: fc.oneof(fc.constant(`sha256:${"c".repeat(64)}`), anyJson),
    size: fc.oneof(fc.nat(), fc.double(), anyJson),
    artifactType: fc.oneof(fc.constant("application/x.sig"), anyJson),
  },
  { requiredKeys: [] },
);
const referrers = fc.oneof(
  fc.record({ manifests: fc.array(fc.oneof(descriptorish, anyJson), { maxLength: 4 }) }).map((v) => encoder.encode(JSON.stringify(v))),
  body(["manifests", "mediaType", "schemaVersion"]),
);
/** Header values: near-miss challenges and links as well as arbitrary text. */
const challengeHeader = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("Bearer", "Basic", "bearer", "X"),
      fc.array(fc.tuple(fc.constantFrom("realm", "service", "scope", "error"), fc.string()), { maxLength: 4 }),
    )
    .map(([scheme, params]) => `${scheme} ${params.map(([k, v]) => `${k}="${v.replace(/"/g, '\\"')}"`).join(",")}`),
  fc.string(),
  fc.string({ unit: "binary" }),
);
const linkHeader = fc.oneof(
  fc
    .tuple(fc.oneof(fc.webUrl(), fc.string()), fc.constantFrom('rel="next"', "rel=next", "rel=prev", 'rel="prev next"'))
    .map(([t, r]) => `<${t}>; ${r}`),
  fc.string(),
  fc.string({ unit: "binary" }),
);
const digestHeader = fc.oneof(
  fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256:${h}`),
  fc.stringMatching(/^[a-z0-9+._-]{1,10}:[a-zA-Z0-9=_-]{0,130}$/),
  fc.string(),
);
const PAGE = new URL("http://127.0.0.1:5000/v2/r/tags/list?n=10");

describe("registry answers: parse or throw our typed error", () => {
  test(
    "token answers",
    () => {
      fc.assert(
        fc.property(body(["token", "access_token", "expires_in", "issued_at"]), (bytes) => {
          const got = typedOrValue(["REGISTRY"], () => parseTokenAnswer(bytes, "http://auth.example/token"));
          if (!got) return;
          check(got.token.length > 0, "empty token");
          new Headers({ Authorization: `Bearer ${got.token}` }); // throws on a value no header can carry
          check(got.expiresIn === undefined || (got.expiresIn > 0 && Number.isFinite(got.expiresIn)), `expires_in ${got.expiresIn}`);
        }),
        { numRuns: RUNS },
      );
    },
    PARSER_TIMEOUT,
  );

  test(
    "tag and catalog pages",
    () => {
      fc.assert(
        fc.property(body(["tags", "repositories", "name"]), fc.constantFrom("tags" as const, "repositories" as const), (bytes, field) => {
          const got = typedOrValue(["INVALID_MANIFEST"], () => parseListPage(bytes, "listing tags of r", field));
          check(!got || got.every((t) => typeof t === "string"), "a tag that is not a string");
        }),
        { numRuns: RUNS },
      );
    },
    PARSER_TIMEOUT,
  );

  test(
    "referrers indexes",
    () => {
      fc.assert(
        fc.property(referrers, (bytes) => {
          const got = typedOrValue(["INVALID_MANIFEST"], () => parseReferrersIndex(bytes, "referrers of x"));
          for (const d of got ?? []) {
            check(typeof d.digest === "string" && typeof d.mediaType === "string" && Number.isSafeInteger(d.size), JSON.stringify(d));
          }
        }),
        { numRuns: RUNS },
      );
    },
    PARSER_TIMEOUT,
  );

  test(
    "a manifest's own mediaType",
    () => {
      fc.assert(
        fc.property(body(["mediaType", "schemaVersion", "manifests", "layers"]), (bytes) => {
          const got = typedOrValue(["INVALID_MANIFEST"], () => ownMediaType(bytes, "manifest r:latest"));
          check(got === undefined || typeof got === "string", "mediaType not a string");
        }),
        { numRuns: RUNS },
      );
    },
    PARSER_TIMEOUT,
  );

  test(
    "error bodies never throw",
    () => {
      fc.assert(
        fc.property(body(["errors", "code", "message", "detail"]), (bytes) => {
          for (const d of parseErrorBody(bytes)) {
            check(typeof d.code === "string" && (d.message === undefined || typeof d.message === "string"), JSON.stringify(d));
          }
        }),
        { numRuns: RUNS },
      );
      const nested = fc.record({ errors: fc.array(nearly(["code", "message", "detail"]), { maxLength: 4 }) });
      fc.assert(
        fc.property(nested, (v) => {
          const got = parseErrorBody(encoder.encode(JSON.stringify(v)));
          check(got.length === v.errors.filter((e) => typeof (e as { code?: unknown }).code === "string").length, JSON.stringify(v));
        }),
        { numRuns: Math.round(RUNS / 10) },
      );
    },
    PARSER_TIMEOUT,
  );

  test(
    "Docker-Content-Digest",
    () => {
      fc.assert(
        fc.property(digestHeader, (value) => {
          const headers = new Headers();
          try {
            headers.set("Docker-Content-Digest", value);
          } catch {
            return; // not a header value fetch could have handed us
          }
          const got = typedOrValue(["REGISTRY"], () => contentDigest(headers, "manifest r:latest", 200, "http://r.example/v2/"));
          check(got === undefined || /^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/.test(got), String(got));
        }),
        { numRuns: RUNS },
      );
    },
    PARSER_TIMEOUT,
  );

  test(
    "WWW-Authenticate and the realm it names",
    () => {
      fc.assert(
        fc.property(challengeHeader, (header) => {
          for (const c of parseChallenges(header)) {
            const realm = typedOrValue(["REGISTRY"], () => tokenRealm(c.params.realm, 401, "http://r.example/v2/"));
            check(!realm || realm.protocol === "http:" || realm.protocol === "https:", String(realm));
          }
        }),
        { numRuns: RUNS },
      );
    },
    PARSER_TIMEOUT,
  );

  test(
    "Link headers",
    () => {
      fc.assert(
        fc.property(linkHeader, (header) => {
          const raw = nextLink(header);
          const next = typedOrValue(["REGISTRY"], () => nextPageUrl(header, PAGE, "listing tags of r"));
          check(!next || next.protocol === "http:" || next.protocol === "https:", String(next));
          check(raw !== undefined || next === undefined, "a next page from no rel=next");
        }),
        { numRuns: RUNS },
      );
    },
    PARSER_TIMEOUT,
  );
});

describe("the whole client on arbitrary answers", () => {
  const status = fc.constantFrom(200, 200, 200, 204, 206, 301, 304, 307, 401, 404, 429, 500, 503);
  const headers = fc.record(
    {
      "Content-Type": fc.constantFrom("application/json", "application/vnd.oci.image.index.v1+json", "text/html"),
      "Docker-Content-Digest": digestHeader,
      "WWW-Authenticate": challengeHeader,
      Link: linkHeader,
      Location: fc.oneof(fc.webUrl(), fc.string()),
      "Content-Range": fc.string(),
      "Retry-After": fc.constantFrom("0", "x"),
    },
    { requiredKeys: [] },
  );
  const answer = fc.record({ status, headers, body: body(["token", "tags", "manifests", "mediaType", "errors"]) });

  test(
    "every call ends in a value or a LayerlensError",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(answer, { minLength: 1, maxLength: 6 }), fc.nat(4), async (answers, call) => {
          let i = 0;
          const fetchFn = (async () => {
            const a = answers[Math.min(i++, answers.length - 1)];
            const h = new Headers();
            for (const [k, v] of Object.entries(a.headers)) {
              try {
                h.set(k, v);
              } catch {
                // a value no server could send
              }
            }
            const noBody = a.status === 204 || a.status === 304;
            return new Response(noBody ? null : new Uint8Array(a.body), { status: a.status, headers: h });
          }) as typeof fetch;
          const client = new RegistryClient({
            registry: "127.0.0.1:5000",
            fetch: fetchFn,
            retry: { attempts: 2, sleep: async () => {} },
            timeouts: { connectMs: 1000, firstByteMs: 1000, idleMs: 1000 },
          });
          const subject = `sha256:${"d".repeat(64)}`;
          const runs = [
            () => client.manifest("r", "latest"),
            () => client.headManifest("r", "latest"),
            () => client.tags("r"),
            () => client.referrers("r", subject),
            () => client.blob("r", { mediaType: "application/octet-stream", digest: subject, size: 3 }),
          ];
          try {
            await runs[call]();
          } catch (err) {
            if (!(err instanceof LayerlensError)) throw err;
          }
        }),
        { numRuns: CLIENT_RUNS },
      );
    },
    PARSER_TIMEOUT,
  );
});
