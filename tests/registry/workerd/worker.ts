// workerd harness for the registry client: a module worker that, for the plan POSTed to it,
// talks to the test's real registries (plain, behind the fault proxy, Basic auth, token auth)
// with the same RegistryClient the Node tests use, and answers with what it read. The test
// compares that with skopeo's answers. Nothing here is Node: fetch, Web Streams, the JS sha256.

import { RegistryClient } from "../../../src/sources/registry/client.js";
import { bytesOf, codeOf, sha256Hex as hex, text } from "../harness/web-read.js";
import type { Credentials } from "../../../src/sources/registry/auth.js";

export interface WorkerPlan {
  repo: string;
  tag: string;
  anonymous: string;
  proxy: string;
  basic: { host: string; username: string; password: string };
  token: { host: string; username: string; password: string };
}

async function run(plan: WorkerPlan): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const fast = { attempts: 4, baseDelayMs: 1 };

  const anon = new RegistryClient({ registry: plan.anonymous, retry: fast });
  const ping = await anon.ping();
  const manifest = await anon.manifest(plan.repo, plan.tag);
  const parsed = JSON.parse(text(manifest.bytes));
  const config = await anon.blob(plan.repo, parsed.config);
  const layer = parsed.layers[0];
  const range = await bytesOf(await anon.openBlob(plan.repo, layer, { start: 100, end: 300 }));
  out.anonymous = {
    ping,
    descriptor: manifest.descriptor,
    manifest: text(manifest.bytes),
    config: text(config),
    tags: await anon.tags(plan.repo),
    catalog: await anon.catalog({ pageSize: 1 }),
    rangeSha256: await hex(range),
    rangeLength: range.length,
  };

  // The proxy drops the first layer download half-way (the test set the fault up).
  const viaProxy = new RegistryClient({ registry: plan.proxy, retry: fast });
  const resumedBytes = await viaProxy.blob(plan.repo, layer);
  out.resumed = { sha256: `sha256:${await hex(resumedBytes)}`, resumes: viaProxy.resumes };
  // ... and then corrupts every read of the config.
  out.corrupted = await codeOf(viaProxy.blob(plan.repo, parsed.config));

  for (const kind of ["basic", "token"] as const) {
    const { host, username, password } = plan[kind];
    const credentials: Credentials = { username, password };
    const client = new RegistryClient({ registry: host, credentials });
    const m = await client.manifest(plan.repo, plan.tag);
    await client.blob(plan.repo, JSON.parse(text(m.bytes)).config);
    out[kind] = { digest: m.descriptor.digest, tokenRequests: client.auth.tokenRequests, requests: client.transport.requests };
  }
  return out;
}

export default {
  async fetch(request: Request): Promise<Response> {
    try {
      return Response.json(await run((await request.json()) as WorkerPlan));
    } catch (e) {
      const err = e as Error & { code?: string };
      return Response.json({ error: `${err.name} ${err.code ?? ""}: ${err.message}` }, { status: 500 });
    }
  },
};
