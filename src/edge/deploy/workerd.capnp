# Run the layerlens service in workerd on this machine. After `npm run build`, bundle
# src/edge/workerd.ts into one ES module DIR/worker.js with its *.wasm import kept external
# (tests/edge/hosts.ts does it with Vite's library mode), copy build/release.wasm and this file
# into DIR, then `npx workerd serve DIR/workerd.capnp` (embed paths are relative to this file).
# Outbound connections go through the "internet" network service, which reaches public
# addresses only: the service's own policy refuses private IP literals, this refuses the
# private addresses a DNS name may resolve to.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .layerlens),
    (name = "internet", network = (allow = ["public"], tlsOptions = (trustBrowserCas = true))),
  ],
  sockets = [(name = "http", address = "127.0.0.1:8080", http = (), service = "main")],
);

const layerlens :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "release.wasm", wasm = embed "release.wasm"),
  ],
  bindings = [(name = "LAYERLENS_ALLOW", text = ""), (name = "LAYERLENS_CORS_ORIGIN", text = "*")],
  compatibilityDate = "2025-09-01",
  globalOutbound = "internet",
);
