// The service as a Cloudflare Worker / workerd module: `export default { fetch }`. workerd
// cannot compile wasm at run time, so the core arrives compiled, through the static .wasm
// import below (a wasm module in the workerd config; wrangler's CompiledWasm rule), and is
// handed to init(). Settings come from the Worker's environment (config.ts). workerd has no
// DNS API, so names are not resolved here: the platform's own egress rules (a workerd network
// service with allow = ["public"], which Cloudflare applies anyway) keep private ranges out.
// Deploy: src/edge/deploy/wrangler.toml; run locally: src/edge/deploy/workerd.capnp.

import releaseWasm from "../../build/release.wasm";
import { init } from "../worker.js";
import { type FetchHandler, createHandler } from "./handler.js";
import { optionsFromEnv } from "./config.js";

let handler: Promise<FetchHandler> | undefined;

export default {
  async fetch(request: Request, env: Record<string, unknown> = {}): Promise<Response> {
    handler ??= init({ module: releaseWasm }).then(() => createHandler(optionsFromEnv(env)));
    return (await handler)(request);
  },
};
