// Image references: "alpine" -> docker.io/library/alpine:latest, "localhost:5000/a/b:v1",
// "ghcr.io/o/r@sha256:…", "host/r:tag@sha256:…" (the digest wins; the tag is kept for display).
// Grammar of distribution's reference package (the one docker, skopeo and containerd share):
//   reference := name [':' tag] ['@' digest]
//   name      := [domain '/'] path-component ('/' path-component)*      (at most 255 characters,
//                counted after docker.io/ and library/ are filled in)
//   domain    := host [':' port-number]; host := domain-name | '[' ipv6-hex ']'
//                (the first component is a domain only if it has '.' or ':' or is "localhost")
//   path-comp := [a-z0-9]+ (('.' | '_' | '__' | '-'+) [a-z0-9]+)*
//   tag       := [\w][\w.-]{0,127}
//   digest    := algorithm ':' hex, judged by the one digest rule (digest.ts): sha256 or
//                sha512, lowercase. distribution also names sha384, which nothing here can
//                verify, so such a reference is refused rather than followed unchecked.
// A name that is exactly 64 lowercase hex digits is an image ID, never a repository.
// IPv6 hosts follow distribution's current grammar (hex digits and colons in brackets); the
// copy of it vendored by older skopeo/containers/image releases predates them.
// Spec: https://github.com/distribution/reference/blob/main/reference.go
//       https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests

import { InvalidReferenceError } from "../errors.js";
import { digestProblem } from "./digest.js";

export const DEFAULT_REGISTRY = "docker.io";
export const DEFAULT_TAG = "latest";
const LEGACY_REGISTRY = "index.docker.io";
const OFFICIAL_PREFIX = "library";
const MAX_NAME = 255;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_LABEL = "(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])";
const DOMAIN = new RegExp(`^(?:${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})*|\\[[A-Fa-f0-9:]+\\])(?::[0-9]+)?$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const IMAGE_ID = /^[a-f0-9]{64}$/;

export interface Reference {
  /** Registry host, with port if any: "docker.io", "localhost:5000". */
  registry: string;
  /** Repository path: "library/alpine". */
  repository: string;
  tag?: string;
  digest?: string;
}

function refuse(input: string, why: string): never {
  throw new InvalidReferenceError(input, why);
}

/** Why `component` is not a path component. */
function componentProblem(component: string): string {
  if (component === "") return "has an empty path component";
  if (/[A-Z]/.test(component)) return "repository names must be lowercase";
  return `path component ${JSON.stringify(component)} must be [a-z0-9] runs joined by '.', '_', '__' or '-'`;
}

/**
 * The registry and the rest, as Docker splits them: the first component names a registry only
 * when it could not be a Docker Hub repository (it has '.' or ':' or is localhost).
 */
function splitRegistry(name: string): [string, string[]] {
  const parts = name.split("/");
  const first = parts[0];
  const isDomain = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  const registry = !isDomain || first === LEGACY_REGISTRY ? DEFAULT_REGISTRY : first;
  const path = isDomain ? parts.slice(1) : parts;
  return [registry, registry === DEFAULT_REGISTRY && path.length === 1 ? [OFFICIAL_PREFIX, ...path] : path];
}

/** Parse `input`, filling in docker.io, library/ and :latest as Docker does. */
export function parseReference(input: string): Reference {
  if (typeof input !== "string" || input === "") refuse(String(input), "it is empty");
  if (IMAGE_ID.test(input)) refuse(input, "64 hex digits are an image ID, not a repository name");
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const bad = digestProblem(digest);
    if (bad) refuse(input, `digest ${JSON.stringify(digest)}: ${bad.detail}`);
  }
  let tag: string | undefined;
  // A tag follows the last ':' that comes after the last '/', so "host:5000/repo" has none.
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) refuse(input, `tag ${JSON.stringify(tag)} must match [\\w][\\w.-]{0,127}`);
  }
  const [registry, parts] = splitRegistry(rest);
  // A first component that looks like a host but is not one (my_registry.example) would, by the
  // grammar alone, make a name with no registry at all: nothing could be pulled from it.
  if (!DOMAIN.test(registry)) refuse(input, `registry ${JSON.stringify(registry)} is not a host[:port]`);
  for (const p of parts) if (!PATH_COMPONENT.test(p)) refuse(input, componentProblem(p));
  const repository = parts.join("/");
  if (registry.length + 1 + repository.length > MAX_NAME) refuse(input, `the name is longer than ${MAX_NAME} characters`);
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
