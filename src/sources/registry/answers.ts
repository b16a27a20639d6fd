// The registry's small JSON answers, read as untrusted input: token answers, tag and catalog
// pages, referrers indexes, error bodies, and the Docker-Content-Digest header. Each parser
// returns the checked value or throws a typed error naming what was read and where from;
// none trusts a field's JSON type (a `null` body, a number for a token, an array for an
// object), so no TypeError can come out of a hostile answer.
// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md
//       https://distribution.github.io/distribution/spec/auth/token/ (token response fields)

import { InvalidManifestError, type RegistryDiagnostic, RegistryError } from "../../errors.js";
import { digestProblem } from "../../oci/digest.js";
import type { Descriptor } from "../../oci/types.js";
import { validateDescriptor } from "../../oci/validate.js";
import { parseJson } from "../verify.js";

export interface TokenAnswer {
  token: string;
  /** Lifetime in seconds, when the server said (a positive number). */
  expiresIn?: number;
}

// RFC 6750 b64token is narrower; any visible ASCII keeps the header valid and accepts the
// opaque tokens some registries hand out.
const HEADER_SAFE_TOKEN = /^[\x21-\x7e]+$/;

/** A token server's 200 answer: `token` or `access_token` (a header-safe string), optional `expires_in`. */
export function parseTokenAnswer(bytes: Uint8Array, url: string, status = 200): TokenAnswer {
  const refuse = (why: string): RegistryError => new RegistryError(`token server answer ${why}`, status, url, false);
  const body = parseJson(bytes, (why) => refuse(`is not JSON (${why})`));
  if (!isObject(body)) throw refuse("is not a JSON object");
  const token = nonEmptyString(body.token) ?? nonEmptyString(body.access_token);
  if (token === undefined) throw refuse("has no token (neither token nor access_token is a non-empty string)");
  if (!HEADER_SAFE_TOKEN.test(token)) throw refuse("holds a token with characters an Authorization header cannot carry");
  const seconds = body.expires_in;
  return typeof seconds === "number" && Number.isFinite(seconds) && seconds > 0 ? { token, expiresIn: seconds } : { token };
}

/** The distribution-spec `errors[]` of an error body; anything else (HTML, junk, wrong types) gives []. */
export function parseErrorBody(bytes: Uint8Array): RegistryDiagnostic[] {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return []; // e.g. "404 page not found": the status says enough
  }
  if (!isObject(body) || !Array.isArray(body.errors)) return [];
  return body.errors
    .filter(isObject)
    .flatMap((e) =>
      typeof e.code === "string"
        ? [{ code: e.code, message: typeof e.message === "string" ? e.message : undefined, detail: e.detail }]
        : [],
    );
}

/** One page of /tags/list (`field` "tags") or /_catalog ("repositories"): a list of strings, null or absent for none. */
export function parseListPage(bytes: Uint8Array, what: string, field: "tags" | "repositories"): string[] {
  const body = parseJson(bytes, (why) => new InvalidManifestError(what, "", why));
  if (!isObject(body)) throw new InvalidManifestError(what, "", "must be a JSON object");
  const page = body[field];
  if (page === null || page === undefined) return [];
  if (!Array.isArray(page)) throw new InvalidManifestError(what, field, "must be a list of strings");
  const bad = page.findIndex((t) => typeof t !== "string");
  if (bad >= 0) throw new InvalidManifestError(what, `${field}[${bad}]`, "must be a string");
  return page as string[];
}

/** The descriptors of an image index (a referrers answer or the tag-schema fallback), each checked. */
export function parseReferrersIndex(bytes: Uint8Array, what: string): Descriptor[] {
  const doc = parseJson(bytes, (why) => new InvalidManifestError(what, "", why));
  if (!isObject(doc)) throw new InvalidManifestError(what, "", "must be a JSON object");
  if (!Array.isArray(doc.manifests)) throw new InvalidManifestError(what, "manifests", "must be a list of descriptors");
  const entries: unknown[] = doc.manifests;
  return entries.map((d, i) => {
    validateDescriptor(what, `manifests[${i}]`, d);
    return d;
  });
}

/** The `mediaType` a manifest names for itself, "" when it names none. */
export function ownMediaType(bytes: Uint8Array, what: string): string {
  const doc = parseJson(bytes, (why) => new InvalidManifestError(what, "", why));
  if (!isObject(doc)) throw new InvalidManifestError(what, "", "must be a JSON object");
  return typeof doc.mediaType === "string" ? doc.mediaType : "";
}

/**
 * The Docker-Content-Digest header, when present: a digest we can verify with, else a
 * RegistryError quoting it (the registry named its bytes with something that is not a digest).
 */
export function contentDigest(headers: Headers, what: string, status: number, url: string): string | undefined {
  const value = headers.get("Docker-Content-Digest");
  if (value === null) return undefined;
  const problem = digestProblem(value);
  if (problem) {
    const shown = JSON.stringify(value.length > 80 ? value.slice(0, 80) + "…" : value);
    throw new RegistryError(`${what}: Docker-Content-Digest ${shown} is not a digest: ${problem.detail}`, status, url, false);
  }
  return value;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function nonEmptyString(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}
