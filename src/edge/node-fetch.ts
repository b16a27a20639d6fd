// A fetch for the service in Node whose every connection is checked where it is made: node:http
// and node:https with a `lookup` that hands each address the resolver returns to the policy
// before the socket connects to it. Checking a name first and letting fetch resolve it again
// would leave a gap (DNS rebinding: a public answer for the check, a private one for the
// connection); here the address checked is the address connected to.
// Only what the registry client needs: GET/HEAD/POST with string bodies, no redirects followed
// (the client and guarded-fetch follow them), an AbortSignal, the body as a web stream.

import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { ForbiddenError } from "../errors.js";
import { redactUrl } from "../sources/registry/url.js";
import { addressKind } from "./address.js";
import { nodeBodyStream } from "./node-body.js";

/** Whether `hostname` (as named, with port) may connect to `address`: the policy's exceptions. */
export type AddressCheck = (hostname: string, port: string, address: string) => boolean;

function checkedLookup(url: URL, allowed: AddressCheck): LookupFunction {
  return (hostname, options: LookupOptions, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, "", 0);
      for (const a of addresses) {
        const kind = addressKind(a.address);
        if (kind !== undefined && kind !== "public" && !allowed(hostname, url.port, a.address)) {
          const shown = redactUrl(url);
          return callback(new ForbiddenError(`${shown}: ${hostname} resolves to ${a.address}, a ${kind} address`, shown), "", 0);
        }
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

function toHeaders(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
  }
  return headers;
}

const NO_BODY = new Set([101, 204, 205, 304]);

export function checkedNodeFetch(allowed: AddressCheck): typeof fetch {
  return (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = init.method ?? "GET";
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => (headers[k] = v));
    const body = init.body == null ? undefined : typeof init.body === "string" ? init.body : String(init.body as URLSearchParams);
    if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise<Response>((resolve, reject) => {
      const req = send(url, { method, headers, signal: init.signal ?? undefined, lookup: checkedLookup(url, allowed) }, (res) => {
        const status = res.statusCode ?? 0;
        const stream = method === "HEAD" || NO_BODY.has(status) ? null : nodeBodyStream(res);
        if (!stream) res.resume();
        try {
          resolve(new Response(stream, { status, statusText: res.statusMessage, headers: toHeaders(res) }));
        } catch (e) {
          // A status a Response cannot carry (1xx other than the ones node handles, > 599).
          res.destroy();
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
      req.once("error", reject);
      req.end(body);
    });
  };
}
