// The other end of a blob redirect: a plain static file server over the registry's storage
// directory, on a different loopback address (127.0.0.2), standing in for the object store or
// CDN a production registry redirects to. It records the headers it receives, so a test can
// check that no Authorization header followed the redirect.

import { createReadStream, statSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export class BlobServer {
  readonly seen: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  private server?: Server;

  /** The storage root to serve; may be set after start() (the registry picks its dir later). */
  root = "";

  constructor(
    private readonly address = "127.0.0.2",
    private readonly cors = false,
  ) {}

  get base(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://${this.address}:${port}`;
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://blobs");
      this.seen.push({ path: url.pathname, headers: { ...req.headers } });
      if (this.cors) {
        res.setHeader("Access-Control-Allow-Origin", "*");
        res.setHeader("Access-Control-Expose-Headers", "Content-Range, Content-Length");
      }
      const file = path.join(this.root, path.normalize(decodeURIComponent(url.pathname)));
      if (!file.startsWith(this.root + path.sep)) {
        res.writeHead(403);
        res.end();
        return;
      }
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        res.writeHead(404);
        res.end();
        return;
      }
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
      if (range) {
        const start = Number(range[1]);
        const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
        res.writeHead(206, { "Content-Length": end - start + 1, "Content-Range": `bytes ${start}-${end}/${size}` });
        createReadStream(file, { start, end }).pipe(res);
        return;
      }
      res.writeHead(200, { "Content-Length": size, "Content-Type": "application/octet-stream" });
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, this.address, resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
