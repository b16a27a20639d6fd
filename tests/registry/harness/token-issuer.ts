// A small token server in the style of Docker Hub's auth service, for distribution's
// `auth: token`: GET /token?service=…&scope=… (Basic credentials optional) and the OAuth2
// POST form (refresh_token / password grants). Tokens are RS256 JWTs whose x5c header carries
// the issuer certificate, with the claims the registry checks (iss, aud as a string, integer
// exp/nbf/iat, access). Who may do what is the `grant` policy the test gives.
// Spec: https://distribution.github.io/distribution/spec/auth/jwt/ and .../auth/oauth/

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { randomBytes, sign } from "node:crypto";
import type { AddressInfo } from "node:net";
import { type IssuerKey, makeIssuerKey } from "./cert.js";

export interface Access {
  type: string;
  name: string;
  actions: string[];
}

export interface IssuerOptions {
  issuer?: string;
  service?: string;
  /** user -> password accepted with Basic auth or the password grant. */
  users?: Record<string, string>;
  /** refresh token -> user, for the OAuth2 refresh_token grant. */
  refreshTokens?: Record<string, string>;
  /** Actions granted to `user` (undefined = anonymous) on a requested scope. */
  grant?: (user: string | undefined, scope: Access) => string[];
  /** expires_in of issued tokens, seconds (default 300). */
  expiresIn?: number;
}

export interface TokenRequest {
  method: string;
  user?: string;
  scopes: string[];
  service?: string;
}

export class TokenIssuer {
  readonly key: IssuerKey;
  readonly issuer: string;
  readonly service: string;
  /** Every token request, in order. */
  readonly requests: TokenRequest[] = [];
  /** Sign the next N tokens already expired while still claiming expires_in (a stale cache entry). */
  expireNext = 0;
  expiresIn: number;
  private server?: Server;

  constructor(private readonly options: IssuerOptions = {}) {
    this.issuer = options.issuer ?? "test-issuer";
    this.service = options.service ?? "test-registry";
    this.key = makeIssuerKey(this.issuer);
    this.expiresIn = options.expiresIn ?? 300;
  }

  get realm(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}/token`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        res.writeHead(500);
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://issuer");
    if (url.pathname !== "/token") return reply(res, 404, { error: "not found" });
    let user: string | undefined;
    let scopes: string[];
    let service: string | undefined;
    if (req.method === "POST") {
      const form = new URLSearchParams(await body(req));
      scopes = (form.get("scope") ?? "").split(" ").filter(Boolean);
      service = form.get("service") ?? undefined;
      const grantType = form.get("grant_type");
      if (grantType === "refresh_token") {
        user = this.options.refreshTokens?.[form.get("refresh_token") ?? ""];
        if (!user) return reply(res, 401, { error: "invalid_grant" });
      } else if (grantType === "password") {
        user = form.get("username") ?? "";
        if (this.options.users?.[user] !== form.get("password")) return reply(res, 401, { error: "invalid_grant" });
      } else {
        return reply(res, 400, { error: "unsupported_grant_type" });
      }
    } else {
      scopes = url.searchParams.getAll("scope");
      service = url.searchParams.get("service") ?? undefined;
      const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? "");
      if (basic) {
        const [name, ...rest] = Buffer.from(basic[1], "base64").toString("utf8").split(":");
        if (this.options.users?.[name] !== rest.join(":"))
          return reply(res, 401, { errors: [{ code: "UNAUTHORIZED", message: "bad credentials" }] });
        user = name;
      }
    }
    this.requests.push({ method: req.method ?? "GET", user, scopes, service });
    const access = scopes
      .map(parseScope)
      .filter((a): a is Access => a !== undefined)
      .map((a) => ({
        ...a,
        actions: (this.options.grant ?? (() => a.actions))(user, a).filter((x) => a.actions.includes(x)),
      }));
    const token = this.token(user, access);
    reply(res, 200, { token, access_token: token, expires_in: this.expiresIn, issued_at: new Date().toISOString() });
  }

  /** A JWT the registry accepts (or, with expireNext, one it refuses as expired). */
  token(subject: string | undefined, access: Access[]): string {
    const now = Math.floor(Date.now() / 1000);
    const expired = this.expireNext > 0;
    if (expired) this.expireNext--;
    const header = { typ: "JWT", alg: "RS256", x5c: [this.key.certDer.toString("base64")] };
    const claims = {
      iss: this.issuer,
      sub: subject ?? "",
      aud: this.service,
      exp: expired ? now - 120 : now + this.expiresIn,
      nbf: now - 300,
      iat: now - 300,
      jti: randomBytes(8).toString("hex"),
      access,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${b64url(sign("sha256", Buffer.from(input), this.key.privateKey))}`;
  }
}

function parseScope(scope: string): Access | undefined {
  // type:name:actions, where a name may itself hold ':' (a port) — split from both ends.
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  if (first < 0 || last === first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(",")
      .filter(Boolean),
  };
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function reply(res: ServerResponse, status: number, json: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(json));
}
