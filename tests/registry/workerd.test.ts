// The registry client inside workerd (Cloudflare's runtime), against the same real registries
// the Node tests use: anonymous, behind the fault proxy (resume, corruption), Basic auth and
// token auth. The worker is bundled with Vite and served by `workerd serve`; its outbound
// fetches may reach loopback only because the config allows "local" addresses.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { bundleModule } from "../runtimes/helpers/bundle.js";
import { canRun, FIXTURES, REPO_ROOT, freePort } from "./harness/tools.js";
import { type RunningRegistry, startRegistry } from "./harness/registry.js";
import { TokenIssuer } from "./harness/token-issuer.js";
import { FaultProxy } from "./harness/fault-proxy.js";
import { sha256, skopeoCopy, skopeoInspect } from "./harness/push.js";
import type { WorkerPlan } from "./workerd/worker.js";

const workerd = path.join(REPO_ROOT, "node_modules/.bin/workerd");
const run = canRun("registry (workerd)") && (existsSync(workerd) || fail());

function fail(): false {
  if (process.env.CI === "true") throw new Error(`registry (workerd): ${workerd} is missing; CI must run this`);
  console.warn(`skipping registry (workerd): ${workerd} is missing`);
  return false;
}

function capnp(port: number): string {
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .registryWorker),
    (name = "loopback", network = (allow = ["local", "private", "public"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const registryWorker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "2025-09-01",
  globalOutbound = "loopback",
);
`;
}

describe.runIf(run)("registry client in workerd", () => {
  const stops: Array<() => Promise<void>> = [];
  let plan: WorkerPlan;
  let answer: Record<string, any>;
  let plain: RunningRegistry;
  let proxy: FaultProxy;
  const latest = `oci:${path.join(FIXTURES, "layout")}:latest`;

  beforeAll(async () => {
    plain = await startRegistry();
    stops.push(() => plain.stop());
    const basic = await startRegistry({ auth: { mode: "basic", users: { alice: "wonderland" } } });
    stops.push(() => basic.stop());
    const issuer = new TokenIssuer({ users: { alice: "wonderland" } });
    await issuer.start();
    stops.push(() => issuer.stop());
    const token = await startRegistry({ auth: { mode: "token", issuer } });
    stops.push(() => token.stop());
    for (const [reg, creds] of [
      [plain, undefined],
      [basic, "alice:wonderland"],
      [token, "alice:wonderland"],
    ] as const) {
      await skopeoCopy(latest, `${reg.host}/fixtures/demo:latest`, { creds });
    }
    proxy = new FaultProxy(plain.url);
    await proxy.start();
    stops.push(() => proxy.stop());

    const raw = JSON.parse(await skopeoInspect(`${plain.host}/fixtures/demo:latest`, "raw"));
    proxy.add({ path: new RegExp(`/blobs/${raw.layers[0].digest}$`), action: { kind: "drop-mid-body", holdMs: 300 } });
    proxy.add({ path: new RegExp(`/blobs/${raw.config.digest}$`), action: { kind: "corrupt-byte" }, times: Infinity });

    const dir = mkdtempSync(path.join(tmpdir(), "layerlens-workerd-registry-"));
    stops.push(async () => rmSync(dir, { recursive: true, force: true }));
    await bundleModule(path.join(REPO_ROOT, "tests/registry/workerd/worker.ts"), dir, "worker.js", []);
    const port = await freePort();
    writeFileSync(path.join(dir, "config.capnp"), capnp(port));
    const child: ChildProcess = spawn(workerd, ["serve", path.join(dir, "config.capnp")], { cwd: dir, env: { ...process.env, HOME: dir } });
    let stderr = "";
    child.stderr?.on("data", (d) => (stderr += d));
    stops.push(async () => {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await gone;
      }
    });

    plan = {
      repo: "fixtures/demo",
      tag: "latest",
      anonymous: plain.host,
      proxy: proxy.host,
      basic: { host: basic.host, username: "alice", password: "wonderland" },
      token: { host: token.host, username: "alice", password: "wonderland" },
    };
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`workerd exited ${child.exitCode}:\n${stderr}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: JSON.stringify(plan) });
        answer = await res.json();
        break;
      } catch (e) {
        if (i > 300) throw new Error(`workerd did not answer: ${String(e)}\n${stderr}`, { cause: e });
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    if (answer.error) throw new Error(`the worker failed: ${answer.error}\n${stderr}`);
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  test("manifest, config, tags and catalog equal skopeo's answers", async () => {
    const raw = await skopeoInspect(`${plain.host}/fixtures/demo:latest`, "raw");
    expect(answer.anonymous.ping).toMatchObject({ status: 200, apiVersion: "registry/2.0" });
    expect(answer.anonymous.manifest).toBe(raw);
    expect(answer.anonymous.descriptor).toEqual({
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: sha256(raw),
      size: Buffer.byteLength(raw),
    });
    expect(JSON.parse(answer.anonymous.config)).toEqual(JSON.parse(await skopeoInspect(`${plain.host}/fixtures/demo:latest`, "config")));
    expect(answer.anonymous.tags).toEqual(["latest"]);
    expect(answer.anonymous.catalog).toEqual(["fixtures/demo"]);
  });

  test("a Range read gives the same bytes Node reads", async () => {
    const raw = JSON.parse(await skopeoInspect(`${plain.host}/fixtures/demo:latest`, "raw"));
    const res = await fetch(`${plain.url}/v2/fixtures/demo/blobs/${raw.layers[0].digest}`);
    const whole = new Uint8Array(await res.arrayBuffer());
    expect(answer.anonymous.rangeLength).toBe(200);
    expect(`sha256:${answer.anonymous.rangeSha256}`).toBe(sha256(whole.subarray(100, 300)));
  });

  test("through the fault proxy: a dropped download is resumed and verified; corruption is refused", async () => {
    const raw = JSON.parse(await skopeoInspect(`${plain.host}/fixtures/demo:latest`, "raw"));
    expect(answer.resumed).toEqual({ sha256: raw.layers[0].digest, resumes: 1 });
    expect(answer.corrupted).toBe("DIGEST_MISMATCH");
    expect(proxy.seen.some((r) => r.headers.range?.toString().startsWith(`bytes=${raw.layers[0].size >> 1}-`))).toBe(true);
  });

  test("Basic and bearer-token registries, one token for the whole pull", async () => {
    const raw = await skopeoInspect(`${plain.host}/fixtures/demo:latest`, "raw");
    expect(answer.basic).toMatchObject({ digest: sha256(raw), tokenRequests: 0, requests: 3 });
    expect(answer.token).toMatchObject({ digest: sha256(raw), tokenRequests: 1, requests: 3 });
  });
});
