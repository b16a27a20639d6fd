// The service as a Cloudflare Worker / workerd module: `export default { fetch }`. The core
// arrives compiled through src/worker.ts's static .wasm import (workerd cannot compile wasm at
// run time). Settings come from the Worker's environment (config.ts); workerd has no DNS API,
// so names are not resolved here: the platform's own egress rules (a workerd network service
// with allow = ["public"], which Cloudflare applies anyway) keep private addresses out of reach.
// Deploy: src/edge/deploy/wrangler.toml; run locally: src/edge/deploy/workerd.capnp.

import "../worker.js";
import { type FetchHandler, createHandler } from "./handler.js";
import { optionsFromEnv } from "./config.js";

let handler: FetchHandler | undefined;

export default {
  fetch(request: Request, env: Record<string, unknown> = {}): Promise<Response> {
    handler ??= createHandler(optionsFromEnv(env));
    return handler(request);
  },
};
