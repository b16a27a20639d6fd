// Staging one layer as the inspector's stage workers do it: the blob read whole (it is under
// WHOLE_BLOB_CAP), its digest checked by WebCrypto before a byte of it is decompressed, the
// gzip inflated by the core's inflater into one buffer (under WHOLE_TAR_CAP),
// the diff_id checked by WebCrypto too, and only then the tar parsed, by the library's own
// stageLayer (LayerFS.stage), which is told the digests are known (known-digest.ts) so it does
// not hash again. WebCrypto runs on the CPU's SHA instructions; streaming the same bytes
// through the wasm sha256 costs several times more. A layer over the caps, or one whose
// digests are not sha256, is staged by LayerFS.stage as it streams, as on the CLI.
// The staged layer is what LayerFS.stage returns for the same bytes; `read` says what the
// blob was (its compression, compressed size and digest), as a streamed read would.

import {
  DigestMismatchError,
  GzipInflater,
  getDefaultCore,
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
import { knownDigestFactory, webSha256 } from "./known-digest.js";

export const WHOLE_BLOB_CAP = 512 << 20;
export const WHOLE_TAR_CAP = 1536 << 20;
/** Compressed bytes per push into the inflater. */
const GUNZIP_SLICE = 1 << 20;
/** Compressed bytes inflated between two yields to the worker's other tasks. */
const YIELD_EVERY = 1 << 40;
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

/** The layer's whole blob; SizeMismatchError when the source has more or fewer bytes than the size. */
async function readWhole(layer: Layer, what: string, onBytes: (n: number) => void): Promise<Uint8Array> {
  const bytes = new Uint8Array(layer.size);
  const reader = (await layer.open()).getReader();
  let at = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (at + value.length > bytes.length) throw new SizeMismatchError(what, layer.size, at + value.length);
      bytes.set(value, at);
      at += value.length;
      onBytes(value.length);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  if (at !== bytes.length) throw new SizeMismatchError(what, layer.size, at);
  return bytes;
}

/** A macrotask turn (a MessageChannel message: no timer clamping), so pending reads get to run. */
function yieldToTasks(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

/** The gzip's last member's ISIZE (its size mod 2^32): where the output buffer starts. */
function sizeHint(gz: Uint8Array): number {
  if (gz.length < 18) return 0;
  const v = new DataView(gz.buffer, gz.byteOffset + gz.length - 4, 4);
  return v.getUint32(0, true);
}

/**
 * `gz` inflated into one buffer by the core's inflater (in Chromium it does more per CPU
 * second than DecompressionStream, and it runs synchronously here, with no stream between);
 * null when the output would pass `cap` bytes. Corrupt data throws GzipFormatError.
 */
async function gunzipWhole(gz: Uint8Array, what: string, cap: number): Promise<Uint8Array | null> {
  const dec = new GzipInflater(getDefaultCore(), { what });
  let out = new Uint8Array(Math.min(cap, Math.max(1 << 20, sizeHint(gz))));
  let n = 0;
  try {
    for (let at = 0; at < gz.length; at += GUNZIP_SLICE) {
      // Now and then the worker's other tasks run: the read of the next layer goes on meanwhile.
      if (at % YIELD_EVERY === 0 && at > 0) await yieldToTasks();
      for (const piece of dec.push(gz.subarray(at, Math.min(gz.length, at + GUNZIP_SLICE)))) {
        if (n + piece.length > out.length) {
          if (n + piece.length > cap) return null;
          const bigger = new Uint8Array(Math.min(cap, Math.max(n + piece.length, Math.floor(out.length * 1.5))));
          bigger.set(out.subarray(0, n));
          out = bigger;
        }
        out.set(piece, n);
        n += piece.length;
      }
    }
    dec.end();
  } finally {
    dec.free();
  }
  return out.subarray(0, n);
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

/** A whole read of `layer`'s blob, started now (so it can run while another layer is worked on). */
export interface EarlyRead {
  ms: Promise<number>;
  bytes: Promise<Uint8Array>;
}

export function readEarly(layer: Layer, what: string, onBytes: (n: number) => void): EarlyRead {
  const t0 = performance.now();
  const bytes = readWhole(layer, what, onBytes);
  bytes.catch(() => {}); // seen by stageWhole, or by nobody when the work was cancelled
  return {
    bytes,
    ms: bytes.then(
      () => performance.now() - t0,
      () => 0,
    ),
  };
}

/**
 * Stage `layer` in `fs` (a stage worker's own), read whole when it fits (by `early` when the
 * read was started already); `onBytes` counts blob bytes read.
 */
export async function stageWhole(
  fs: LayerFS,
  layer: Layer,
  what: string,
  onBytes: (n: number) => void,
  early?: EarlyRead,
): Promise<StageResult> {
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
  const read = early ?? readEarly(layer, what, onBytes);
  // A read that ran beside other work is charged only what it was waited for.
  const blob = await clocked(phases, "reading", layer.size, () => read.bytes);
  // WebCrypto hashes on threads of its own: the blob is hashed while it is inflated here and the
  // tar while it is parsed, and nothing leaves this function before both digests matched.
  const blobDigest = clocked(phases, "verifying", blob.length, () => webSha256(blob));
  blobDigest.catch(() => {}); // awaited below on every path; a rejection must not go unhandled meanwhile
  const blobChecked = async () => {
    const digest = await blobDigest;
    if (digest !== layer.digest) throw new DigestMismatchError(what, layer.digest, digest);
    return digest;
  };
  const compression = sniffCompression(blob);
  const declared = compressionOfMediaType(layer.mediaType);
  const verifiedBlob: LayerLike = { ...layer, open: () => viewsOf(blob) };
  const blobKnown = async () => ({ sha256: knownDigestFactory(blob, await blobChecked()) });
  if (compression !== "gzip") return { staged: await streamed(fs, verifiedBlob, what, phases, await blobKnown()), phases };
  let tar: Uint8Array | null;
  try {
    tar = await clocked(
      phases,
      "gunzip",
      (t) => t?.length ?? 0,
      () => gunzipWhole(blob, what, WHOLE_TAR_CAP),
    );
  } catch (e) {
    await blobChecked(); // a blob that is not what the manifest names is said to be that, not corrupt gzip
    throw e;
  }
  if (!tar) return { staged: await streamed(fs, verifiedBlob, what, phases, await blobKnown()), phases };
  const diffId = layer.diffId!;
  const tarDigest = clocked(phases, "verifying", tar.length, () => webSha256(tar));
  tarDigest.catch(() => {});
  // Parsed on the word of the diff_id; thrown away below unless the tar's digest is that.
  const tarLayer: LayerLike = { digest: diffId, diffId, size: tar.length, open: () => viewsOf(tar) };
  const digestsChecked = async () => {
    await blobChecked();
    const actual = await tarDigest;
    if (actual !== diffId) throw new DigestMismatchError(`${what}: diff_id`, diffId, actual);
  };
  let staged: StagedLayer;
  try {
    staged = await clocked(phases, "tar", tar.length, () =>
      fs.stage(tarLayer, what, { hashers: { sha256: knownDigestFactory(tar, diffId) } }),
    );
  } catch (e) {
    await digestsChecked(); // a wrong digest is the cause to report, before what parsing found
    throw e;
  }
  await digestsChecked();
  staged.read = {
    ...staged.read,
    compression,
    compressedBytes: blob.length,
    digest: await blobDigest,
    mislabelled: declared !== undefined && declared !== compression,
  };
  return { staged, phases };
}
