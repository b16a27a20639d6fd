// /v2/ for the browser: the distribution API of any allowed registry, under this origin and with
// CORS, so the page's own RegistryClient can read registries that send no CORS headers or whose
// token service lives on another origin. The upstream registry is the first path segment:
//   /v2/ghcr.io/owner/image/manifests/latest  ->  https://ghcr.io/v2/owner/image/manifests/latest
// (a first segment that is not a host name means Docker Hub, as `docker pull` reads "alpine").
// The token dance and redirects happen here; Range is passed on. Manifests are verified by the
// client (and capped); a whole blob is verified as it streams through, so a corrupted one ends
// in a broken body instead of arriving whole; a ranged read is a span the caller checks itself.
// Anonymous manifests and small blobs are kept in the Store by digest; where the host has a
// persistent blob store, anonymous blobs of any size are kept there too once verified, and
// later reads of them (whole or ranged) are answered from that verified local copy.
// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md

import { NotFoundError, UsageError } from "../errors.js";
import { checkDigestString } from "../oci/digest.js";
import { verifyingStream } from "../oci/blob.js";
import { OCI_INDEX } from "../oci/media-types.js";
import { DEFAULT_REGISTRY } from "../oci/reference.js";
import type { BlobStore, BlobWriter } from "../sources/cached-source.js";
import type { Credentials } from "../sources/registry.js";
import { bytesBody } from "./http.js";
import type { Store } from "./store.js";
import type { Upstream } from "./upstream.js";

export interface V2Context {
  upstream: Upstream;
  store: Store;
  credentials: Credentials | undefined;
  /** Blobs up to this size are kept in the store after a verified whole read. */
  maxStoredBlob: number;
  /** The host's persistent blob store: anonymous blobs of any size are kept there and served from it. */
  blobs?: BlobStore;
}

const API_VERSION = { "Docker-Distribution-Api-Version": "registry/2.0" };
const ROUTE = /^\/v2\/(.+)\/(manifests|blobs|referrers)\/([^/]+)$/;
const TAGS = /^\/v2\/(.+)\/tags\/list$/;

/** The registry and repository a /v2/ name stands for. */
export function splitName(name: string): { registry: string; repository: string } {
  const slash = name.indexOf("/");
  const first = slash < 0 ? name : name.slice(0, slash);
  if (slash > 0 && (first.includes(".") || first.includes(":") || first === "localhost")) {
    return { registry: first, repository: name.slice(slash + 1) };
  }
  return { registry: DEFAULT_REGISTRY, repository: name.includes("/") ? name : `library/${name}` };
}

function head(method: string, body: Uint8Array | string | null): BodyInit | null {
  return method === "HEAD" || body === null ? null : typeof body === "string" ? body : bytesBody(body);
}

async function manifest(ctx: V2Context, method: string, registry: string, repository: string, ref: string): Promise<Response> {
  const anonymous = !ctx.credentials;
  if (anonymous && ref.includes(":")) {
    checkDigestString(ref);
    const held = await ctx.store.get(ref);
    if (held) return answerManifest(method, held.bytes, held.type, ref);
  }
  const client = ctx.upstream.client(registry, ctx.credentials);
  const got = await client.manifest(repository, ref);
  if (anonymous) await ctx.store.put(got.descriptor.digest, { bytes: got.bytes, type: got.descriptor.mediaType });
  return answerManifest(method, got.bytes, got.descriptor.mediaType, got.descriptor.digest);
}

function answerManifest(method: string, bytes: Uint8Array, type: string, digest: string): Response {
  return new Response(head(method, bytes), {
    headers: { ...API_VERSION, "Content-Type": type, "Content-Length": String(bytes.length), "Docker-Content-Digest": digest },
  });
}

