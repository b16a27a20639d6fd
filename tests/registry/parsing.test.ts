// The registry client's pure pieces: WWW-Authenticate challenges, Link headers, URL
// redaction, backoff, Docker config.json host matching. Examples are the headers
// docker-registry 2.8 and the token spec show; fast-check adds arbitrary input (parse or
// return nothing, never throw).

import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { parseChallenges } from "../../src/sources/registry/challenge.js";
import { nextLink } from "../../src/sources/registry/link.js";
import { redactUrl } from "../../src/sources/registry/url.js";
import { isRetryableStatus, parseRetryAfter, retryDelay, retryPolicy } from "../../src/sources/registry/retry.js";
import { checkDigestString } from "../../src/oci/digest.js";
import { registryOrigin } from "../../src/sources/registry/client.js";
import { credentialsFor, normalizeHost } from "../../src/node/docker-config.js";

describe("WWW-Authenticate", () => {
  test("distribution's bearer challenge with a multi-scope, escaped quoted string", () => {
    const h =
      'Bearer realm="http://127.0.0.1:5056/token",service="test-registry",scope="repository:a/b:pull repository:c:pull,push",error="insufficient_scope"';
    expect(parseChallenges(h)).toEqual([
      {
        scheme: "bearer",
        params: {
          realm: "http://127.0.0.1:5056/token",
          service: "test-registry",
          scope: "repository:a/b:pull repository:c:pull,push",
          error: "insufficient_scope",
        },
      },
    ]);
    expect(parseChallenges('Basic realm="a \\"quoted\\" realm", charset=UTF-8')).toEqual([
      { scheme: "basic", params: { realm: 'a "quoted" realm', charset: "UTF-8" } },
    ]);
  });

  test("several challenges in one header", () => {
    const got = parseChallenges('Basic realm="r", Bearer realm="https://auth/token", service=svc');
    expect(got.map((c) => c.scheme)).toEqual(["basic", "bearer"]);
    expect(got[1].params).toEqual({ realm: "https://auth/token", service: "svc" });
  });

  test("arbitrary strings never throw", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        parseChallenges(s);
      }),
    );
    expect(parseChallenges(null)).toEqual([]);
  });
});

describe("Link pagination", () => {
  test("rel=next targets, quoted or not, among other links", () => {
    expect(nextLink('</v2/_catalog?last=b&n=1>; rel="next"')).toBe("/v2/_catalog?last=b&n=1");
    expect(nextLink('<https://x/prev>; rel="prev", <https://x/v2/t?last=9>; rel=next')).toBe("https://x/v2/t?last=9");
    expect(nextLink('</a>; rel="prev"')).toBeUndefined();
    expect(nextLink(null)).toBeUndefined();
    fc.assert(
      fc.property(fc.string(), (s) => {
        nextLink(s);
      }),
    );
  });
});

describe("credential-free URLs", () => {
  test("user:password and signed-URL secrets are removed", () => {
    expect(redactUrl("https://u:p@reg.example/v2/a/blobs/sha256:1")).toBe("https://reg.example/v2/a/blobs/sha256:1");
    expect(redactUrl("https://s3.example/b?X-Amz-Signature=abc&X-Amz-Credential=k&partNumber=1")).toBe(
      "https://s3.example/b?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&partNumber=1",
    );
  });
});

describe("retry policy", () => {
  test("which statuses are retried", () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 501, 505].some(isRetryableStatus)).toBe(false);
  });

  test("backoff doubles within [half, full] and is capped; Retry-After wins, capped", () => {
    const p = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), (attempt) => {
        const full = Math.min(100 * 2 ** (attempt - 1), 1000);
        const d = retryDelay(p, attempt);
        return d >= full / 2 && d <= full;
      }),
    );
    expect(retryDelay(p, 1, "0")).toBe(0);
    expect(retryDelay(p, 1, "7")).toBe(1000);
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(50_000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(() => retryPolicy({ attempts: 0 })).toThrow(RangeError);
  });
});

describe("registry names", () => {
  test("docker.io goes to registry-1.docker.io over https; loopback defaults to http", () => {
    expect(registryOrigin("docker.io").href).toBe("https://registry-1.docker.io/");
    expect(registryOrigin("ghcr.io").href).toBe("https://ghcr.io/");
    expect(registryOrigin("127.0.0.1:5000").href).toBe("http://127.0.0.1:5000/");
    expect(registryOrigin("localhost:5000", "https").href).toBe("https://localhost:5000/");
  });

  test("digest forms are checked without the wasm core", () => {
    expect(() => checkDigestString("sha256:" + "a".repeat(64))).not.toThrow();
    for (const [bad, reason] of [
      ["", "empty"],
      ["sha256", "format"],
      ["md5:00", "algorithm"],
      ["sha256:abc", "length"],
      ["sha256:" + "A".repeat(64), "hex"],
    ]) {
      expect(() => checkDigestString(bad)).toThrow(expect.objectContaining({ code: "INVALID_DIGEST", reason }));
    }
  });
});

describe("Docker config.json", () => {
  test("auths keys in every form Docker writes match the registry host", () => {
    expect(normalizeHost("https://index.docker.io/v1/")).toBe("docker.io");
    expect(normalizeHost("http://Reg.Example:5000/v2/")).toBe("reg.example:5000");
    expect(normalizeHost("ghcr.io")).toBe("ghcr.io");
  });

  test("entry kinds: auth, username/password, identitytoken, registrytoken; a broken auth is an error", async () => {
    const auths = {
      "https://index.docker.io/v1/": { auth: Buffer.from("me:pa:ss").toString("base64") },
      "a.example": { username: "u", password: "p" },
      "b.example": { identitytoken: "refresh" },
      "c.example": { registrytoken: "bearer" },
      "d.example": { auth: Buffer.from("nocolon").toString("base64") },
    };
    expect(await credentialsFor({ auths }, "docker.io")).toEqual({ username: "me", password: "pa:ss" });
    expect(await credentialsFor({ auths }, "a.example")).toEqual({ username: "u", password: "p" });
    expect(await credentialsFor({ auths }, "b.example")).toEqual({ identityToken: "refresh" });
    expect(await credentialsFor({ auths }, "c.example")).toEqual({ registryToken: "bearer" });
    expect(await credentialsFor({ auths }, "e.example")).toBeUndefined();
    await expect(credentialsFor({ auths }, "d.example")).rejects.toMatchObject({ code: "DOCKER_CONFIG" });
  });
});
