// Staging one layer as the inspector's stage workers do it: the blob read whole (it is under
// WHOLE_BLOB_CAP) and, when it is gzip, inflated by the core's inflater into one buffer (under
// WHOLE_TAR_CAP) piece by piece while it is read (gunzip-into.ts), so the inflater does not wait
// for the whole read. Then the blob's digest is checked by WebCrypto, and only once it matched is
// the inflated output looked at: its diff_id checked by WebCrypto too, the tar parsed by the
// library's own stageLayer (LayerFS.stage), which is told the digests are known
// (known-digest.ts) so it does not hash again. WebCrypto's one-shot digest runs at several
// times the wasm sha256's speed; in a worker, Chromium computes it on that worker's own thread
// (a profile shows the call returning only when the digest is nearly done), so the digests are
// steps of the worker's chain, not work beside it. A layer over the caps, or one whose digests
// are not sha256, is staged by LayerFS.stage as it streams, as on the CLI. The staged layer is
// what LayerFS.stage returns for the same bytes; `read` says what the blob was (its
// compression, compressed size and digest), as a streamed read would.

import {
  DigestMismatchError,
  SizeMismatchError,
  compressionOfMediaType,
  sniffCompression,
  withStats,
  type Layer,
  type LayerFS,
  type LayerLike,
  type WorkPhase,
} from "../../src/browser.js";
import type { StagedLayer } from "../../src/fs/stage.js";
import type { HasherOverrides } from "../../src/oci/blob.js";
import { GunzipInto } from "./gunzip-into.js";
import { knownDigestFactory, webSha256 } from "./known-digest.js";
import { takeBuffer } from "./layer-buffers.js";
import { giveBackWindow } from "./windowed-blob.js";

export const WHOLE_BLOB_CAP = 512 << 20;
export const WHOLE_TAR_CAP = 1536 << 20;
/** Tar bytes per piece handed to the tar reader. */
const TAR_PIECE = 4 << 20;

export interface PhaseTime {
  phase: WorkPhase;
  ms: number;
  bytes: number;
}

export interface StageResult {
  staged: StagedLayer;
  phases: PhaseTime[];
  /** The layer's whole blob and tar when it was read whole: nothing staged refers to them, so the next layer may reuse them. */
  buffers?: Uint8Array[];
}

/** Pieces of `bytes` as views of the same memory (what known-digest.ts recognises). */
async function* viewsOf(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += TAR_PIECE) yield bytes.subarray(at, Math.min(bytes.length, at + TAR_PIECE));
}

/** Time `fn` as `phase` over `bytes` bytes. */
async function clocked<T>(phases: PhaseTime[], phase: WorkPhase, bytes: number | ((t: T) => number), fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await fn();
  phases.push({ phase, ms: performance.now() - t0, bytes: typeof bytes === "number" ? bytes : bytes(out) });
  return out;
}

/**
 * The layer's whole blob, `onRead` told each time more of it landed (bytes [0, end) of the
 * returned buffer are in); SizeMismatchError when the source has more or fewer bytes than the size.
 */
async function readWhole(
  layer: Layer,
  what: string,
  onBytes: (n: number) => void,
  onRead: (bytes: Uint8Array, end: number) => void,
): Promise<Uint8Array> {
  const bytes = takeBuffer(layer.size);
  const reader = (await layer.open()).getReader();
  let at = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const n = value.length;
      if (at + n > bytes.length) throw new SizeMismatchError(what, layer.size, at + n);
      bytes.set(value, at);
      at += n;
      // Copied: a window's own buffer (windowed-blob.ts) goes back to be read into again.
      if (value.byteOffset === 0 && n === value.buffer.byteLength) giveBackWindow(value.buffer);
      onRead(bytes, at);
      onBytes(n);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  if (at !== bytes.length) throw new SizeMismatchError(what, layer.size, at);
  return bytes;
}

/** The gzip trailer's ISIZE (the last member's size mod 2^32), read from the blob's end: where the output buffer starts. */
async function sizeHint(layer: Layer): Promise<number> {
  if (layer.size < 18) return 0;
  const tail = new Uint8Array(await new Response(await layer.open({ start: layer.size - 4, end: layer.size })).arrayBuffer());
  return tail.length === 4 ? new DataView(tail.buffer).getUint32(0, true) : 0;
}

/** Bytes to see before the blob's compression is sniffed (sniffCompression's longest magic). */
const SNIFF_BYTES = 4;

/**
 * The blob read whole and, when its first bytes are gzip, inflated while it is read: the
 * inflater (null for other blobs) is handed back unfinished, for the caller to finish once the
 * blob's digest matched.
 */
