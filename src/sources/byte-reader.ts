// Random access to bytes that may be far larger than memory: a multi-GB archive is read by
// seeking to the parts we need (tar headers, one blob), never whole. Node implements this
// with a file handle (src/node/files.ts), browsers and workers with Blob.slice (blobReader here).

/** A fixed-size run of bytes that can be read at any offset. */
export interface ByteReader {
  readonly size: number;
  /** Exactly `length` bytes at `offset`, or fewer only when the end is reached. */
  read(offset: number, length: number): Promise<Uint8Array>;
  close?(): Promise<void>;
  /** The piece size streamRange reads this reader in, where it does best with another than STREAM_CHUNK. */
  readonly streamChunk?: number;
}

/** A Blob stand-in that names the piece size it is best read in (a wrapper reading in large windows). */
export interface ChunkedBlob {
  readonly streamChunk?: number;
}

/** Chunk size for streaming reads: large enough to amortise calls, small enough to stay cheap. */
export const STREAM_CHUNK = 1 << 20;

/**
 * Stream bytes [start, end) of `reader` in STREAM_CHUNK pieces (or the reader's own streamChunk), pulling only when asked.
 * `onDone` runs once when the stream ends, errors or is cancelled (e.g. to close a file).
 */
export function streamRange(reader: ByteReader, start: number, end: number, onDone?: () => unknown): ReadableStream<Uint8Array> {
  const piece = reader.streamChunk ?? STREAM_CHUNK;
  let at = start;
  let finished = false;
  const finish = async () => {
    if (finished) return;
    finished = true;
    await onDone?.();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const chunk = at < end ? await reader.read(at, Math.min(piece, end - at)) : new Uint8Array(0);
          if (chunk.length === 0) {
            await finish();
            controller.close();
            return;
          }
          at += chunk.length;
          controller.enqueue(chunk);
        } catch (err) {
          await finish();
          throw err;
        }
      },
      cancel: finish,
    },
    { highWaterMark: 0 },
  );
}

/** A ByteReader over a Blob or File (browsers, workers; Node has Blob too). */
export function blobReader(blob: Blob): ByteReader {
  return {
    size: blob.size,
    streamChunk: (blob as ChunkedBlob).streamChunk,
    async read(offset, length) {
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}

/** A ByteReader over bytes already in memory (tests, small uploads). */
export function bytesReader(bytes: Uint8Array): ByteReader {
  return {
    size: bytes.length,
    async read(offset, length) {
      return bytes.subarray(offset, Math.min(bytes.length, offset + length));
    },
  };
}

/** A window [offset, offset+size) of another reader, itself a ByteReader (a tar member). */
export function sliceReader(reader: ByteReader, offset: number, size: number): ByteReader {
  return {
    size,
    streamChunk: reader.streamChunk,
    async read(at, length) {
      if (at >= size) return new Uint8Array(0);
      return reader.read(offset + at, Math.min(length, size - at));
    },
  };
}

/** Read all of a small reader (index.json, manifest.json): callers cap the size first. */
export async function readAll(reader: ByteReader): Promise<Uint8Array> {
  return reader.read(0, reader.size);
}
