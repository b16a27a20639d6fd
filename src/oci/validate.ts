// Validation of the image-spec's JSON documents: descriptors, manifests, indexes, configs.
// Each check names the field that is wrong as a JSON path ("layers[2].digest") so a user can
// find it in the document. Rules follow the spec text and its JSON schemas (schema/*.json);
// We are looser in two places: `layers: []`, which the schema forbids (minItems 1) but the spec
// only discourages and real tools (umoci, skopeo) write and read; and `null` for the optional
// config arrays and maps (Env, Entrypoint, Cmd, Labels, Volumes, ExposedPorts), read as absent,
// because Go tools marshal an unset slice or map as null.
// A Docker schema 2 manifest may only carry Docker's layer types (tar, tar.gzip and the foreign
// ones): Docker's spec defines no others and skopeo refuses any other, zstd included.
// Unknown media types are accepted wherever the spec allows extension; unknown fields pass.
// Spec: https://github.com/opencontainers/image-spec/blob/main/descriptor.md (and manifest.md,
//       image-index.md, config.md)

import { InvalidManifestError } from "../errors.js";
import {
  DOCKER_FOREIGN_LAYER,
  DOCKER_FOREIGN_LAYER_TAR,
  DOCKER_LAYER,
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_INDEX,
  OCI_MANIFEST,
  isIndex,
  isImageManifest,
  isSchema1,
} from "./media-types.js";
import { digestProblem } from "./digest.js";
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform } from "./types.js";

// descriptor.md: media types per RFC 6838 section 4.2; digests by the one digest rule (digest.ts).
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// descriptor.md: each of `urls` MUST conform to RFC 3986: a scheme, then only URI characters.
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
// config.md: Env entries are VARNAME=VARVALUE (the spec's own validator wants a name before '=').
const ENV_ENTRY = /^[^=]+=/;
const DOCKER_LAYERS = new Set([DOCKER_LAYER, DOCKER_LAYER_GZIP, DOCKER_FOREIGN_LAYER, DOCKER_FOREIGN_LAYER_TAR]);

