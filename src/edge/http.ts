// The service's answers: JSON bodies, errors as JSON with our stable codes (and the
// distribution spec's `errors` array, so a registry client reading /v2/ understands them),
// and the CORS headers a page on another origin needs to read them.
// CORS: https://fetch.spec.whatwg.org/#http-cors-protocol

import { LayerlensError, RegistryError } from "../errors.js";

/** Headers a browser script may read from our answers (digests, ranges, challenges). */
const EXPOSED = "Docker-Content-Digest, Docker-Distribution-Api-Version, Content-Length, Content-Range, Content-Type, Accept-Ranges";

export function corsHeaders(origin: string): Record<string, string> {
  return { "Access-Control-Allow-Origin": origin, "Access-Control-Expose-Headers": EXPOSED, Vary: "Origin" };
}

/** The answer to a CORS preflight: GET and HEAD with the headers registry clients send. */
export function preflight(origin: string): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders(origin),
      "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
      "Access-Control-Allow-Headers": "Authorization, Accept, Range, Content-Type",
      "Access-Control-Max-Age": "600",
    },
  });
}

export function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value, null, 2) + "\n", {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...headers },
  });
}

/** The HTTP status an error of ours travels with. */
export function statusOf(err: LayerlensError): number {
  switch (err.code) {
    case "USAGE":
    case "INVALID_REFERENCE":
    case "INVALID_DIGEST":
      return 400;
    case "FORBIDDEN":
      return 403;
    case "NOT_FOUND":
      return 404;
    case "CAPACITY":
      return 413;
    case "TIMEOUT":
      return 504;
    case "REGISTRY": {
      const status = (err as RegistryError).status;
      // The upstream's own refusal reads best as it was (401 asks the caller for credentials).
      return status === 401 || status === 403 || status === 404 || status === 429 ? status : 502;
    }
    default:
      // The upstream sent something wrong (digest mismatch, bad manifest): a bad gateway.
      return 502;
  }
}

/** An error as an answer; anything not ours is a bug and says only INTERNAL. */
export function errorResponse(err: unknown): Response {
  if (err instanceof LayerlensError) {
    const body = { error: { code: err.code, message: err.message }, errors: [{ code: err.code, message: err.message }] };
    return json(body, statusOf(err));
  }
  const message = "the service failed on this request";
  return json({ error: { code: "INTERNAL", message }, errors: [{ code: "INTERNAL", message }] }, 500);
}

/** Bytes as a response body (ours are never on a SharedArrayBuffer, which BodyInit excludes). */
export function bytesBody(bytes: Uint8Array): BodyInit {
  return bytes as Uint8Array<ArrayBuffer>;
}
