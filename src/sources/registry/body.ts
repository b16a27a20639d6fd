// Bodies read whole (manifests, tag pages, referrers, token answers, error bodies), always
// within a byte cap: a Content-Length over the cap is refused before a byte is read, and a
// body without one is cut off at the first chunk that passes it, so a hostile server can
// make us hold at most cap + one chunk. There is no unbounded text()/json() anywhere.

import { CapacityError } from "../../errors.js";
import type { RegistryResponse } from "./deadline.js";

/** Throw the body away so the connection can be reused. */
export async function discard(res: RegistryResponse): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // Already broken: nothing to free.
  }
}

/**
 * The whole body, at most `cap` bytes; over it, CapacityError saying "`what`: ... the
 * `cap`-byte `limit` limit (from `url`)".
 */
export async function readCapped(res: RegistryResponse, cap: number, what: string, limit: string, url: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get("Content-Length") ?? NaN);
  if (declared > cap) {
    await discard(res);
    throw new CapacityError(`${what}: ${declared} bytes is over the ${cap}-byte ${limit} limit (from ${url})`);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > cap) {
      await reader.cancel().catch(() => {});
      throw new CapacityError(`${what}: more than the ${cap}-byte ${limit} limit (from ${url})`);
    }
    chunks.push(value);
  }
  return concat(chunks, length);
}

/** The first `limit` bytes of the body (the rest is cancelled); for diagnostics that may be cut. */
export async function readPrefix(res: RegistryResponse, limit: number): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return concat(chunks, length).subarray(0, limit);
}

export function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
