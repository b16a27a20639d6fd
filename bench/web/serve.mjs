// The built inspector on 127.0.0.1 (a free port), served by the measured build's own static file
// code (dist/edge/node-host.js, what `layerlens serve` uses): application/wasm for the core, so
// the page compiles it while it streams in.

import path from "node:path";
import { pathToFileURL } from "node:url";

/** Serve `dir` with the build next to `distEntry` (dist/node.js); resolves to { origin, close() }. */
export async function serveSite(dir, distEntry) {
  const { serveNode, staticAssets } = await import(pathToFileURL(path.join(path.dirname(distEntry), "edge", "node-host.js")).href);
  const assets = staticAssets(dir);
  const served = await serveNode(async (req) => (await assets(req)) ?? new Response("not found", { status: 404 }), { port: 0 });
  return { origin: served.url.replace(/\/$/, ""), close: () => served.close() };
}
