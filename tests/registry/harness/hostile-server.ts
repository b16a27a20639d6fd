// A loopback HTTP server that plays a hostile registry or token server: bodies trickled a
// byte at a time, sockets accepted and never answered, headers and then silence, answers far
// over any sane size, bodies cut off mid-way, and whatever headers and JSON a test wants.
// Each route answers its successive requests with the behaviours it was given (the last one
// repeats), counts its hits, and the bytes it managed to send; stop() destroys every socket,
// so a stalled exchange never outlives its test.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type Behaviour =
  /** An ordinary answer. */
  | { kind: "answer"; status?: number; headers?: Record<string, string>; body?: string | Uint8Array }
  /** Headers (with the full Content-Length) at once, then one byte every `intervalMs`. */
  | { kind: "slow"; body: Uint8Array; intervalMs: number; headers?: Record<string, string> }
  /** Accept the connection, read the request, never answer. */
  | { kind: "silent" }
  /** Status and headers, then nothing (the socket stays open). */
  | { kind: "headers-only"; status?: number; headers?: Record<string, string> }
  /** Headers and the first `after` bytes of `body`, then the socket is destroyed. */
  | { kind: "drop-mid-body"; body: Uint8Array; after: number; headers?: Record<string, string> }
  /** `bytes` of JSON-looking filler as fast as the client takes it, chunked or with Content-Length. */
  | { kind: "flood"; bytes: number; declareLength: boolean };

export interface Route {
  path: string | RegExp;
  behaviours: Behaviour[];
  hits: number;
}

export class HostileServer {
  /** Body bytes the server got onto the wire (accepted by the socket), over all answers. */
  sent = 0;
  private readonly routes: Route[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<ReturnType<typeof setInterval>>();
  private server?: Server;

  get base(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  get host(): string {
    return this.base.slice("http://".length);
  }

  /** Answer requests whose path (query included) matches with `behaviours`, in turn. */
  route(path: string | RegExp, ...behaviours: Behaviour[]): Route {
    const route = { path, behaviours, hits: 0 };
    this.routes.unshift(route); // the latest route wins, so a test can override a default
    return route;
  }

  reset(): void {
    this.routes.length = 0;
    this.sent = 0;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? "/";
    const route = this.routes.find((r) => (typeof r.path === "string" ? url.split("?")[0] === r.path : r.path.test(url)));
    if (!route) {
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "NAME_UNKNOWN", message: `no route for ${url}` }] }));
      return;
    }
    const b = route.behaviours[Math.min(route.hits, route.behaviours.length - 1)];
    route.hits++;
    req.resume(); // read the request body, if any, so the client is not the one stalled
    switch (b.kind) {
      case "answer": {
        const body = typeof b.body === "string" ? Buffer.from(b.body) : Buffer.from(b.body ?? new Uint8Array(0));
        res.writeHead(b.status ?? 200, { "Content-Length": String(body.length), ...b.headers });
        res.end(body, () => (this.sent += body.length));
        return;
      }
      case "silent":
        return;
      case "headers-only":
        res.writeHead(b.status ?? 200, { "Content-Type": "application/json", ...b.headers });
        res.flushHeaders();
        return;
      case "drop-mid-body":
        res.writeHead(200, { "Content-Length": String(b.body.length), "Content-Type": "application/json", ...b.headers });
        res.write(b.body.subarray(0, b.after), () => {
          this.sent += b.after;
          setTimeout(() => req.socket.destroy(), 5);
        });
        return;
      case "slow":
        this.trickle(res, b);
        return;
      case "flood":
        this.flood(res, b.bytes, b.declareLength);
        return;
    }
  }

  private trickle(res: ServerResponse, b: Extract<Behaviour, { kind: "slow" }>): void {
    res.writeHead(200, { "Content-Length": String(b.body.length), "Content-Type": "application/json", ...b.headers });
    res.flushHeaders();
    let at = 0;
    const timer = setInterval(() => {
      if (res.destroyed || at >= b.body.length) {
        clearInterval(timer);
        this.timers.delete(timer);
        if (!res.destroyed) res.end();
        return;
      }
      res.write(b.body.subarray(at, at + 1));
      at++;
      this.sent++;
    }, b.intervalMs);
    this.timers.add(timer);
  }

  /** Write `total` bytes in 64 KiB chunks, each only once the socket took the last one. */
  private flood(res: ServerResponse, total: number, declareLength: boolean): void {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (declareLength) headers["Content-Length"] = String(total);
    res.writeHead(200, headers);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    chunk.write('{"token":"');
    let left = total;
    const next = (): void => {
      if (res.destroyed) return;
      if (left <= 0) {
        res.end();
        return;
      }
      const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= part.length;
      res.write(part, (err) => {
        if (err) return;
        this.sent += part.length;
        next();
      });
    };
    res.on("error", () => {});
    next();
  }
}
