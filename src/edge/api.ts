// The service's own answers, the CLI's JSON over HTTP, for registry images:
//   GET /api/inspect?ref=REF[&platform=os/arch[/variant]][&quick=1]   inspect --json
//   GET /api/layers?ref=REF[&platform=][&changes=1]                     layers --json
//   GET /api/ls?ref=REF[&path=P][&recursive=1][&layer=N][&platform=]    ls --json
//   GET /api/cat?ref=REF&path=P[&platform=]                             the file's bytes, streamed
//   GET /api/referrers?ref=REF[&platform=]                              the referrers tree
//   GET /api/tags?repo=HOST/NAME                                        { name, tags }
// The inspect and layers answers of a digest never change, so anonymous ones are kept in the
// Store by (what, digest, options): asking again within the tag's TTL, or by digest, makes no
// upstream request at all.

import { UsageError } from "../errors.js";
import { LayerFS, type LayerFSOptions, type Stat } from "../fs/merge.js";
import { analyzeWaste } from "../fs/waste.js";
import { sha256Of } from "../hash/hasher.js";
import { parsePlatform } from "../oci/platform.js";
import { buildReport, toReferrerReport } from "../report/inspect.js";
import { layersReport } from "../report/layers.js";
import { documentCache } from "../sources/document-cache.js";
import { resolveImage, resolveReferrers, type ResolvedImage } from "../sources/image.js";
import { type BlobStore, CachedSource, factsStoreOf } from "../sources/cached-source.js";
import type { Credentials } from "../sources/registry.js";
import type { ImageSource } from "../sources/source.js";
import { bytesBody, json } from "./http.js";
import type { Store } from "./store.js";
import type { Upstream } from "./upstream.js";

export interface ApiContext {
  upstream: Upstream;
  store: Store;
  credentials: Credentials | undefined;
  query: URLSearchParams;
  /** The persistent blob store anonymous reads go through, when the host has one. */
  blobs?: BlobStore;
}

const JSON_TYPE = "application/json; charset=utf-8";
const encoder = new TextEncoder();

function required(query: URLSearchParams, name: string): string {
  const v = query.get(name);
  if (!v) throw new UsageError(`the ${name} parameter is required`);
  return v;
}

function flag(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  return v !== null && v !== "0" && v !== "false";
}

function platformOf(query: URLSearchParams) {
  const p = query.get("platform");
  return p ? parsePlatform(p) : undefined;
}

/** A cached answer's key: the sha256 of what was asked, about which digest. */
function answerKey(parts: string[]): string {
  return sha256Of(encoder.encode(parts.join("\0")));
}

/**
 * The image the query names. Anonymous reads go through the host's blob store, so a second
 * look reads no blob from the registry; a caller's credentials keep the store out of it (a
 * blob read with one user's rights must not reach the next caller).
 */
function openSource(ctx: ApiContext): ImageSource {
  const source = ctx.upstream.source(ctx.upstream.reference(required(ctx.query, "ref")), ctx.credentials);
  return ctx.blobs && !ctx.credentials ? new CachedSource(source, ctx.blobs) : source;
}

/**
 * Answer from the store when an anonymous answer about the same root digest is there, else
 * compute it (with the image resolved) and keep it for the next anonymous caller.
 */
async function cachedAnswer(ctx: ApiContext, what: string, compute: (source: ImageSource) => Promise<unknown>): Promise<Response> {
  const source = openSource(ctx);
  try {
    const root = await source.root();
    const key = answerKey([what, root.digest, ...[...ctx.query].filter(([k]) => k !== "ref").map(([k, v]) => `${k}=${v}`)]);
    if (!ctx.credentials) {
      const held = await ctx.store.get(key);
      if (held) return new Response(bytesBody(held.bytes), { headers: { "Content-Type": held.type, "X-Layerlens-Cache": "hit" } });
    }
    const bytes = encoder.encode(JSON.stringify(await compute(source), null, 2) + "\n");
    if (!ctx.credentials) await ctx.store.put(key, { bytes, type: JSON_TYPE });
    return new Response(bytesBody(bytes), { headers: { "Content-Type": JSON_TYPE, "X-Layerlens-Cache": "miss" } });
  } finally {
    await source.close?.();
  }
}

function resolve(source: ImageSource, ctx: ApiContext): Promise<ResolvedImage> {
  return resolveImage(source, { platform: platformOf(ctx.query), cache: documentCache() });
}