/** bytes=A-B / bytes=A- / bytes=-N of `size` bytes, as [start, end) or undefined when unsatisfiable. */
function rangeOf(header: string, size: number): [number, number] | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") return [Math.max(0, size - Number(m[2])), size];
  const start = Number(m[1]);
  const end = m[2] === "" ? size : Math.min(size, Number(m[2]) + 1);
  return start < end ? [start, end] : undefined;
}

function answerStored(method: string, bytes: Uint8Array, type: string, digest: string, range: string | null): Response {
  const headers: Record<string, string> = {
    ...API_VERSION,
    "Content-Type": type,
    "Docker-Content-Digest": digest,
    "Accept-Ranges": "bytes",
  };
  if (!range) return new Response(head(method, bytes), { headers: { ...headers, "Content-Length": String(bytes.length) } });
  const span = rangeOf(range, bytes.length);
  if (!span) return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${bytes.length}` } });
  const part = bytes.subarray(span[0], span[1]);
  return new Response(head(method, part), {
    status: 206,
    headers: { ...headers, "Content-Length": String(part.length), "Content-Range": `bytes ${span[0]}-${span[1] - 1}/${bytes.length}` },
  });
}

const PASSED_ON = ["Content-Type", "Content-Length", "Content-Range", "Accept-Ranges", "Docker-Content-Digest"];

async function blob(ctx: V2Context, method: string, registry: string, repository: string, digest: string, range: string | null) {
  checkDigestString(digest);
  const anonymous = !ctx.credentials;
  if (anonymous) {
    const held = await ctx.store.get(digest);
    if (held) return answerStored(method, held.bytes, held.type, digest, range);
    const kept = ctx.blobs && (await fromBlobStore(ctx.blobs, method, digest, range).catch(() => undefined));
    if (kept) return kept;
  }
  const client = ctx.upstream.client(registry, ctx.credentials);
  const res = await client.blobResponse(repository, digest, { head: method === "HEAD", range: range ?? undefined });
  const headers: Record<string, string> = { ...API_VERSION };
  for (const name of PASSED_ON) {
    const v = res.headers.get(name);
    if (v !== null) headers[name] = v;
  }
  headers["Docker-Content-Digest"] = digest;
  if (method === "HEAD" || !res.body) {
    await res.body?.cancel();
    return new Response(null, { status: res.status, headers });
  }
  if (res.status !== 200) return new Response(res.body, { status: res.status, headers });
  const length = Number(res.headers.get("Content-Length") ?? NaN);
  const size = Number.isSafeInteger(length) && length >= 0 ? length : undefined;
  let body = verifyingStream(res.body, { digest, size }, `blob ${digest} in ${registry}/${repository}`);
  if (anonymous && size !== undefined && size <= ctx.maxStoredBlob)
    body = keepOnceVerified(body, size, (bytes) =>
      ctx.store.put(digest, { bytes, type: headers["Content-Type"] ?? "application/octet-stream" }),
    );
  else if (anonymous && size !== undefined && ctx.blobs) {
    const writer = await ctx.blobs.begin({ digest, size }).catch(() => undefined);
    if (writer) body = storeOnceVerified(body, size, writer);
  }
  return new Response(body, { status: 200, headers });
}

/** Pass `body` on, and hand its bytes to `keep` once the last chunk has been verified. */
function keepOnceVerified(
  body: ReadableStream<Uint8Array>,
  size: number,
  keep: (bytes: Uint8Array) => Promise<void>,
): ReadableStream<Uint8Array> {
  const all = new Uint8Array(size);
  let at = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        all.set(chunk, at);
        at += chunk.length;
        controller.enqueue(chunk);
      },
      // verifyingStream errors before this runs when the bytes were wrong.
      async flush() {
        await keep(all);
      },
    }),
  );
}

/** A blob (or a range of it) from the host's blob store, which verified the whole entry when it was opened whole; undefined when it has none. */
async function fromBlobStore(blobs: BlobStore, method: string, digest: string, range: string | null): Promise<Response | undefined> {
  const size = await blobs.sizeOf?.(digest);
  if (size === undefined) return undefined;
  const headers: Record<string, string> = {
    ...API_VERSION,
    "Content-Type": "application/octet-stream",
    "Docker-Content-Digest": digest,
    "Accept-Ranges": "bytes",
  };
  const span = range ? rangeOf(range, size) : undefined;
  if (range && !span) return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${size}` } });
  // A HEAD still opens the entry: an entry that fails its check is gone, and the registry answers.
  const stream = await blobs.open({ digest, size }, span ? { start: span[0], end: span[1] } : undefined);
  if (!stream) return undefined;
  const length = span ? span[1] - span[0] : size;
  const extra: Record<string, string> = span ? { "Content-Range": `bytes ${span[0]}-${span[1] - 1}/${size}` } : {};
  if (method === "HEAD") await stream.cancel();
  return new Response(method === "HEAD" ? null : stream, {
    status: span ? 206 : 200,
    headers: { ...headers, ...extra, "Content-Length": String(length), "X-Layerlens-Cache": "hit" },
  });
}

