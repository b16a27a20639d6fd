// Authentication against real docker-registry instances: htpasswd Basic auth, and bearer
// tokens from an in-process token server that the registry verifies (auth: token). Images are
// pushed by skopeo through the same auth; skopeo's reading of them is the expected answer.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdtempSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { RegistryError } from "../../src/errors.js";
import { RegistryClient } from "../../src/sources/registry.js";
import { openRegistrySource } from "../../src/node/registry.js";
import { resolveImage } from "../../src/sources/image.js";
import "../../src/node.js"; // the Node entry registers how this process loads the core
import { dockerConfigCredentials } from "../../src/node/docker-config.js";
import { canRun, FIXTURES } from "./harness/tools.js";
import { type RunningRegistry, startRegistry } from "./harness/registry.js";
import { TokenIssuer } from "./harness/token-issuer.js";
import { FaultProxy } from "./harness/fault-proxy.js";
import { sha256, skopeoCopy, skopeoInspect } from "./harness/push.js";
import { text } from "./harness/read.js";

const run = canRun("registry (auth)");
const latest = `oci:${path.join(FIXTURES, "layout")}:latest`;
const fast = { attempts: 2, baseDelayMs: 1 };
const fast4 = { attempts: 4, baseDelayMs: 1 };

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), "layerlens-auth-"));
}

describe.runIf(run)("registry client, htpasswd Basic auth", () => {
  let reg: RunningRegistry;
  let raw: string;

  beforeAll(async () => {
    reg = await startRegistry({ auth: { mode: "basic", users: { alice: "wonderland", bob: "p:ss wörd" } } });
    await skopeoCopy(latest, `${reg.host}/private/demo:latest`, { creds: "alice:wonderland" });
    raw = await skopeoInspect(`${reg.host}/private/demo:latest`, "raw", "alice:wonderland");
  });
  afterAll(async () => {
    await reg?.stop();
  });

  test("ping reports the Basic challenge; anonymous pulls are refused with the registry's diagnostics", async () => {
    const client = new RegistryClient({ registry: reg.host, retry: fast });
    expect(await client.ping()).toMatchObject({ status: 401, authScheme: "basic" });
    const err = await client.manifest("private/demo", "latest").catch((e) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({ status: 401, retryable: false, diagnostics: [{ code: "UNAUTHORIZED" }] });
  });

  test("right credentials pull what skopeo pulls, sending Basic up front once the scheme is learnt", async () => {
    const client = new RegistryClient({ registry: reg.host, credentials: { username: "alice", password: "wonderland" } });
    const first = await client.manifest("private/demo", "latest");
    expect(text(first.bytes)).toBe(raw);
    expect(client.transport.requests).toBe(2); // the 401 that taught us, then the answer
    const config = await client.blob("private/demo", JSON.parse(raw).config);
    expect(JSON.parse(text(config))).toEqual(
      JSON.parse(await skopeoInspect(`${reg.host}/private/demo:latest`, "config", "alice:wonderland")),
    );
    expect(client.transport.requests).toBe(3); // no second challenge
  });

  test("a password with ':' and non-ASCII characters works (UTF-8 in Basic)", async () => {
    const client = new RegistryClient({ registry: reg.host, credentials: { username: "bob", password: "p:ss wörd" } });
    expect((await client.manifest("private/demo", "latest")).descriptor.digest).toBe(sha256(raw));
  });

  test("a wrong password fails with 401 after one retry, no loop", async () => {
    const client = new RegistryClient({ registry: reg.host, credentials: { username: "alice", password: "nope" }, retry: fast });
    await expect(client.manifest("private/demo", "latest")).rejects.toMatchObject({ status: 401 });
    expect(client.transport.requests).toBe(2);
  });

  test("credentials from Docker's config.json: auth (base64) and username/password, matched by host forms", async () => {
    const dir = tempDir();
    const auth = Buffer.from("alice:wonderland").toString("base64");
    for (const [key, entry] of [
      [reg.host, { auth }],
      [`http://${reg.host}/v2/`, { username: "alice", password: "wonderland" }],
    ] as const) {
      writeFileSync(path.join(dir, "config.json"), JSON.stringify({ auths: { "other.example": { auth: "eDp5" }, [key]: entry } }));
      const client = new RegistryClient({ registry: reg.host, credentials: dockerConfigCredentials({ env: { DOCKER_CONFIG: dir } }) });
      expect(text((await client.manifest("private/demo", "latest")).bytes)).toBe(raw);
    }
    // No entry for this host: anonymous, hence 401.
    writeFileSync(path.join(dir, "config.json"), JSON.stringify({ auths: { "other.example": { auth } } }));
    const none = new RegistryClient({
      registry: reg.host,
      credentials: dockerConfigCredentials({ path: path.join(dir, "config.json") }),
      retry: fast,
    });
    await expect(none.manifest("private/demo", "latest")).rejects.toMatchObject({ status: 401 });
  });

  test("docker://REF as open.ts opens it: openRegistrySource reads $DOCKER_CONFIG/config.json in Node", async () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, "config.json"),
      JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from("alice:wonderland").toString("base64") } } }),
    );
    const saved = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = dir;
    try {
      const source = await openRegistrySource(`${reg.host}/private/demo:latest`);
      expect((await source.root()).digest).toBe(sha256(raw));
      const image = await resolveImage(source);
      expect(image.config).toEqual(JSON.parse(await skopeoInspect(`${reg.host}/private/demo:latest`, "config", "alice:wonderland")));
    } finally {
      if (saved === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = saved;
    }
  });

  test("credentials from a Docker credential helper (a real process speaking the helper protocol)", async () => {
    const dir = tempDir();
    const helper = path.join(dir, "docker-credential-layerlens-test");
    // Answers for our registry only, like a real helper keyed by server URL.
    writeFileSync(
      helper,
      `#!/bin/sh\nread server\nif [ "$server" = "${reg.host}" ]; then\n  printf '{"ServerURL":"%s","Username":"alice","Secret":"wonderland"}' "$server"\nelse\n  echo "credentials not found in native keychain"; exit 1\nfi\n`,
    );
    chmodSync(helper, 0o755);
    writeFileSync(path.join(dir, "config.json"), JSON.stringify({ credHelpers: { [reg.host]: "layerlens-test" } }));
    const env = { DOCKER_CONFIG: dir, PATH: `${dir}:${process.env.PATH}` };
    const client = new RegistryClient({ registry: reg.host, credentials: dockerConfigCredentials({ env }) });
    expect(text((await client.manifest("private/demo", "latest")).bytes)).toBe(raw);
  });
});

