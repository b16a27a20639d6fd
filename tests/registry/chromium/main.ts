// Chromium harness page for the registry client: reads its plan from the query string
// (?plan=JSON: the test's registries), talks to them cross-origin with the same RegistryClient
// the Node tests use, and leaves what it read on window.__registryReport. In a browser,
// redirect:"manual" yields an opaque answer, so blob redirects take the client's browser path.

import { RegistryClient } from "../../../src/sources/registry/client.js";
import { bytesOf, codeOf, sha256Hex as hex, text } from "../harness/web-read.js";

interface Plan {
  repo: string;
  tag: string;
  anonymous: string;
  proxy: string;
  redirecting: string;
}

declare global {
  interface Window {
    __registryReport?: Record<string, unknown>;
  }
}

async function run(plan: Plan): Promise<Record<string, unknown>> {
  const fast = { attempts: 4, baseDelayMs: 1 };
  const out: Record<string, unknown> = { userAgent: navigator.userAgent };

  const anon = new RegistryClient({ registry: plan.anonymous, retry: fast });
  const manifest = await anon.manifest(plan.repo, plan.tag);
  const parsed = JSON.parse(text(manifest.bytes));
  const layer = parsed.layers[0];
  const range = await bytesOf(await anon.openBlob(plan.repo, layer, { start: 100, end: 300 }));
  out.anonymous = {
    ping: await anon.ping(),
    descriptor: manifest.descriptor,
    manifest: text(manifest.bytes),
    config: text(await anon.blob(plan.repo, parsed.config)),
    tags: await anon.tags(plan.repo),
    catalog: await anon.catalog({ pageSize: 1 }),
    rangeSha256: await hex(range),
    rangeLength: range.length,
    missing: await anon.manifest(plan.repo, "nope").catch((e) => ({ code: e.code, status: e.status, diagnostics: e.diagnostics })),
  };

  // The test set the proxy to answer 503 once, drop the layer half-way once, corrupt the config always.
  const viaProxy = new RegistryClient({ registry: plan.proxy, retry: fast });
  const again = await viaProxy.manifest(plan.repo, plan.tag);
  const resumed = await viaProxy.blob(plan.repo, layer);
  out.proxy = {
    manifestDigest: again.descriptor.digest,
    layerSha256: `sha256:${await hex(resumed)}`,
    resumes: viaProxy.resumes,
    corrupted: await codeOf(viaProxy.blob(plan.repo, parsed.config)),
  };

  const redirecting = new RegistryClient({ registry: plan.redirecting, retry: fast });
  const viaRedirect = await redirecting.blob(plan.repo, layer);
  out.redirect = { layerSha256: `sha256:${await hex(viaRedirect)}`, requests: redirecting.transport.requests };
  return out;
}

const plan = JSON.parse(new URLSearchParams(location.search).get("plan") ?? "{}") as Plan;
run(plan).then(
  (report) => {
    window.__registryReport = report;
  },
  (e) => {
    window.__registryReport = { error: `${(e as Error).name} ${(e as { code?: string }).code ?? ""}: ${(e as Error).message}` };
  },
);
