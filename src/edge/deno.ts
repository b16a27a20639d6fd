// The service under Deno: `deno serve --allow-net --allow-read --allow-env src/edge/deno.ts`
// (`export default { fetch }` is what `deno serve` runs). Names are resolved with node:dns (the
// system resolver, /etc/hosts included, which Deno.resolveDns skips) for the policy's check.

import { lookup } from "node:dns/promises";
import { init } from "../deno.js";
import { createHandler } from "./handler.js";
import { optionsFromEnv } from "./config.js";

declare const Deno: { env: { toObject(): Record<string, string> } };

async function resolveAll(hostname: string): Promise<string[]> {
  return (await lookup(hostname, { all: true })).map((a) => a.address);
}

await init();
const handler = createHandler(optionsFromEnv(Deno.env.toObject(), resolveAll));

export default { fetch: (request: Request): Promise<Response> => handler(request) };
