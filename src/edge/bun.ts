// The service under Bun: `bun src/edge/bun.ts` serves on LAYERLENS_HOST:LAYERLENS_PORT
// (default 127.0.0.1:8080) with Bun.serve. Names are resolved with node:dns, which Bun has,
// for the policy's private-address check.

import { lookup } from "node:dns/promises";
import { init } from "../bun.js";
import { createHandler } from "./handler.js";
import { optionsFromEnv } from "./config.js";

declare const Bun: {
  env: Record<string, string | undefined>;
  serve(options: { port: number; hostname: string; fetch(req: Request): Promise<Response> }): { port: number; hostname: string };
};

async function resolveAll(hostname: string): Promise<string[]> {
  return (await lookup(hostname, { all: true })).map((a) => a.address);
}

await init();
const handler = createHandler(optionsFromEnv(Bun.env, resolveAll));
const server = Bun.serve({ port: Number(Bun.env.LAYERLENS_PORT ?? 8080), hostname: Bun.env.LAYERLENS_HOST ?? "127.0.0.1", fetch: handler });
console.log(`layerlens serve (bun): listening on http://${server.hostname}:${server.port}/`);