describe.runIf(run)("registry client, bearer tokens (distribution auth: token)", () => {
  let reg: RunningRegistry;
  let issuer: TokenIssuer;
  let raw: string;
  const alice = { username: "alice", password: "wonderland" };

  beforeAll(async () => {
    issuer = new TokenIssuer({
      users: { alice: "wonderland" },
      refreshTokens: { "refresh-abc": "alice" },
      // alice may do anything asked; anonymous users may only pull public/*.
      grant: (user, scope) => (user === "alice" ? scope.actions : scope.name.startsWith("public/") ? ["pull"] : []),
    });
    await issuer.start();
    reg = await startRegistry({ auth: { mode: "token", issuer } });
    await skopeoCopy(latest, `${reg.host}/private/demo:latest`, { creds: "alice:wonderland" });
    await skopeoCopy(latest, `${reg.host}/public/demo:latest`, { creds: "alice:wonderland" });
    raw = await skopeoInspect(`${reg.host}/private/demo:latest`, "raw", "alice:wonderland");
  });
  afterAll(async () => {
    await reg?.stop();
    await issuer?.stop();
  });

  test("ping reports the Bearer challenge", async () => {
    expect(await new RegistryClient({ registry: reg.host }).ping()).toMatchObject({ status: 401, authScheme: "bearer" });
  });

  test("a token for the repository's pull scope is fetched once and reused from the cache", async () => {
    issuer.requests.length = 0;
    const client = new RegistryClient({ registry: reg.host, credentials: alice });
    const manifest = await client.manifest("private/demo", "latest");
    expect(text(manifest.bytes)).toBe(raw);
    const parsed = JSON.parse(raw);
    await client.blob("private/demo", parsed.config);
    await client.blob("private/demo", parsed.layers[0]);
    await client.headManifest("private/demo", "latest");
    expect(issuer.requests).toEqual([{ method: "GET", user: "alice", scopes: ["repository:private/demo:pull"], service: "test-registry" }]);
    expect(client.auth.tokenRequests).toBe(1);
  });

  test("anonymous tokens: public repositories pull, private ones end in 401 insufficient_scope without looping", async () => {
    issuer.requests.length = 0;
    const client = new RegistryClient({ registry: reg.host, retry: fast });
    expect((await client.manifest("public/demo", "latest")).descriptor.digest).toBe(sha256(raw));
    const err = await client.manifest("private/demo", "latest").catch((e) => e);
    expect(err).toMatchObject({ code: "REGISTRY", status: 401, diagnostics: [{ code: "UNAUTHORIZED" }] });
    expect(issuer.requests.every((r) => r.user === undefined)).toBe(true);
    // public: one token; private: one token, refused for insufficient scope, not asked for again.
    expect(issuer.requests.map((r) => r.scopes)).toEqual([["repository:public/demo:pull"], ["repository:private/demo:pull"]]);
  });

  test("a wrong password is refused by the token server, reported with its URL", async () => {
    const client = new RegistryClient({ registry: reg.host, credentials: { username: "alice", password: "nope" } });
    const err = await client.manifest("private/demo", "latest").catch((e) => e);
    expect(err).toMatchObject({ status: 401 });
    expect(err.url).toContain(issuer.realm);
    expect(err.url).not.toContain("nope");
  });

  test("an expired cache entry is renewed: the clock passes expires_in and a new token is fetched", async () => {
    let clock = Date.now();
    const client = new RegistryClient({ registry: reg.host, credentials: alice, now: () => clock });
    await client.manifest("private/demo", "latest");
    await client.manifest("private/demo", "latest");
    expect(client.auth.tokenRequests).toBe(1);
    clock += issuer.expiresIn * 1000; // past expiry (minus the early-renewal margin)
    await client.manifest("private/demo", "latest");
    expect(client.auth.tokenRequests).toBe(2);
  });

  test("a token the registry refuses (expired in flight) is dropped and fetched once more", async () => {
    issuer.expireNext = 1;
    const client = new RegistryClient({ registry: reg.host, credentials: alice });
    expect(text((await client.manifest("private/demo", "latest")).bytes)).toBe(raw);
    expect(client.auth.tokenRequests).toBe(2);
  });

  test("an OAuth2 refresh token (identitytoken) is exchanged with a POST", async () => {
    issuer.requests.length = 0;
    const client = new RegistryClient({ registry: reg.host, credentials: { identityToken: "refresh-abc" } });
    expect(text((await client.manifest("private/demo", "latest")).bytes)).toBe(raw);
    expect(issuer.requests).toMatchObject([{ method: "POST", user: "alice", scopes: ["repository:private/demo:pull"] }]);
  });

  test("a ready-made registry token is sent as it is, with no token server round trip", async () => {
    issuer.requests.length = 0;
    const token = issuer.token("alice", [{ type: "repository", name: "private/demo", actions: ["pull"] }]);
    const client = new RegistryClient({ registry: reg.host, credentials: { registryToken: token } });
    expect(text((await client.manifest("private/demo", "latest")).bytes)).toBe(raw);
    expect(issuer.requests).toEqual([]);
    expect(client.transport.requests).toBe(1);
  });

  test("an unreliable token server (503, dropped connection) is retried", async () => {
    const proxy = new FaultProxy(new URL(issuer.realm).origin);
    await proxy.start();
    const behind = await startRegistry({ auth: { mode: "token", issuer, realm: `http://${proxy.host}/token` } });
    try {
      await skopeoCopy(latest, `${behind.host}/private/demo:latest`, { creds: "alice:wonderland" });
      proxy.reset();
      proxy.add({ path: /^\/token/, action: { kind: "status", status: 503 } });
      proxy.add({ path: /^\/token/, action: { kind: "drop-before-answer" } });
      const client = new RegistryClient({ registry: behind.host, credentials: alice, retry: fast4 });
      expect(text((await client.manifest("private/demo", "latest")).bytes)).toBe(raw);
      expect(proxy.seen.map((r) => r.fault)).toEqual(["status", "drop-before-answer", undefined]);
      proxy.add({ path: /^\/token/, action: { kind: "status", status: 500 }, times: Infinity });
      const fresh = new RegistryClient({ registry: behind.host, credentials: alice, retry: fast4 });
      await expect(fresh.manifest("private/demo", "latest")).rejects.toMatchObject({ code: "REGISTRY", status: 500, retryable: true });
    } finally {
      await behind.stop();
      await proxy.stop();
    }
  });

  test("docker config.json credentials reach the token server", async () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, "config.json"),
      JSON.stringify({ auths: { [`https://${reg.host}`]: { auth: Buffer.from("alice:wonderland").toString("base64") } } }),
    );
    const client = new RegistryClient({ registry: reg.host, credentials: dockerConfigCredentials({ env: { DOCKER_CONFIG: dir } }) });
    expect(text((await client.manifest("private/demo", "latest")).bytes)).toBe(raw);
  });
});