async function readInflating(layer: Layer, what: string, onBytes: (n: number) => void, phases: PhaseTime[]) {
  const hint = compressionOfMediaType(layer.mediaType) === "gzip" ? await sizeHint(layer).catch(() => 0) : 0;
  const inflating: { gunzip: GunzipInto | null } = { gunzip: null };
  let sniffed = false;
  let pushed = 0;
  const t0 = performance.now();
  let blob: Uint8Array;
  try {
    blob = await readWhole(layer, what, onBytes, (bytes, end) => {
      if (!sniffed) {
        if (end < Math.min(SNIFF_BYTES, layer.size)) return;
        sniffed = true;
        if (sniffCompression(bytes.subarray(0, end)) === "gzip") inflating.gunzip = new GunzipInto(what, WHOLE_TAR_CAP, hint);
      }
      inflating.gunzip?.push(bytes.subarray(pushed, end));
      pushed = end;
    });
  } catch (e) {
    inflating.gunzip?.free();
    throw e;
  }
  // The read's own share is the time it was waited for, besides the inflating done meanwhile.
  phases.push({ phase: "reading", ms: performance.now() - t0 - (inflating.gunzip?.ms ?? 0), bytes: layer.size });
  return { blob, gunzip: inflating.gunzip };
}

/** LayerFS.stage as it streams, its phases taken from the library's own clock. */
async function streamed(fs: LayerFS, layer: LayerLike, what: string, phases: PhaseTime[], hashers?: HasherOverrides) {
  let stats: import("../../src/browser.js").Stats | undefined;
  const staged = await withStats(
    (s) => (stats = s),
    () => fs.stage(layer, what, { hashers }),
  );
  for (const p of stats?.phases ?? []) if (p.ms > 0 || p.bytes > 0) phases.push({ phase: p.phase, ms: p.ms, bytes: p.bytes });
  return staged;
}

const isSha256 = (d: string | undefined) => d !== undefined && d.startsWith("sha256:");

/** Whether stageWhole reads `layer` whole (else it streams it). */
export function readsWhole(layer: Layer): boolean {
  return layer.size <= WHOLE_BLOB_CAP && isSha256(layer.digest) && isSha256(layer.diffId);
}

/** Stage `layer` in `fs` (a stage worker's own), read whole when it fits; `onBytes` counts blob bytes read. */
export async function stageWhole(fs: LayerFS, layer: Layer, what: string, onBytes: (n: number) => void): Promise<StageResult> {
  const phases: PhaseTime[] = [];
  if (!readsWhole(layer)) {
    const counted: LayerLike = {
      ...layer,
      open: async (range) =>
        (await layer.open(range)).pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(c, ctl) {
              onBytes(c.length);
              ctl.enqueue(c);
            },
          }),
        ),
    };
    return { staged: await streamed(fs, counted, what, phases), phases };
  }
  const { blob, gunzip } = await readInflating(layer, what, onBytes, phases);
  let digest: string;
  try {
    digest = await clocked(phases, "verifying", blob.length, () => webSha256(blob));
  } catch (e) {
    gunzip?.free();
    throw e;
  }
  // Checked before anything inflated is looked at: a blob that is not what the manifest names
  // is said to be that, not corrupt gzip.
  if (digest !== layer.digest) {
    gunzip?.free();
    throw new DigestMismatchError(what, layer.digest, digest);
  }
  const compression = sniffCompression(blob);
  const declared = compressionOfMediaType(layer.mediaType);
  const verifiedBlob: LayerLike = { ...layer, open: () => viewsOf(blob) };
  const blobKnown = { sha256: knownDigestFactory(blob, digest) };
  const inflated = gunzip?.finish();
  if (gunzip) phases.push({ phase: "gunzip", ms: gunzip.ms, bytes: inflated?.length ?? 0 });
  if (!inflated) return { staged: await streamed(fs, verifiedBlob, what, phases, blobKnown), phases, buffers: [blob] };
  const tar = inflated;
  const diffId = layer.diffId!;
  // Where WebCrypto hashes on a thread of its own (not in Chromium's workers) the tar is parsed
  // meanwhile; either way nothing leaves this function before its digest matched.
  const tarDigest = clocked(phases, "verifying", tar.length, () => webSha256(tar));
  tarDigest.catch(() => {}); // awaited below on every path; a rejection must not go unhandled meanwhile
  // Parsed on the word of the diff_id; thrown away below unless the tar's digest is that.
  const tarLayer: LayerLike = { digest: diffId, diffId, size: tar.length, open: () => viewsOf(tar) };
  const tarChecked = async () => {
    const actual = await tarDigest;
    if (actual !== diffId) throw new DigestMismatchError(`${what}: diff_id`, diffId, actual);
  };
  let staged: StagedLayer;
  try {
    staged = await clocked(phases, "tar", tar.length, () =>
      fs.stage(tarLayer, what, { hashers: { sha256: knownDigestFactory(tar, diffId) } }),
    );
  } catch (e) {
    await tarChecked(); // a wrong digest is the cause to report, before what parsing found
    throw e;
  }
  await tarChecked();
  staged.read = {
    ...staged.read,
    compression,
    compressedBytes: blob.length,
    digest,
    mislabelled: declared !== undefined && declared !== compression,
  };
  return { staged, phases, buffers: [blob, tar] };
}
