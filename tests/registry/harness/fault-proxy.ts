// A loopback HTTP proxy in front of the real registry that misbehaves on purpose, the way
// networks and overloaded registries do: drop the connection half-way through a body or
// before any answer, answer 500/429 (with Retry-After), corrupt one byte of a body, or ignore
// a Range header, or serve other bytes of the same size (a blob swapped between two GETs).
// Each fault lets the first `skip` matching requests through, applies to the next `times`, then
// the proxy passes requests through untouched. Every request is recorded with its headers.

import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FaultAction =
  | {
      kind: "drop-mid-body";
      /** bytes to send first (default: half the body) */
      after?: number;
      /**
       * ms between those bytes leaving and the socket's end (default 5). A browser hands its
       * page the bytes it got only until the connection's failure reaches it: a busy one
       * may show none at all, unless the failure comes well after the bytes.
       */
      holdMs?: number;
    }
  | { kind: "drop-before-answer" }
  | { kind: "status"; status: number; retryAfter?: string }
  | { kind: "corrupt-byte"; /** offset to flip (default: the middle) */ at?: number }
  | { kind: "ignore-range" }
  /** Send the body chunked, without Content-Length (as some proxies do). */
  | { kind: "strip-length" }
  /** Every occurrence of `from` in the body replaced by `to` (same length: the size still matches). */
  | { kind: "replace-bytes"; from: Uint8Array; to: Uint8Array };

export interface Fault {
  method?: string;
  /** Matched against the request path. */
  path: RegExp;
  action: FaultAction;
  /** How many matching requests to hit (default 1; Infinity = all). */
  times?: number;
  /** Matching requests to let through untouched first (default 0): 1 = "from the second GET on". */
  skip?: number;
}

export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The fault applied, if any. */
  fault?: FaultAction["kind"];
}

export class FaultProxy {
  readonly seen: SeenRequest[] = [];
  private faults: Array<Fault & { left: number; toSkip: number }> = [];
  private server?: Server;

  constructor(private readonly upstream: string) {}

  get host(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `127.0.0.1:${port}`;
  }

  add(fault: Fault): void {
    if (fault.action.kind === "replace-bytes" && fault.action.from.length !== fault.action.to.length) {
      throw new RangeError("replace-bytes: from and to must have the same length");
    }
    this.faults.push({ ...fault, left: fault.times ?? 1, toSkip: fault.skip ?? 0 });
  }

  reset(): void {
    this.faults = [];
    this.seen.length = 0;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private take(req: IncomingMessage): FaultAction | undefined {
    const path = req.url ?? "/";
    const fault = this.faults.find((f) => f.left > 0 && f.path.test(path) && (!f.method || f.method === req.method));
    if (!fault) return undefined;
    if (fault.toSkip > 0) {
      fault.toSkip--;
      return undefined;
    }
    fault.left--;
    return fault.action;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const action = this.take(req);
    this.seen.push({ method: req.method ?? "GET", path: req.url ?? "/", headers: { ...req.headers }, fault: action?.kind });
    if (action?.kind === "drop-before-answer") {
      req.socket.destroy();
      return;
    }
    if (action?.kind === "status") {
      // CORS too, so a browser sees the status instead of a network error.
      const headers: Record<string, string> = {
        "Content-Type": "application/json",
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": "Retry-After",
      };
      if (action.retryAfter !== undefined) headers["Retry-After"] = action.retryAfter;
      const code = action.status === 429 ? "TOOMANYREQUESTS" : "UNKNOWN";
      res.writeHead(action.status, headers);
      res.end(JSON.stringify({ errors: [{ code, message: `fault proxy answered ${action.status}` }] }));
      return;
    }
    const headers = { ...req.headers };
    if (action?.kind === "ignore-range") delete headers.range;
    const up = request(new URL(req.url ?? "/", this.upstream), { method: req.method, headers }, (upRes) => {
      this.relay(upRes, res, req, action);
    });
    up.on("error", () => req.socket.destroy());
    req.pipe(up);
  }

  private relay(upRes: IncomingMessage, res: ServerResponse, req: IncomingMessage, action: FaultAction | undefined): void {
    if (action?.kind !== "drop-mid-body" && action?.kind !== "corrupt-byte" && action?.kind !== "replace-bytes") {
      const headers = { ...upRes.headers };
      if (action?.kind === "strip-length") delete headers["content-length"];
      res.writeHead(upRes.statusCode ?? 502, headers);
      upRes.pipe(res);
      return;
    }
    const chunks: Buffer[] = [];
    upRes.on("data", (c: Buffer) => chunks.push(c));
    upRes.on("end", () => {
      const body = Buffer.concat(chunks);
      if (action.kind === "replace-bytes") {
        const from = Buffer.from(action.from);
        for (let at = body.indexOf(from); at >= 0; at = body.indexOf(from, at + from.length)) body.set(action.to, at);
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        res.end(body);
        return;
      }
      if (action.kind === "corrupt-byte") {
        if (body.length) {
          const at = Math.min(action.at ?? body.length >> 1, body.length - 1);
          body[at] = body[at] ^ 0x01;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        res.end(body);
        return;
      }
      // Headers (with the full Content-Length) and part of the body, then the socket dies.
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      res.write(body.subarray(0, action.after ?? body.length >> 1), () => {
        setTimeout(() => req.socket.destroy(), action.holdMs ?? 5);
      });
    });
  }
}
