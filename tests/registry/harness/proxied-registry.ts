// A docker-registry with the FaultProxy in front of it, for the suites that count or break
// the requests the client makes (faults, tag cache). Registering the hooks here keeps their
// order the same everywhere: started before the suite's own beforeAll (which pushes what it
// reads to `reg.host`, straight to the registry), the proxy's faults and log cleared before
// each test, both stopped after the suite.

import { afterAll, beforeAll, beforeEach } from "vitest";
import { type RunningRegistry, startRegistry } from "./registry.js";
import { FaultProxy } from "./fault-proxy.js";

export interface ProxiedRegistry {
  /** The registry itself: push here, ask skopeo here. */
  reg: RunningRegistry;
  /** The client's way in: every request it makes is seen (and may be broken) here. */
  proxy: FaultProxy;
}

/** Call inside a describe; the fields are set once its beforeAll hooks have run. */
export function useProxiedRegistry(): ProxiedRegistry {
  const env = {} as ProxiedRegistry;
  beforeAll(async () => {
    env.reg = await startRegistry();
    env.proxy = new FaultProxy(env.reg.url);
    await env.proxy.start();
  });
  afterAll(async () => {
    await env.proxy?.stop();
    await env.reg?.stop();
  });
  beforeEach(() => env.proxy.reset());
  return env;
}
