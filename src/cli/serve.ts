// `layerlens serve [--port N] [--host ADDR] [--allow REGISTRY]... [--allow-private HOST]...
//                  [--insecure-registry HOST]... [--web DIR | --no-web] [--no-cache]`
// Runs the service's fetch handler (src/edge/) in Node: the API, /v2/ for the browser and the
// built web inspector, until SIGINT or SIGTERM. Registries are reached only when on the
// allowlist (the common public ones, plus every --allow); private, loopback and link-local
// addresses only when named: an --allow of such a host allows it, --allow-private allows a
// host that is not a registry (a token service, blob storage on a private network).
// Anonymous reads go through the persistent blob store the CLI uses (an OCI layout under
// $LAYERLENS_CACHE): a blob passed through /v2/ once is answered from the verified local copy
// afterwards, and /api/ mounts of stored layers read no blob. --no-cache leaves it out.

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { UsageError } from "../errors.js";
import { createHandler } from "../edge/handler.js";
import { checkedNodeFetch } from "../edge/node-fetch.js";
import { resolveAll, serveNode, staticAssets } from "../edge/node-host.js";
import { DEFAULT_ALLOWED_REGISTRIES, UpstreamPolicy } from "../edge/policy.js";
import { defaultBlobStore } from "../node/blob-store.js";
import { init } from "../node.js";
import { parseArgs } from "./args.js";
import type { CliIO, Command } from "./command.js";

/** Take every `--name VALUE` / `--name=VALUE` out of argv (options that may repeat). */
function takeRepeated(argv: string[], name: string): { rest: string[]; values: string[] } {
  const rest: string[] = [];
  const values: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === `--${name}`) {
      const v = argv[++i];
      if (!v) throw new UsageError(`serve: --${name} needs a value`);
      values.push(v);
    } else if (a.startsWith(`--${name}=`)) values.push(a.slice(name.length + 3));
    else rest.push(a);
  }
  return { rest, values };
}

const BUILT_WEB = fileURLToPath(new URL("../../web/dist", import.meta.url));

export const command: Command = {
  summary: "Serve the API, a CORS registry pass-through and the web inspector over HTTP.",
  usage:
    "layerlens serve [--port N] [--host ADDR] [--allow REGISTRY]... [--allow-private HOST]... [--insecure-registry HOST]... [--web DIR | --no-web] [--no-cache]",
  help:
    `Registries reached by default: ${DEFAULT_ALLOWED_REGISTRIES.join(", ")}.\n` +
    "Private, loopback and link-local addresses are refused unless named with --allow or --allow-private.\n" +
    "Routes: /api/inspect?ref=  /api/layers?ref=  /api/ls?ref=&path=  /api/cat?ref=&path=  /api/referrers?ref=  /api/tags?repo=\n" +
    "        /v2/REGISTRY/NAME/…  (the distribution API of REGISTRY, with CORS)   /  (the web inspector)",
  async run(argv: string[], io: CliIO): Promise<number> {
    const allow = takeRepeated(argv, "allow");
    const priv = takeRepeated(allow.rest, "allow-private");
    const insecure = takeRepeated(priv.rest, "insecure-registry");
    const args = parseArgs(insecure.rest, { boolean: ["no-web", "no-cache"], string: ["port", "host", "web"] }, "serve");
    if (args.positionals.length) throw new UsageError(`serve: takes no arguments, got ${args.positionals.join(" ")}`);
    const port = args.options.port === undefined ? 8080 : Number(args.options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`serve: --port takes 0..65535, not ${args.options.port}`);
    if (args.flags["no-web"] && args.options.web) throw new UsageError("serve: --web and --no-web contradict each other");
    const webDir = args.flags["no-web"] ? undefined : (args.options.web ?? (existsSync(BUILT_WEB) ? BUILT_WEB : undefined));
    if (args.options.web && !existsSync(args.options.web)) throw new UsageError(`serve: --web ${args.options.web}: no such directory`);

    await init();
    const policy = new UpstreamPolicy({
      allow: [...DEFAULT_ALLOWED_REGISTRIES, ...allow.values],
      // Naming a registry is allowing it, wherever it is.
      allowPrivate: [...allow.values, ...priv.values],
      resolve: resolveAll,
    });
    const handler = createHandler({
      policy,
      // Every connection's address is checked as it is made (a name could resolve differently later).
      fetch: checkedNodeFetch((host, p) => policy.allowsPrivate(host, p)),
      insecure: insecure.values,
      assets: webDir ? staticAssets(webDir) : undefined,
      // The same persistent store as the CLI's registry reads ($LAYERLENS_CACHE, an OCI layout).
      blobStore: args.flags["no-cache"] ? undefined : defaultBlobStore(),
    });
    const served = await serveNode(handler, { host: args.options.host, port });
    io.stdout(`layerlens serve: listening on ${served.url}\n`);
    io.stderr(
      webDir
        ? `  web inspector ${served.url}  (from ${webDir})\n`
        : "  no web inspector (build it with npm run web:build, or pass --web DIR)\n",
    );
    io.stderr(`  API ${served.url}api/inspect?ref=…   registries ${served.url}v2/REGISTRY/NAME/…\n`);
    await new Promise<void>((done) => {
      const stop = () => done();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await served.close();
    return 0;
  },
};
