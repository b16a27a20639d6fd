// The service's settings from environment variables, the one configuration every host has
// (workerd bindings, Deno.env, Bun's and Node's process.env):
//   LAYERLENS_ALLOW           registries added to the allowlist, comma-separated
//   LAYERLENS_ALLOW_PRIVATE   hosts that may be reached though not public (host or host:port)
//   LAYERLENS_INSECURE        registries spoken to over plain http
//   LAYERLENS_CORS_ORIGIN     Access-Control-Allow-Origin (default *)
//   LAYERLENS_NO_CACHE        "1": no persistent blob store (default: the platform's, where it has one)
// A registry named in LAYERLENS_ALLOW may be reached wherever it is, as with `serve --allow`.

import type { HandlerOptions } from "./handler.js";
import { DEFAULT_ALLOWED_REGISTRIES, type UpstreamPolicyOptions } from "./policy.js";
import { platformBlobStore } from "../sources/stores/platform-store.js";

function list(value: unknown): string[] {
  return typeof value === "string"
    ? value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}

export function optionsFromEnv(
  env: Record<string, unknown>,
  resolve?: UpstreamPolicyOptions["resolve"],
): HandlerOptions & { policy: UpstreamPolicyOptions } {
  const allow = list(env.LAYERLENS_ALLOW);
  const origin = typeof env.LAYERLENS_CORS_ORIGIN === "string" && env.LAYERLENS_CORS_ORIGIN ? env.LAYERLENS_CORS_ORIGIN : undefined;
  return {
    policy: {
      allow: [...DEFAULT_ALLOWED_REGISTRIES, ...allow],
      allowPrivate: [...allow, ...list(env.LAYERLENS_ALLOW_PRIVATE)],
      resolve,
    },
    insecure: list(env.LAYERLENS_INSECURE),
    blobStore: env.LAYERLENS_NO_CACHE === "1" ? undefined : platformBlobStore(),
    ...(origin ? { corsOrigin: origin } : {}),
  };
}
