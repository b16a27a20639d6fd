// A loopback registry that serves one small image correctly except where a test tells it to
// twist an answer: request number k (in arrival order, over every route) gets the k-th twist
// of the current script, and one route may be twisted on every request. Twists change the
// status, the body (the route's own document with values of other JSON types, bytes cut or
// flipped, other documents), the Content-Type, the Content-Length (short, long, absent,
// chunked), Docker-Content-Digest, WWW-Authenticate, Location and Link.
//
// It speaks HTTP/1.1 over raw sockets (node:net), not node:http, so it can send what a correct
// server never would (a length that is not the body's, a header byte HTTP forbids), and it
// closes each connection after one answer so a lie about the length ends at the close. Every
// request is answered at once: waiting is the hostile server's subject (hostile-server.ts).
//
// Repository "r": tags "latest" (a manifest) and "multi" (an index over that manifest); tag
// list, referrers (empty index), the config and layer blobs; with `auth`, a Bearer token from
// /token is required ("tok").

import { createHash } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export type RouteKind = "ping" | "token" | "manifest" | "index" | "blob" | "tags" | "referrers" | "other";

export type Twist =
  | { kind: "ok" }
  | { kind: "status"; status: number; errorBody: boolean }
  | { kind: "json"; edit: (doc: unknown) => unknown }
  | { kind: "bytes"; flips: [number, number][]; cut: number | null }
  | { kind: "swap"; with: RouteKind }
  | { kind: "raw"; body: Uint8Array }
  | { kind: "type"; contentType: string }
  | { kind: "length"; mode: "short" | "long" | "absent" | "chunked" | "bad-chunks" }
  | { kind: "digest"; value: string }
  | { kind: "challenge"; header: string }
  | { kind: "redirect"; status: number; location: string }
  | { kind: "link"; value: string }
  | { kind: "header"; name: string; value: string };

export interface Script {
  /** Twist for the k-th request (arrival order); requests past the end are answered correctly. */
  twists: Twist[];
  /** Applied to every request of one route, after the per-request twist. */
  always?: { route: RouteKind; twist: Twist };
  /** Require a Bearer token from /token. */
  auth: boolean;
}

interface Answer {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
  /** How the body is framed on the wire. */
  framing: "length" | "short" | "long" | "absent" | "chunked" | "bad-chunks";
}

const enc = new TextEncoder();
const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const REASON = "Twisted";

export interface ServedImage {
  manifest: Uint8Array;
  manifestDigest: string;
  index: Uint8Array;
  indexDigest: string;
  blobs: Map<string, Uint8Array>;
}

/** The sample image's files (index.json + blobs/sha256/...) as a registry's documents. */
export function servedImage(files: Map<string, Uint8Array>): ServedImage {
  const index = JSON.parse(new TextDecoder().decode(files.get("index.json"))) as { manifests: { digest: string; size: number }[] };
  const m = index.manifests[0];
  const manifest = files.get(`blobs/sha256/${m.digest.slice(7)}`)!;
  const blobs = new Map<string, Uint8Array>();
  for (const [p, b] of files) if (p.startsWith("blobs/sha256/")) blobs.set(`sha256:${p.slice(13)}`, b);
  const imageIndex = enc.encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: m.digest,
          size: m.size,
          platform: { os: "linux", architecture: "amd64" },
        },
      ],
    }),
  );
  return { manifest, manifestDigest: m.digest, index: imageIndex, indexDigest: sha256(imageIndex), blobs };
}

