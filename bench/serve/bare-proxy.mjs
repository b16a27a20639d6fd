// The floor of a verifying pass-through in Node, for the serve suite: node:http in, sha256 of
// every chunk (node:crypto), piped out with Node's own backpressure. No policy, no deadlines, no
// web streams, no holding back of the last chunk: only the work any Node proxy that checks the
// bytes must do (two extra trips through the kernel and the hash). The row it makes shows how
// much of the pass-through's cost is layerlens's and how much is Node's and the machine's.
//   node bare-proxy.mjs http://registry:port    prints "listening on URL"; /v2/HOST/... maps to the registry's /v2/...
import { createHash } from "node:crypto";
import { createServer, request } from "node:http";

const [upstream] = process.argv.slice(2);
const server = createServer((req, res) => {
  const target = new URL(req.url.replace(/^\/v2\/[^/]+/, "/v2"), upstream);
  request(target, (up) => {
    res.writeHead(up.statusCode, { "Content-Length": up.headers["content-length"] });
    const hash = createHash("sha256");
    up.on("data", (chunk) => hash.update(chunk));
    up.on("end", () => hash.digest());
    up.pipe(res);
  })
    .once("error", () => res.destroy())
    .end();
});
server.listen(0, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${server.address().port}/`));
process.once("SIGTERM", () => server.close(() => process.exit(0)));