/** Throws InvalidManifestError for `what` at `field`. */
function fail(what: string, field: string, why: string): never {
  throw new InvalidManifestError(what, field, why);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Fail at `field` unless `v` is a digest that can be verified (sha256 or sha512). */
function checkDigest(what: string, field: string, v: unknown): void {
  const problem = digestProblem(v);
  if (problem)
    fail(what, field, `${typeof v === "string" ? JSON.stringify(v.length > 80 ? v.slice(0, 80) + "…" : v) + ": " : ""}${problem.detail}`);
}

function checkMediaType(what: string, field: string, v: unknown): asserts v is string {
  if (typeof v !== "string") fail(what, field, "must be a string");
  if (!MEDIA_TYPE.test(v)) fail(what, field, `${JSON.stringify(v)} is not a media type (type/subtype)`);
}

function checkStringMap(what: string, field: string, v: unknown): void {
  if (v === undefined) return;
  if (!isObject(v)) fail(what, field, "must be an object of strings");
  for (const [k, s] of Object.entries(v)) {
    if (typeof s !== "string") fail(what, `${field}[${JSON.stringify(k)}]`, "must be a string");
  }
}

function checkStringArray(what: string, field: string, v: unknown): void {
  if (v === undefined) return;
  if (!Array.isArray(v)) fail(what, field, "must be an array of strings");
  v.forEach((s, i) => {
    if (typeof s !== "string") fail(what, `${field}[${i}]`, "must be a string");
  });
}

/** A JSON object used as a set: every member's value is an object (usually {}). */
function checkObjectSet(what: string, field: string, v: unknown): void {
  if (v === undefined) return;
  if (!isObject(v))
    fail(
      what,
      field,
      `must be an object whose members are objects (${field.split(".").pop()}: {"key": {}}), got ${Array.isArray(v) ? "an array" : typeof v}`,
    );
  for (const [k, o] of Object.entries(v)) {
    if (!isObject(o)) fail(what, `${field}[${JSON.stringify(k)}]`, "must be an object ({})");
  }
}

// RFC 3339 date-time (config.md: "created ... formatted as defined by RFC 3339").
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
function isDate(s: string): boolean {
  return RFC3339.test(s) && !Number.isNaN(Date.parse(s.replace(" ", "T")));
}

function checkPlatform(what: string, field: string, v: unknown): asserts v is Platform {
  if (!isObject(v)) fail(what, field, "must be an object");
  for (const key of ["architecture", "os"]) {
    if (typeof v[key] !== "string") fail(what, `${field}.${key}`, "is required and must be a string");
  }
  for (const key of ["os.version", "variant"]) {
    if (v[key] !== undefined && typeof v[key] !== "string") fail(what, `${field}.${key}`, "must be a string");
  }
  checkStringArray(what, `${field}["os.features"]`, v["os.features"]);
  checkStringArray(what, `${field}.features`, v.features);
}

/** Check one descriptor; `field` is where it sits in its document. */
export function validateDescriptor(what: string, field: string, v: unknown): asserts v is Descriptor {
  if (!isObject(v)) fail(what, field, "must be a descriptor object");
  checkMediaType(what, `${field}.mediaType`, v.mediaType);
  checkDigest(what, `${field}.digest`, v.digest);
  if (typeof v.size !== "number" || !Number.isSafeInteger(v.size) || v.size < 0) {
    fail(what, `${field}.size`, `must be a non-negative integer, got ${JSON.stringify(v.size)}`);
  }
  checkStringArray(what, `${field}.urls`, v.urls);
  (v.urls as string[] | undefined)?.forEach((u, i) => {
    if (!URI.test(u)) fail(what, `${field}.urls[${i}]`, `${JSON.stringify(u)} is not a URI (RFC 3986)`);
  });
  checkStringMap(what, `${field}.annotations`, v.annotations);
  if (v.artifactType !== undefined) checkMediaType(what, `${field}.artifactType`, v.artifactType);
  if (v.data !== undefined) {
    if (typeof v.data !== "string" || !BASE64.test(v.data)) fail(what, `${field}.data`, "must be base64");
  }
  if (v.platform !== undefined) checkPlatform(what, `${field}.platform`, v.platform);
}

function checkSchemaVersion(what: string, v: Record<string, unknown>): void {
  if (v.schemaVersion !== 2) {
    fail(
      what,
      "schemaVersion",
      `must be 2, got ${JSON.stringify(v.schemaVersion)}${v.schemaVersion === 1 ? " (Docker schema 1 is not supported)" : ""}`,
    );
  }
}

/** Check a parsed image manifest (OCI or Docker schema 2). */
export function validateManifest(what: string, v: unknown): ImageManifest {
  if (!isObject(v)) fail(what, "", "a manifest must be a JSON object");
  checkSchemaVersion(what, v);
  if (v.mediaType !== undefined) {
    checkMediaType(what, "mediaType", v.mediaType);
    if (isIndex(v.mediaType)) fail(what, "mediaType", `${v.mediaType} is an index, not an image manifest`);
    if (!isImageManifest(v.mediaType)) fail(what, "mediaType", `expected ${OCI_MANIFEST} or ${DOCKER_MANIFEST}, got ${v.mediaType}`);
  }
  if (v.manifests !== undefined) fail(what, "manifests", "an image manifest has no manifests field (is this an index?)");
  if (v.artifactType !== undefined) checkMediaType(what, "artifactType", v.artifactType);
  validateDescriptor(what, "config", v.config);
  if (!Array.isArray(v.layers)) fail(what, "layers", "is required and must be an array of descriptors");
  v.layers.forEach((d, i) => validateDescriptor(what, `layers[${i}]`, d));
  if (v.mediaType === DOCKER_MANIFEST) {
    v.layers.forEach((d, i) => {
      const mt = (d as Descriptor).mediaType;
      if (!DOCKER_LAYERS.has(mt))
        fail(
          what,
          `layers[${i}].mediaType`,
          `${mt} is not a layer type of Docker schema 2 (tar, tar.gzip, foreign); zstd and other types need an OCI manifest`,
        );
    });
  }
  if (v.subject !== undefined) validateDescriptor(what, "subject", v.subject);
  checkStringMap(what, "annotations", v.annotations);
  return v as unknown as ImageManifest;
}

/** Check a parsed image index or Docker manifest list. */
export function validateIndex(what: string, v: unknown): ImageIndex {
  if (!isObject(v)) fail(what, "", "an index must be a JSON object");
  checkSchemaVersion(what, v);
  if (v.mediaType !== undefined) {
    checkMediaType(what, "mediaType", v.mediaType);
    if (isImageManifest(v.mediaType)) fail(what, "mediaType", `${v.mediaType} is an image manifest, not an index`);
    if (!isIndex(v.mediaType)) fail(what, "mediaType", `expected ${OCI_INDEX} or ${DOCKER_MANIFEST_LIST}, got ${v.mediaType}`);
  }
  if (v.config !== undefined || v.layers !== undefined)
    fail(what, v.config !== undefined ? "config" : "layers", "an index has no config or layers (is this a manifest?)");
  if (v.artifactType !== undefined) checkMediaType(what, "artifactType", v.artifactType);
  if (!Array.isArray(v.manifests)) fail(what, "manifests", "is required and must be an array of descriptors");
  v.manifests.forEach((d, i) => validateDescriptor(what, `manifests[${i}]`, d));
  if (v.subject !== undefined) validateDescriptor(what, "subject", v.subject);
  checkStringMap(what, "annotations", v.annotations);
  return v as unknown as ImageIndex;
}

/** Check a parsed image config: the fields config.md requires plus the types of the common ones. */
export function validateConfig(what: string, v: unknown): ImageConfig {
  if (!isObject(v)) fail(what, "", "a config must be a JSON object");
  for (const key of ["architecture", "os"]) {
    if (typeof v[key] !== "string") fail(what, key, "is required and must be a string");
  }
  for (const key of ["created", "author", "variant", "os.version"]) {
    if (v[key] !== undefined && typeof v[key] !== "string") fail(what, key, "must be a string");
  }
  if (typeof v.created === "string" && !isDate(v.created)) fail(what, "created", `${JSON.stringify(v.created)} is not an RFC 3339 date`);
  const rootfs = v.rootfs;
  if (!isObject(rootfs)) fail(what, "rootfs", "is required and must be an object");
  if (rootfs.type !== "layers") fail(what, "rootfs.type", `must be "layers", got ${JSON.stringify(rootfs.type)}`);
  if (!Array.isArray(rootfs.diff_ids)) fail(what, "rootfs.diff_ids", "is required and must be an array of digests");
  rootfs.diff_ids.forEach((d, i) => checkDigest(what, `rootfs.diff_ids[${i}]`, d));
  checkStringArray(what, "os.features", v["os.features"]);
  if (v.history !== undefined) {
    if (!Array.isArray(v.history)) fail(what, "history", "must be an array");
    v.history.forEach((h, i) => {
      if (!isObject(h)) fail(what, `history[${i}]`, "must be an object");
      for (const key of ["created", "author", "created_by", "comment"]) {
        if (h[key] !== undefined && typeof h[key] !== "string") fail(what, `history[${i}].${key}`, "must be a string");
      }
      if (typeof h.created === "string" && !isDate(h.created))
        fail(what, `history[${i}].created`, `${JSON.stringify(h.created)} is not an RFC 3339 date`);
      if (h.empty_layer !== undefined && typeof h.empty_layer !== "boolean") fail(what, `history[${i}].empty_layer`, "must be a boolean");
    });
  }
  const c = v.config;
  if (c !== undefined && c !== null) {
    if (!isObject(c)) fail(what, "config", "must be an object");
    checkStringArray(what, "config.Env", c.Env ?? undefined);
    (c.Env as string[] | null | undefined)?.forEach((e, i) => {
      if (!ENV_ENTRY.test(e)) fail(what, `config.Env[${i}]`, `${JSON.stringify(e)} is not NAME=VALUE`);
    });
    checkStringArray(what, "config.Entrypoint", c.Entrypoint ?? undefined);
    checkStringArray(what, "config.Cmd", c.Cmd ?? undefined);
    checkStringMap(what, "config.Labels", c.Labels ?? undefined);
    // Sets written as {"key": {}}; an array here is a common mistake that skopeo refuses.
    checkObjectSet(what, "config.Volumes", c.Volumes ?? undefined);
    checkObjectSet(what, "config.ExposedPorts", c.ExposedPorts ?? undefined);
    for (const key of ["User", "WorkingDir", "StopSignal"]) {
      if (c[key] !== undefined && typeof c[key] !== "string") fail(what, `config.${key}`, "must be a string");
    }
    if (c.ArgsEscaped !== undefined && typeof c.ArgsEscaped !== "boolean") fail(what, "config.ArgsEscaped", "must be a boolean");
  }
  return v as unknown as ImageConfig;
}

/** What kind of document a parsed manifest-ish JSON is, judged by mediaType then by shape. */
export function documentKind(v: unknown): "index" | "manifest" | "schema1" | "unknown" {
  if (!isObject(v)) return "unknown";
  const mt = v.mediaType as string | undefined;
  if (isIndex(mt)) return "index";
  if (isImageManifest(mt)) return "manifest";
  if (isSchema1(mt) || v.schemaVersion === 1) return "schema1";
  if (Array.isArray(v.manifests)) return "index";
  if (v.config !== undefined || Array.isArray(v.layers)) return "manifest";
  return "unknown";
}