export class TwistingRegistry {
  /** Requests answered under the current script. */
  requests = 0;
  /** "METHOD target -> status" of each of those requests, for a failure's message. */
  trace: string[] = [];
  private script: Script = { twists: [], auth: false };
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly image: ServedImage) {}

  get host(): string {
    return `127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  use(script: Script): void {
    this.script = script;
    this.requests = 0;
    this.trace = [];
  }

  async start(): Promise<void> {
    this.server = createServer((socket) => this.connection(socket));
    await new Promise<void>((ok) => this.server!.listen(0, "127.0.0.1", ok));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((ok) => this.server?.close(() => ok()) ?? ok());
  }

  private connection(socket: Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => {});
    let head = Buffer.alloc(0);
    let answered = false;
    socket.on("data", (chunk: Buffer) => {
      if (answered) return;
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      answered = true;
      const lines = head.subarray(0, end).toString("latin1").split("\r\n");
      const [method, target] = lines[0].split(" ");
      const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      const answer = this.answer(method, target ?? "/", headers);
      socket.end(wire(answer, method === "HEAD"));
    });
  }

  private route(path: string): RouteKind {
    if (path === "/v2/" || path === "/v2") return "ping";
    if (path.startsWith("/token")) return "token";
    if (/^\/v2\/r\/manifests\//.test(path)) {
      const ref = decodeURIComponent(path.slice("/v2/r/manifests/".length));
      return ref === "multi" || ref === this.image.indexDigest ? "index" : "manifest";
    }
    if (path.startsWith("/v2/r/blobs/")) return "blob";
    if (path.startsWith("/v2/r/tags/list")) return "tags";
    if (path.startsWith("/v2/r/referrers/")) return "referrers";
    return "other";
  }

  /** The correct answer of a route. */
  private correct(kind: RouteKind, path: string): Answer {
    const ok = (body: Uint8Array, type: string, extra: [string, string][] = []): Answer => ({
      status: 200,
      headers: [["Content-Type", type], ...extra],
      body,
      framing: "length",
    });
    switch (kind) {
      case "ping":
        return ok(enc.encode("{}"), "application/json");
      case "token":
        return ok(enc.encode(JSON.stringify({ token: "tok", access_token: "tok", expires_in: 300 })), "application/json");
      case "manifest":
        return ok(this.image.manifest, "application/vnd.oci.image.manifest.v1+json", [
          ["Docker-Content-Digest", this.image.manifestDigest],
        ]);
      case "index":
        return ok(this.image.index, "application/vnd.oci.image.index.v1+json", [["Docker-Content-Digest", this.image.indexDigest]]);
      case "blob": {
        const digest = decodeURIComponent(path.slice("/v2/r/blobs/".length));
        const b = this.image.blobs.get(digest);
        if (!b) return errorAnswer(404, "BLOB_UNKNOWN");
        return ok(b, "application/octet-stream", [["Docker-Content-Digest", digest]]);
      }
      case "tags":
        return ok(enc.encode(JSON.stringify({ name: "r", tags: ["latest", "multi"] })), "application/json");
      case "referrers":
        return ok(
          enc.encode(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [] })),
          "application/vnd.oci.image.index.v1+json",
        );
      default:
        return errorAnswer(404, "NAME_UNKNOWN");
    }
  }

  private answer(method: string, target: string, headers: Map<string, string>): Answer {
    const k = this.requests++;
    const path = target.split("?")[0];
    const kind = this.route(path);
    const authorized = !this.script.auth || kind === "token" || headers.get("authorization") === "Bearer tok";
    let a: Answer = authorized
      ? this.correct(kind, path)
      : {
          ...errorAnswer(401, "UNAUTHORIZED"),
          headers: [
            ["WWW-Authenticate", `Bearer realm="http://${this.host}/token",service="twisted",scope="repository:r:pull"`],
            ["Content-Type", "application/json"],
          ],
        };
    const twist = this.script.twists[k];
    if (twist) a = this.apply(twist, a, path);
    const always = this.script.always;
    if (always && always.route === kind) a = this.apply(always.twist, a, path);
    this.trace.push(`${method} ${target} -> ${a.status}`);
    return a;
  }

  private apply(t: Twist, a: Answer, path: string): Answer {
    const set = (name: string, value: string): [string, string][] => [
      ...a.headers.filter(([n]) => n.toLowerCase() !== name.toLowerCase()),
      [name, value],
    ];
    switch (t.kind) {
      case "ok":
        return a;
      case "status":
        return t.errorBody ? { ...errorAnswer(t.status, "DENIED"), headers: a.headers } : { ...a, status: t.status };
      case "json": {
        let doc: unknown;
        try {
          doc = JSON.parse(new TextDecoder().decode(a.body));
        } catch {
          return a; // a blob: the bytes twists are for those
        }
        return { ...a, body: enc.encode(JSON.stringify(t.edit(doc)) ?? "null") };
      }
      case "bytes": {
        const b = new Uint8Array(a.body);
        if (b.length > 0) for (const [at, v] of t.flips) b[at % b.length] = v;
        return { ...a, body: t.cut === null ? b : b.subarray(0, t.cut % (b.length + 1)) };
      }
      case "swap":
        return { ...a, body: this.correct(t.with, path).body };
      case "raw":
        return { ...a, body: t.body };
      case "type":
        return { ...a, headers: set("Content-Type", t.contentType) };
      case "length":
        return { ...a, framing: t.mode };
      case "digest":
        return { ...a, headers: set("Docker-Content-Digest", t.value) };
      case "challenge":
        return { ...errorAnswer(401, "UNAUTHORIZED"), headers: [["WWW-Authenticate", t.header.replaceAll("HOST", this.host)]] };
      case "redirect":
        return {
          status: t.status,
          headers: [["Location", t.location.replaceAll("HOST", this.host).replaceAll("PATH", path)]],
          body: new Uint8Array(0),
          framing: "length",
        };
      case "link":
        return { ...a, headers: set("Link", t.value.replaceAll("HOST", this.host)) };
      case "header":
        return { ...a, headers: set(t.name, t.value) };
    }
  }
}

function errorAnswer(status: number, code: string): Answer {
  return {
    status,
    headers: [["Content-Type", "application/json"]],
    body: enc.encode(JSON.stringify({ errors: [{ code, message: "twisted", detail: null }] })),
    framing: "length",
  };
}

/** The answer as bytes on the wire, framed as it says (HEAD: headers only). */
function wire(a: Answer, head: boolean): Buffer {
  const lines = [`HTTP/1.1 ${a.status} ${REASON}`, "Connection: close", ...a.headers.map(([n, v]) => `${n}: ${v}`)];
  const body = Buffer.from(a.body);
  let payload = body;
  if (a.framing === "length") lines.push(`Content-Length: ${body.length}`);
  else if (a.framing === "short") lines.push(`Content-Length: ${body.length + 7}`);
  else if (a.framing === "long") lines.push(`Content-Length: ${Math.max(0, body.length - 3)}`);
  else if (a.framing === "chunked" || a.framing === "bad-chunks") {
    lines.push("Transfer-Encoding: chunked");
    const size = a.framing === "chunked" ? body.length.toString(16) : (body.length + 5).toString(16) + "zz";
    payload = Buffer.concat([Buffer.from(`${size}\r\n`), body, Buffer.from(a.framing === "chunked" ? "\r\n0\r\n\r\n" : "\r\n")]);
  }
  const headBytes = Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1");
  return head ? headBytes : Buffer.concat([headBytes, payload]);
}