async function mounted(source: ImageSource, ctx: ApiContext, upTo?: number, options?: LayerFSOptions) {
  const resolved = await resolve(source, ctx);
  if (upTo !== undefined && upTo >= resolved.layers.length) {
    throw new UsageError(`layer ${upTo}: the image has ${resolved.layers.length} layers`);
  }
  // Layers read through the blob store keep what their verified pass found (the tar's table,
  // the checkpoints) beside the blobs: a second mount of them reads no blob at all.
  const fs = new LayerFS({ facts: factsStoreOf(source), ...options });
  const image = fs.image(source.name);
  try {
    await image.mountBatch(resolved.layers, { upTo });
  } catch (e) {
    fs.free();
    throw e;
  }
  return { fs, image, resolved };
}

function layerParam(query: URLSearchParams): number | undefined {
  const v = query.get("layer");
  if (v === null) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`layer takes a layer index (0 = bottom), not ${JSON.stringify(v)}`);
  return n;
}

export const API_ROUTES: Record<string, (ctx: ApiContext) => Promise<Response>> = {
  inspect: (ctx) =>
    cachedAnswer(ctx, "inspect", async (source) => buildReport(await resolve(source, ctx), { quick: flag(ctx.query, "quick") })),

  layers: (ctx) =>
    cachedAnswer(ctx, "layers", async (source) => {
      const m = await mounted(source, ctx);
      try {
        return layersReport(
          { name: required(ctx.query, "ref"), layers: m.image.layers },
          analyzeWaste(m.image, 10),
          flag(ctx.query, "changes"),
        );
      } finally {
        m.fs.free();
      }
    }),

  async ls(ctx) {
    const source = openSource(ctx);
    try {
      const m = await mounted(source, ctx, layerParam(ctx.query));
      try {
        const path = ctx.query.get("path") ?? "";
        const base = m.image.stat(path);
        let stats: Stat[];
        if (base.type !== "directory") stats = [m.image.lstat(path)];
        else if (flag(ctx.query, "recursive")) stats = [...m.image.walk(path)];
        else stats = m.image.readdir(path).map((n) => m.image.lstat(path ? `${path.replace(/\/+$/, "")}/${n}` : n));
        return json(stats);
      } finally {
        m.fs.free();
      }
    } finally {
      await source.close?.();
    }
  },

  async cat(ctx) {
    const path = required(ctx.query, "path");
    const source = openSource(ctx);
    let m: Awaited<ReturnType<typeof mounted>>;
    try {
      // The mount's verified pass records checkpoints: the file is then read from the nearest
      // one (a Range request, each segment checked), not by decoding its layer from the start.
      m = await mounted(source, ctx, undefined, { recordIndex: true });
    } catch (e) {
      await source.close?.();
      throw e;
    }
    // Once: a reader that goes away mid-read ends both the read and the pull it was waiting on.
    let ended = false;
    const done = async () => {
      if (ended) return;
      ended = true;
      m.fs.free();
      await source.close?.();
    };
    try {
      const stat = m.image.stat(path);
      if (stat.type === "directory") throw new UsageError(`${path} is a directory`);
      const reader = m.image.readFile(path).getReader();
      // The view is freed once the file is read to its end, fails, or the caller goes away.
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const { done: end, value } = await reader.read();
            if (end) {
              controller.close();
              await done();
            } else controller.enqueue(value);
          } catch (e) {
            controller.error(e);
            await done();
          }
        },
        async cancel(reason) {
          await reader.cancel(reason);
          await done();
        },
      });
      return new Response(body, { headers: { "Content-Type": "application/octet-stream", "Content-Length": String(stat.size) } });
    } catch (e) {
      await done();
      throw e;
    }
  },

  async referrers(ctx) {
    const source = openSource(ctx);
    try {
      const image = await resolve(source, ctx);
      return json(toReferrerReport(await resolveReferrers(source, image.manifestDescriptor)));
    } finally {
      await source.close?.();
    }
  },

  async tags(ctx) {
    const repo = required(ctx.query, "repo");
    const reference = ctx.upstream.reference(repo);
    if (reference.digest) throw new UsageError("tags: name a repository, not an image by digest");
    const client = ctx.upstream.client(reference.registry, ctx.credentials);
    return json({ name: `${reference.registry}/${reference.repository}`, tags: await client.tags(reference.repository) });
  },
};
