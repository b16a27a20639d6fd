// The built site on 127.0.0.1 (a free port) for the web suites, served by the same static
// file code `layerlens serve` uses (src/edge/node-host.ts), with the Content-Types a browser
// insists on: application/wasm for the core, so compileStreaming is the path taken.

import { serveNode, staticAssets } from "../../src/edge/node-host.js";

export interface Served {
  origin: string;
  close(): Promise<void>;
}

export async function serveDir(dir: string): Promise<Served> {
  const assets = staticAssets(dir);
  const served = await serveNode(async (req) => (await assets(req)) ?? new Response("not found", { status: 404 }), { port: 0 });
  return { origin: served.url.replace(/\/$/, ""), close: () => served.close() };
}
