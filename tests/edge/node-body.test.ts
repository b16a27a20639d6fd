// The Node host's answer bodies on real sockets: nodeBodyStream (node-body.ts) turns a node:http
// answer into a web stream without copying what arrives while the consumer keeps up and joins
// what waited while it did not; a connection cut mid-body errors the way the registry client retries,
// and cancelling lets the socket go. serveNode (node-host.ts) writes a long body to a slow
// client under backpressure without piling up listeners, and a body that fails after the
// headers ends in a broken body, never a short one taken for whole.

import { createServer, get, type IncomingMessage, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { nodeBodyStream } from "../../src/edge/node-body.js";
import { serveNode } from "../../src/edge/node-host.js";
import { isTransient } from "../../src/sources/registry/retry.js";

const CHUNK = 64 << 10;
const CHUNKS = 256; // 16 MiB
const pattern = (i: number) => Buffer.alloc(CHUNK, i & 0xff);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function answer(server: Server, path: string): Promise<IncomingMessage> {
  const { port } = server.address() as { port: number };
  return new Promise((ok, fail) => get(`http://127.0.0.1:${port}${path}`, ok).once("error", fail));
}

describe("nodeBodyStream", () => {
  let server: Server;
  let closedEarly = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.on("close", () => !res.writableFinished && closedEarly++);
      if (req.url === "/cut") {
        res.writeHead(200, { "Content-Length": String(CHUNK * 4) });
        res.write(pattern(0), () => setTimeout(() => res.destroy(), 20));
        return;
      }
      res.writeHead(200, { "Content-Length": String(CHUNK * CHUNKS) });
      let i = 0;
      const more = () => {
        while (i < CHUNKS) if (!res.write(pattern(i++))) return void res.once("drain", more);
        res.end();
      };
      more();
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  test("every byte in order; a consumer that falls behind reads fewer, larger chunks", async () => {
    const reader = nodeBodyStream(await answer(server, "/whole")).getReader();
    const got: Buffer[] = [];
    for (let n = 0; ; n++) {
      const { done, value } = await reader.read();
      if (done) break;
      got.push(Buffer.from(value));
      if (n % 8 === 0) await sleep(5);
    }
    const all = Buffer.concat(got);
    expect(all.length).toBe(CHUNK * CHUNKS);
    for (let i = 0; i < CHUNKS; i++) expect(all[i * CHUNK]).toBe(i & 0xff);
    expect(got.length).toBeLessThan(CHUNKS);
  });

  test("a connection cut mid-body: the bytes that came, then an error the registry client retries", async () => {
    const reader = nodeBodyStream(await answer(server, "/cut")).getReader();
    let bytes = 0;
    const err = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        bytes += value.length;
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(isTransient(err)).toBe(true);
    expect(bytes).toBe(CHUNK);
  });

  test("cancelling lets the connection go", async () => {
    const before = closedEarly;
    const reader = nodeBodyStream(await answer(server, "/whole")).getReader();
    await reader.read();
    await reader.cancel();
    for (let i = 0; i < 100 && closedEarly === before; i++) await sleep(20);
    expect(closedEarly).toBe(before + 1);
  });
});

describe("serveNode's answers", () => {
  test("a long body to a slow client: whole, in order, and no listener left behind per wait", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    let i = 0;
    const served = await serveNode(
      async () =>
        new Response(
          new ReadableStream<Uint8Array>({
            pull: (c) => (i < CHUNKS ? c.enqueue(pattern(i++)) : c.close()),
          }),
          { headers: { "Content-Length": String(CHUNK * CHUNKS) } },
        ),
      { port: 0 },
    );
    try {
      const res = await answer(served.server, "/");
      let bytes = 0;
      let n = 0;
      for await (const chunk of res as AsyncIterable<Buffer>) {
        expect(chunk[0]).toBe(Math.floor(bytes / CHUNK) & 0xff);
        bytes += chunk.length;
        if (++n % 16 === 0) await sleep(2);
      }
      expect(bytes).toBe(CHUNK * CHUNKS);
      await sleep(10);
      expect(warnings.filter((w) => w === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
      await served.close();
    }
  });

  test("a body that fails after the headers is a broken body for the client", async () => {
    let sent = 0;
    const served = await serveNode(
      async () =>
        new Response(
          new ReadableStream<Uint8Array>({
            pull: (c) => (sent++ < 2 ? c.enqueue(pattern(sent)) : c.error(new Error("bad bytes"))),
          }),
          { headers: { "Content-Length": String(CHUNK * 4) } },
        ),
      { port: 0 },
    );
    try {
      const res = await fetch(served.url);
      expect(res.status).toBe(200);
      await expect(res.arrayBuffer()).rejects.toThrow();
    } finally {
      await served.close();
    }
  });
});
