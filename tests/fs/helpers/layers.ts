// Layers built in memory for tests: tar bytes (from the project's tar writer) as layers.

import { gzipSync } from "node:zlib";
import type { LayerLike } from "../../../src/oci/layer.js";
import { TAR_END, tarEntry, type TarWriteEntry } from "../../../src/fs/tar-write.js";

export function tarOf(entries: (TarWriteEntry | Uint8Array)[], end = true): Uint8Array {
  return Buffer.concat([...entries.map((e) => (e instanceof Uint8Array ? e : tarEntry(e))), ...(end ? [TAR_END] : [])]);
}

/** A LayerLike over bytes, handed out in `chunk`-sized pieces. */
export function layerOf(bytes: Uint8Array, opts: { gzip?: boolean; chunk?: number; digest?: string; diffId?: string } = {}): LayerLike {
  const blob = opts.gzip ? gzipSync(bytes) : bytes;
  const chunk = opts.chunk ?? 64 * 1024;
  return {
    digest: opts.digest,
    diffId: opts.diffId,
    open: async function* () {
      for (let i = 0; i < blob.length; i += chunk) yield blob.subarray(i, Math.min(blob.length, i + chunk));
    },
  };
}

export function tarLayer(entries: (TarWriteEntry | Uint8Array)[], opts: { gzip?: boolean; end?: boolean } = {}): LayerLike {
  return layerOf(tarOf(entries, opts.end ?? true), opts);
}

export function fixChecksum(b: Uint8Array): void {
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += b[i];
  b.set(new TextEncoder().encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
}

/** A header of any typeflag with a body, built from the writer's header and patched. */
export function rawEntry(name: string, flag: string, body: Uint8Array): Uint8Array {
  const h = new Uint8Array(tarEntry({ name }).subarray(0, 512));
  h[156] = flag.charCodeAt(0);
  h.set(new TextEncoder().encode(body.length.toString(8).padStart(11, "0") + "\0"), 124);
  fixChecksum(h);
  const padded = new Uint8Array(Math.ceil(body.length / 512) * 512);
  padded.set(body);
  return Buffer.concat([h, padded]);
}
