// The fetch handler behind Node's http server (what `layerlens serve` runs): each request
// becomes a Request (no body is read: the handler answers GET, HEAD and OPTIONS only), each
// Response is streamed back with backpressure, and a caller that goes away cancels the body
// (so a blob passed through stops being read upstream). The web inspector's built files are
// served from a directory, with no path outside it reachable.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { lookup } from "node:dns/promises";
import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import type { FetchHandler } from "./handler.js";

export interface NodeServer {
  /** http://host:port/ as bound (port 0 asks for a free one). */
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Every address `hostname` resolves to here: the policy's DNS check in Node. */
export async function resolveAll(hostname: string): Promise<string[]> {
  return (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);
}

function toRequest(req: IncomingMessage, origin: string, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
  }
  // Our routes take no body; one sent anyway is left unread (and the method refused).
  return new Request(new URL(req.url ?? "/", origin), { method: req.method, headers, signal });
}

/**
 * Resolves when `res` can take more bytes (or is gone). Both listeners go once either fires:
 * a body written under backpressure waits here thousands of times, and a listener left behind
 * per wait makes every later add and remove slower (and warns of a leak).
 */
function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

async function send(res: ServerResponse, answer: Response, signal: AbortSignal): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  answer.headers.forEach((v, k) => {
    headers[k] = k === "set-cookie" ? [...((headers[k] as string[] | undefined) ?? []), v] : v;
  });
  res.writeHead(answer.status, headers);
  if (!answer.body) {
    res.end();
    return;
  }
  const reader = answer.body.getReader();
  const gone = () => void reader.cancel(new Error("the client went away")).catch(() => undefined);
  signal.addEventListener("abort", gone, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drained(res);
      if (signal.aborted) return;
    }
    res.end();
  } catch {
    // The body failed after the headers went out (a blob that did not verify, an upstream that
    // broke off): end the connection without the final chunk, so the client sees a broken
    // body rather than a short one it could take for whole.
    res.destroy();
  } finally {
    signal.removeEventListener("abort", gone);
  }
}

/** Start an http server for `handler` on host:port; resolves once it listens. */
export function serveNode(handler: FetchHandler, options: { host?: string; port?: number } = {}): Promise<NodeServer> {
  const host = options.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    const abort = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) abort.abort();
    });
    const origin = `http://${req.headers.host ?? host}`;
    let request: Request;
    try {
      request = toRequest(req, origin, abort.signal);
    } catch {
      res
        .writeHead(400, { "Content-Type": "application/json" })
        .end('{"error":{"code":"USAGE","message":"a request URL that does not parse"}}\n');
      return;
    }
    void handler(request).then(
      (answer) => send(res, answer, abort.signal),
      () => {
        res
          .writeHead(500, { "Content-Type": "application/json" })
          .end('{"error":{"code":"INTERNAL","message":"the service failed on this request"}}\n');
      },
    );
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 8080, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : options.port;
      const shownHost = host.includes(":") ? `[${host}]` : host;
      ok({
        url: `http://${shownHost}:${port}/`,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json",
};

/** The files under `dir` as the handler's assets ("/" is index.html); undefined for anything else. */
export function staticAssets(dir: string): (req: Request) => Promise<Response | undefined> {
  const root = resolve(dir);
  return async (req) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url).pathname);
    } catch {
      return undefined;
    }
    if (path.includes("\0")) return undefined;
    const file = resolve(join(root, path.endsWith("/") ? `${path}index.html` : path));
    if (file !== root && !file.startsWith(root + sep)) return undefined;
    try {
      if (!(await stat(file)).isFile()) return undefined;
      const bytes = await readFile(file);
      const type = TYPES[extname(file)] ?? "application/octet-stream";
      return new Response(req.method === "HEAD" ? null : bytes, {
        headers: { "Content-Type": type, "Content-Length": String(bytes.length) },
      });
    } catch {
      return undefined;
    }
  };
}
