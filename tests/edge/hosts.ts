// The service's fetch handler hosted four ways, each a real process on 127.0.0.1: Node
// (`layerlens serve` from dist/), workerd (src/edge/workerd.ts bundled, the core embedded as a
// wasm module), Deno (`deno serve src/edge/deno.ts`) and Bun (`bun src/edge/bun.ts`). Each gets
// the same settings: the registries to allow (loopback, so named explicitly) and hosts that may
// be reached though private (the token issuer). A host whose binary is missing is reported so
// (the suite skips outside CI and fails under CI=true).

import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { bundleModule } from "../runtimes/helpers/bundle.js";
import { BIN, ROOT, freePort, isolatedEnv, start, tempDir, track, unavailable } from "../runtimes/helpers/processes.js";

export type HostKind = "node" | "workerd" | "deno" | "bun";
export const HOSTS: HostKind[] = ["node", "workerd", "deno", "bun"];

export interface ServiceSettings {
  allow: string[];
  allowPrivate?: string[];
}

export interface RunningService {
  kind: HostKind;
  url: string;
  stderr(): string;
}

const BINARIES: Record<HostKind, string> = {
  node: process.execPath,
  workerd: join(BIN, "workerd"),
  deno: join(BIN, "deno"),
  bun: join(BIN, "bun"),
};

/** Why `kind` cannot run here, or undefined. */
export function hostUnavailable(kind: HostKind): string | undefined {
  return kind === "node" ? undefined : unavailable(BINARIES[kind]);
}

function env(settings: ServiceSettings): Record<string, string> {
  return { LAYERLENS_ALLOW: settings.allow.join(","), LAYERLENS_ALLOW_PRIVATE: (settings.allowPrivate ?? []).join(",") };
}

function capnp(dir: string, port: number, settings: ServiceSettings): string {
  const wasm = JSON.stringify(relative(dir, join(ROOT, "build/release.wasm")));
  const bindings = Object.entries(env(settings))
    .map(([name, text]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(text)})`)
    .join(", ");
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .service),
    (name = "egress", network = (allow = ["public", "local", "private"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const service :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "release.wasm", wasm = embed ${wasm}),
  ],
  bindings = [${bindings}],
  compatibilityDate = "2025-09-01",
  globalOutbound = "egress",
);
`;
}

/** Poll until the service answers /v2/ (or the process exits). */
async function ready(url: string, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + 90_000;
  let last: string;
  for (;;) {
    const why = exited();
    if (why) throw new Error(why);
    try {
      const res = await fetch(new URL("/v2/", url));
      last = `HTTP ${res.status}: ${(await res.text()).slice(0, 500)}`;
      if (res.ok) return;
    } catch (e) {
      last = String(e);
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer /v2/ within 90 s (last: ${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startService(kind: HostKind, settings: ServiceSettings): Promise<RunningService> {
  const home = track(tempDir(`serve-${kind}`));
  const port = await freePort();
  let cmd = BINARIES[kind];
  let args: string[];
  let cwd = ROOT;
  const extra: Record<string, string> = { ...env(settings) };
  if (kind === "node") {
    args = [join(ROOT, "dist/cli/main.js"), "serve", "--port", String(port), "--no-web"];
    for (const a of settings.allow) args.push("--allow", a);
    for (const a of settings.allowPrivate ?? []) args.push("--allow-private", a);
  } else if (kind === "deno") {
    Object.assign(extra, { DENO_DIR: join(home, "deno"), DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" });
    args = [
      "serve",
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
      "--allow-net",
      "--allow-read",
      "--allow-env",
      "--sloppy-imports",
      "src/edge/deno.ts",
    ];
  } else if (kind === "bun") {
    Object.assign(extra, { LAYERLENS_PORT: String(port), LAYERLENS_HOST: "127.0.0.1" });
    args = ["src/edge/bun.ts"];
  } else {
    const externalPath = (id: string) => (/(^|\/)release\.wasm$/.test(id) ? "./release.wasm" : id);
    await bundleModule(join(ROOT, "src/edge/workerd.ts"), home, "worker.js", [/\.wasm$/], { externalPath });
    writeFileSync(join(home, "config.capnp"), capnp(home, port, settings));
    cmd = BINARIES.workerd;
    args = ["serve", join(home, "config.capnp")];
    cwd = home;
  }
  const child = start(cmd, args, { cwd, env: isolatedEnv(home, extra) });
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d));
  child.stdout?.on("data", (d) => (stderr += d));
  const url = `http://127.0.0.1:${port}/`;
  await ready(url, () => (child.exitCode !== null ? `${kind} exited ${child.exitCode}:\n${stderr}` : undefined)).catch((e: Error) => {
    throw new Error(`${e.message}\n${stderr}`);
  });
  return { kind, url, stderr: () => stderr };
}
