// The Node host's fetch checks the address each connection is made to, after the name was
// resolved for that very connection: a name that resolves to loopback is refused unless
// allowed, and the server behind it never sees the request; allowed, the answer streams back.

import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { checkedNodeFetch } from "../../src/edge/node-fetch.js";
import { LayerlensError } from "../../src/errors.js";

describe("checkedNodeFetch", () => {
  let server: Server;
  let port = 0;
  let visits = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      visits++;
      res.writeHead(200, { "Content-Type": "text/plain", "X-Seen": req.method ?? "" }).end("hello");
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  test("a name resolving to loopback is refused at connect time, typed, and nothing is sent", async () => {
    const refuse = checkedNodeFetch(() => false);
    const err = await refuse(`http://localhost:${port}/x?token=secret`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LayerlensError);
    expect((err as LayerlensError).code).toBe("FORBIDDEN");
    expect((err as Error).message).not.toContain("secret");
    expect(visits).toBe(0);
  });

  test("allowed, the request goes out and the answer comes back as a Response", async () => {
    const seen: string[] = [];
    const allow = checkedNodeFetch((host, p, address) => (seen.push(`${host}:${p}=${address}`), true));
    const res = await allow(`http://localhost:${port}/x`, { method: "GET", headers: { Accept: "text/plain" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Seen")).toBe("GET");
    expect(await res.text()).toBe("hello");
    expect(seen.some((s) => s.startsWith(`localhost:${port}=`))).toBe(true);
    const head = await allow(`http://localhost:${port}/x`, { method: "HEAD" });
    expect(head.body).toBeNull();
    expect(visits).toBe(2);
  });
});