/**
 * Pass `body` (a verifying stream of `size` bytes: it hands on the chunk that completes the
 * blob only once the digest matched) on, with every chunk also written to the store. The
 * write is committed before that last chunk goes on, so a caller who has every byte and asks
 * again finds the blob stored; any error or cancel drops the write. A store that fails to
 * write never fails the read: the write is dropped and the bytes go on.
 */
function storeOnceVerified(body: ReadableStream<Uint8Array>, size: number, writer: BlobWriter): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let storing = true;
  let seen = 0;
  const drop = () => {
    if (!storing) return;
    storing = false;
    void writer.abort().catch(() => {});
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let step: ReadableStreamReadResult<Uint8Array>;
        try {
          step = await reader.read();
        } catch (e) {
          drop();
          throw e;
        }
        if (step.done) {
          drop(); // ended without reaching its size: the verifying stream has already said so
          return controller.close();
        }
        seen += step.value.length;
        if (storing) await writer.write(step.value).catch(drop);
        if (storing && seen === size) {
          storing = false;
          await writer.commit().catch(() => writer.abort().catch(() => {}));
        }
        controller.enqueue(step.value);
      },
      cancel(reason) {
        drop();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** A path part with its percent-escapes undone; a malformed escape ("%ZZ") is the caller's mistake. */
function decodedSegment(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new UsageError(`${JSON.stringify(part)} is not valid percent-encoding`);
  }
}

export async function handleV2(ctx: V2Context, method: string, path: string, range: string | null): Promise<Response> {
  if (path === "/v2/" || path === "/v2") return new Response("{}", { headers: { ...API_VERSION, "Content-Type": "application/json" } });
  const tags = TAGS.exec(path);
  if (tags) {
    const { registry, repository } = splitName(decodedSegment(tags[1]));
    const list = await ctx.upstream.client(registry, ctx.credentials).tags(repository);
    return new Response(head(method, JSON.stringify({ name: repository, tags: list })), {
      headers: { ...API_VERSION, "Content-Type": "application/json" },
    });
  }
  const m = ROUTE.exec(path);
  if (!m) throw new NotFoundError(`no such registry route: ${path}`);
  const { registry, repository } = splitName(decodedSegment(m[1]));
  const ref = decodedSegment(m[3]);
  ctx.upstream.reference(`${registry}/${repository}`);
  if (m[2] === "manifests") return manifest(ctx, method, registry, repository, ref);
  if (m[2] === "blobs") return blob(ctx, method, registry, repository, ref, range);
  if (method === "HEAD") throw new UsageError("referrers: GET only");
  checkDigestString(ref);
  const { descriptors } = await ctx.upstream.client(registry, ctx.credentials).referrers(repository, ref);
  return new Response(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: descriptors }), {
    headers: { ...API_VERSION, "Content-Type": OCI_INDEX },
  });
}
