// The service (src/edge/) in each of its hosts (Node's `layerlens serve`, workerd, Deno, Bun)
// against real docker-registry instances on 127.0.0.1: one anonymous (behind a recording proxy,
// so upstream requests can be counted), one with token auth. The CLI's `inspect --json` and
// skopeo are the expected answers. Then the policy: registries off the allowlist, redirects to
// refused addresses and names that resolve to loopback are refused, and nothing is contacted.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { lookup } from "node:dns/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { main } from "../../src/cli/main.js";
import "../../src/node.js";
import { skopeoCopy, skopeoInspect, sha256 } from "../registry/harness/push.js";
import { type RunningRegistry, startRegistry } from "../registry/harness/registry.js";
import { FaultProxy } from "../registry/harness/fault-proxy.js";
import { TokenIssuer } from "../registry/harness/token-issuer.js";
import { FIXTURES, canRun, freePort } from "../registry/harness/tools.js";
import { CLI } from "../cli/helpers.js";
import { cleanup } from "../runtimes/helpers/processes.js";
import { HOSTS, type HostKind, type RunningService, hostUnavailable, startService } from "./hosts.js";

const run = canRun("serve");
const CI = process.env.CI === "true";
const BASIC = `Basic ${Buffer.from("alice:wonderland").toString("base64")}`;

async function cliJson(...argv: string[]): Promise<unknown> {
  let out = "";
  let err = "";
  const code = await main(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
  if (code !== 0) throw new Error(`layerlens ${argv.join(" ")} exited ${code}: ${err}`);
  return JSON.parse(out);
}

/** A server on 127.0.0.1 that answers every request with a redirect to `target(path)`, and one that records visits. */
function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; host: string }> {
  const server = createServer(handler);
  return new Promise((ok) =>
    server.listen(0, "127.0.0.1", () => ok({ server, host: `127.0.0.1:${(server.address() as { port: number }).port}` })),
  );
}

/** A DNS name (not an IP literal) that resolves to a loopback address here. */
async function loopbackName(): Promise<string> {
  try {
    const found = await lookup(hostname(), { all: true });
    if (found.length && found.every((a) => a.address.startsWith("127.") || a.address === "::1")) return hostname();
  } catch {
    /* fall back */
  }
  return "localhost";
}

/**
 * Which hosts keep blobs between requests: Node in the CLI's directory store, Deno in its Cache
 * API; workerd disables the Cache API without a cache service in its config, and Bun has none.
 */
const HAS_BLOB_STORE: Record<HostKind, boolean> = { node: true, deno: true, workerd: false, bun: false };

