// Image references: "alpine" -> docker.io/library/alpine:latest, "localhost:5000/a/b:v1",
// "ghcr.io/o/r@sha256:…", "host/r:tag@sha256:…" (the digest wins; the tag is kept for display).
// Grammar from distribution's reference package and the distribution-spec:
//   name      := [domain '/'] path-component ('/' path-component)*
//   domain    := host [':' port]     (a first component is a domain if it has '.' or ':' or is localhost)
//   path-comp := [a-z0-9]+ (('.' | '_' | '__' | '-'+) [a-z0-9]+)*
//   tag       := [\w][\w.-]{0,127}
// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests

import { InvalidReferenceError } from "../errors.js";
import { digestProblem } from "./digest.js";

export const DEFAULT_REGISTRY = "docker.io";
export const DEFAULT_TAG = "latest";
const MAX_NAME = 255;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:\[[0-9A-Fa-f:.]+\]|(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;

export interface Reference {
  /** Registry host, with port if any: "docker.io", "localhost:5000". */
  registry: string;
  /** Repository path: "library/alpine". */
  repository: string;
  tag?: string;
  digest?: string;
}

/** Parse `input`, filling in docker.io, library/ and :latest as Docker does. */
export function parseReference(input: string): Reference {
  if (typeof input !== "string" || input === "") throw new InvalidReferenceError(String(input), "it is empty");
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const bad = digestProblem(digest);
    if (bad) throw new InvalidReferenceError(input, `digest ${JSON.stringify(digest)}: ${bad.detail}`);
  }
  let tag: string | undefined;
  // A tag follows the last ':' that comes after the last '/', so "host:5000/repo" has none.
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new InvalidReferenceError(input, `tag ${JSON.stringify(tag)} must match [\\w][\\w.-]{0,127}`);
  }
  const parts = rest.split("/");
  let registry = DEFAULT_REGISTRY;
  if (parts.length > 1 && (parts[0].includes(".") || parts[0].includes(":") || parts[0] === "localhost")) {
    registry = parts.shift() as string;
    if (!DOMAIN.test(registry)) throw new InvalidReferenceError(input, `registry ${JSON.stringify(registry)} is not a host[:port]`);
  }
  if (registry === "index.docker.io" || registry === "registry-1.docker.io") registry = DEFAULT_REGISTRY;
  if (registry === DEFAULT_REGISTRY && parts.length === 1) parts.unshift("library");
  for (const p of parts) {
    if (!PATH_COMPONENT.test(p)) {
      const why = p === "" ? "has an empty path component" : /[A-Z]/.test(p) ? "repository names must be lowercase" : `path component ${JSON.stringify(p)} has characters outside [a-z0-9._-]`;
      throw new InvalidReferenceError(input, why);
    }
  }
  const repository = parts.join("/");
  if (registry.length + 1 + repository.length > MAX_NAME) throw new InvalidReferenceError(input, `the name is longer than ${MAX_NAME} characters`);
  if (!tag && !digest) tag = DEFAULT_TAG;
  return { registry, repository, tag, digest };
}

/** The canonical string: registry/repository[:tag][@digest]. */
export function formatReference(ref: Reference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? ":" + ref.tag : ""}${ref.digest ? "@" + ref.digest : ""}`;
}

/** What a registry is asked for: the digest when there is one, else the tag. */
export function referenceTarget(ref: Reference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

/** True when `tag` is a valid tag string. */
export function isTag(tag: string): boolean {
  return TAG.test(tag);
}