describe.runIf(run)("layerlens serve against real registries", () => {
  let plain: RunningRegistry;
  let proxy: FaultProxy;
  let token: RunningRegistry;
  let issuer: TokenIssuer;
  let redirector: { server: Server; host: string };
  let bystander: { server: Server; host: string };
  let bystanderVisits = 0;
  let redirectTo = "";
  let raw: string;
  let manifest: { config: { digest: string }; layers: { digest: string; size: number }[] };
  const stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    plain = await startRegistry();
    stops.push(() => plain.stop());
    // Anonymous callers get no rights: what the service reads there it reads with the caller's credentials.
    issuer = new TokenIssuer({ users: { alice: "wonderland" }, grant: (user, a) => (user ? a.actions : []) });
    await issuer.start();
    stops.push(() => issuer.stop());
    token = await startRegistry({ auth: { mode: "token", issuer } });
    stops.push(() => token.stop());
    const latest = `oci:${path.join(FIXTURES, "layout")}:latest`;
    await skopeoCopy(latest, `${plain.host}/fixtures/demo:latest`);
    await skopeoCopy(latest, `${token.host}/fixtures/demo:latest`, { creds: "alice:wonderland" });
    proxy = new FaultProxy(plain.url);
    await proxy.start();
    stops.push(() => proxy.stop());
    raw = await skopeoInspect(`${plain.host}/fixtures/demo:latest`, "raw");
    manifest = JSON.parse(raw);
    bystander = await listen((_req, res) => {
      bystanderVisits++;
      res.end("{}");
    });
    redirector = await listen((_req, res) => {
      res.writeHead(302, { Location: redirectTo }).end();
    });
    stops.push(
      () => new Promise((r) => bystander.server.close(() => r())),
      () => new Promise((r) => redirector.server.close(() => r())),
    );
  });
  afterAll(async () => {
    cleanup();
    for (const stop of stops.reverse()) await stop();
  });

  test("Node's host serves the web inspector's files and nothing outside their folder", async () => {
    const web = mkdtempSync(path.join(tmpdir(), "layerlens-serve-web-"));
    stops.push(async () => rmSync(web, { recursive: true, force: true }));
    writeFileSync(path.join(web, "index.html"), "<!doctype html><title>inspector</title>");
    writeFileSync(path.join(web, "core.wasm"), Buffer.from([0, 0x61, 0x73, 0x6d]));
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, "serve", "--port", String(port), "--web", web], { stdio: ["ignore", "pipe", "pipe"] });
    stops.push(async () => void child.kill("SIGTERM"));
    await new Promise<void>((ok) => child.stdout.on("data", (d: Buffer) => d.toString().includes("listening") && ok()));
    const base = `http://127.0.0.1:${port}`;
    const index = await fetch(`${base}/`);
    expect(index.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(await index.text()).toContain("inspector");
    expect((await fetch(`${base}/core.wasm`)).headers.get("Content-Type")).toBe("application/wasm");
    for (const escape of ["/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd", "/%00"]) {
      const res = await fetch(`${base}${escape}`);
      expect({ escape, status: res.status }).toEqual({ escape, status: 404 });
    }
  });

  describe.each(HOSTS)("in %s", (kind: HostKind) => {
    const why = hostUnavailable(kind);
    if (why && CI) throw new Error(`serve in ${kind}: ${why}; CI must run this`);
    let svc: RunningService;
    const api = (route: string, params: Record<string, string>, init?: RequestInit) =>
      fetch(new URL(`/api/${route}?${new URLSearchParams(params)}`, svc.url), init);

    beforeAll(async () => {
      if (why) return;
      const issuerHost = new URL(issuer.realm).host;
      svc = await startService(kind, { allow: [proxy.host, plain.host, token.host, redirector.host], allowPrivate: [issuerHost] });
    }, 120_000);

    test.skipIf(!!why)("/api/inspect equals `inspect --json`; asked again it makes no upstream request", async () => {
      const ref = `${proxy.host}/fixtures/demo:latest`;
      const expected = await cliJson("inspect", `docker://${ref}`, "--json");
      proxy.seen.length = 0;
      const first = await api("inspect", { ref });
      expect(first.status, await first.clone().text()).toBe(200);
      expect(await first.json()).toEqual(expected);
      expect(proxy.seen.length).toBeGreaterThan(0);
      const before = proxy.seen.length;
      const again = await api("inspect", { ref });
      expect(again.headers.get("X-Layerlens-Cache")).toBe("hit");
      expect(await again.json()).toEqual(expected);
      expect(proxy.seen.length).toBe(before);
    });

    test.skipIf(!!why)(
      "token auth: the caller's credentials go to that registry; without them the registry's 401 comes back typed",
      async () => {
        const ref = `${token.host}/fixtures/demo:latest`;
        const res = await api("inspect", { ref, quick: "1" }, { headers: { Authorization: BASIC } });
        expect(res.status, await res.clone().text()).toBe(200);
        expect(((await res.json()) as { digest: string }).digest).toBe(sha256(raw));
        const denied = await api("inspect", { ref, quick: "1" });
        expect(denied.status).toBe(401);
        expect(((await denied.json()) as { error: { code: string } }).error.code).toBe("REGISTRY");
      },
    );

    test.skipIf(!!why)("/v2/ answers a CORS preflight, passes manifests and blobs through, and forwards Range", async () => {
      const base = `/v2/${plain.host}/fixtures/demo`;
      const pre = await fetch(new URL(`${base}/manifests/latest`, svc.url), {
        method: "OPTIONS",
        headers: {
          Origin: "http://page.test",
          "Access-Control-Request-Method": "GET",
          "Access-Control-Request-Headers": "authorization,range",
        },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get("Access-Control-Allow-Origin")).toBe("*");
      expect(pre.headers.get("Access-Control-Allow-Headers")).toMatch(/Authorization/);
      expect(pre.headers.get("Access-Control-Allow-Headers")).toMatch(/Range/);

      const m = await fetch(new URL(`${base}/manifests/latest`, svc.url), { headers: { Origin: "http://page.test" } });
      expect(m.headers.get("Access-Control-Allow-Origin")).toBe("*");
      expect(m.headers.get("Docker-Content-Digest")).toBe(sha256(raw));
      expect(await m.text()).toBe(raw);

      const layer = manifest.layers[0];
      const whole = new Uint8Array(await (await fetch(new URL(`${base}/blobs/${layer.digest}`, svc.url))).arrayBuffer());
      expect(sha256(whole)).toBe(layer.digest);
      const part = await fetch(new URL(`${base}/blobs/${layer.digest}`, svc.url), { headers: { Range: "bytes=100-299" } });
      expect(part.status).toBe(206);
      expect(part.headers.get("Content-Range")).toBe(`bytes 100-299/${layer.size}`);
      expect(Buffer.from(await part.arrayBuffer())).toEqual(Buffer.from(whole.subarray(100, 300)));

      const authed = await fetch(new URL(`/v2/${token.host}/fixtures/demo/manifests/latest`, svc.url), {
        headers: { Authorization: BASIC },
      });
      expect(await authed.text()).toBe(raw);
    });

    test.skipIf(!!why)("/v2/ a blob corrupted upstream is a broken body, never the whole count of wrong bytes", async () => {
      // Random bytes, larger than the service keeps, so every read goes upstream.
      const bytes = randomBytes(5 << 20);
      const digest = sha256(bytes);
      const start = await fetch(`${plain.url}/v2/fixtures/corrupt/blobs/uploads/`, { method: "POST" });
      await start.arrayBuffer();
      const location = new URL(start.headers.get("Location")!, plain.url);
      location.searchParams.set("digest", digest);
      expect((await fetch(location, { method: "PUT", body: bytes })).status).toBe(201);
      const url = new URL(`/v2/${proxy.host}/fixtures/corrupt/blobs/${digest}`, svc.url);
      proxy.add({ path: new RegExp(`/blobs/${digest}$`), action: { kind: "corrupt-byte", at: bytes.length - 1 } });
      const bad = await fetch(url);
      expect(bad.status).toBe(200);
      await expect(bad.arrayBuffer()).rejects.toThrow();
      expect(proxy.seen.at(-1)?.fault).toBe("corrupt-byte");
      // The fault spent, the same route passes the good blob whole.
      const good = new Uint8Array(await (await fetch(url)).arrayBuffer());
      expect(sha256(good)).toBe(digest);
    });

    test.skipIf(!!why)("/v2/ a blob past the memory store is answered from the host's blob store once verified", async () => {
      // Larger than the memory store keeps, so only a persistent store can answer it again.
      const bytes = randomBytes(6 << 20);
      const digest = sha256(bytes);
      const start = await fetch(`${plain.url}/v2/fixtures/kept-${kind}/blobs/uploads/`, { method: "POST" });
      await start.arrayBuffer();
      const location = new URL(start.headers.get("Location")!, plain.url);
      location.searchParams.set("digest", digest);
      expect((await fetch(location, { method: "PUT", body: bytes })).status).toBe(201);
      const url = new URL(`/v2/${proxy.host}/fixtures/kept-${kind}/blobs/${digest}`, svc.url);
      proxy.seen.length = 0;
      expect(sha256(new Uint8Array(await (await fetch(url)).arrayBuffer()))).toBe(digest);
      const upstream = proxy.seen.length;
      expect(upstream).toBeGreaterThan(0);
      const again = await fetch(url);
      expect(again.headers.get("X-Layerlens-Cache")).toBe(HAS_BLOB_STORE[kind] ? "hit" : null);
      expect(sha256(new Uint8Array(await again.arrayBuffer()))).toBe(digest);
      const part = await fetch(url, { headers: { Range: "bytes=1000000-1999999" } });
      expect(part.status).toBe(206);
      expect(part.headers.get("Content-Range")).toBe(`bytes 1000000-1999999/${bytes.length}`);
      // Digests, not a byte-wise toEqual: that walks a megabyte element by element.
      expect(sha256(new Uint8Array(await part.arrayBuffer()))).toBe(sha256(bytes.subarray(1_000_000, 2_000_000)));
      expect(proxy.seen.length - upstream).toBe(HAS_BLOB_STORE[kind] ? 0 : 2);
    });

    test.skipIf(!!why)("/api/layers, /api/ls, /api/cat, /api/tags answer for the registry image", async () => {
      const ref = `${plain.host}/fixtures/demo:latest`;
      const layers = (await (await api("layers", { ref })).json()) as { layers: unknown[] };
      expect(layers.layers).toHaveLength(manifest.layers.length);
      const ls = (await (await api("ls", { ref, path: "" })).json()) as { path: string }[];
      const expected = (await cliJson("ls", `docker://${ref}`, "--json")) as { path: string }[];
      expect(ls.map((s) => s.path)).toEqual(expected.map((s) => s.path));
      const file = expected.find((s) => (s as { type?: string }).type === "file");
      if (file) {
        const body = await (await api("cat", { ref, path: file.path })).arrayBuffer();
        let out = "";
        await main(["cat", `docker://${ref}`, file.path], { stdout: (t) => void (out += t), stderr: () => undefined });
        expect(Buffer.from(body).toString("utf8")).toBe(out);
      }
      const tags = (await (await api("tags", { repo: `${plain.host}/fixtures/demo` })).json()) as { tags: string[] };
      expect(tags.tags).toEqual(["latest"]);
    });

    test.skipIf(!!why)(
      "the policy: registries off the allowlist, redirects to refused addresses, names resolving to loopback",
      async () => {
        const off = await api("inspect", { ref: `${bystander.host}/x:latest` });
        expect(off.status).toBe(403);
        expect(((await off.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");

        // workerd has no DNS API: there only "localhost" is refused by name, and other names are
        // the platform's egress rules' business (Cloudflare refuses private ranges itself).
        const name = kind === "workerd" ? "localhost" : await loopbackName();
        const port = bystander.host.split(":")[1];
        for (const target of [
          `http://${bystander.host}/v2/x/manifests/latest`,
          `http://${name}:${port}/v2/x`,
          "http://169.254.169.254/latest/meta-data/",
        ]) {
          redirectTo = target;
          const res = await fetch(new URL(`/v2/${redirector.host}/x/manifests/latest`, svc.url));
          const body = (await res.json()) as { error: { code: string; message: string } };
          expect({ target, status: res.status, code: body.error.code }).toEqual({ target, status: 403, code: "FORBIDDEN" });
        }
        expect(bystanderVisits).toBe(0);
      },
    );
  });
});
