// A Blob read in large windows: the sources stream a blob in 1 MiB slices, and in Chromium
// each Blob.slice().arrayBuffer() costs a round trip through the blob system (1 MiB slices
// read at about a third of the speed of 16 MiB ones here). This wrapper reads a window at once
// and answers the slices inside it from memory, reading the next window ahead while the
// current one is used; small reads (tar headers, documents) go to the blob as they are.
// Several streams may read at once (a stage worker reads one layer while it works on another),
// so a few windows are kept, each dropped once a read reaches its end. The wrapper says streams
// should read it in whole windows (streamChunk), and a read of a whole window gets that window's
// buffer as it is, so a layer's bytes are not copied again on their way to the stage worker.
// Where the blob can read into a given buffer (the page's stand-ins can), a whole window is read
// into a buffer handed back by whoever took the last one whole, not into fresh memory.

const WINDOW = 16 << 20;
/** Window buffers kept for reuse (a stream has at most two windows in hand: the current one and the one read ahead). */
const MAX_SPARES = 4;

/** A blob stand-in that can read into a buffer of the caller's (page-blob.ts: the page fills it and hands it back). */
export interface FillableBlob {
  fillInto(into: ArrayBuffer): Promise<Uint8Array<ArrayBuffer>>;
}

/** Whole-window buffers that came back (giveBackWindow), for the next windows to be read into. */
const spares: ArrayBuffer[] = [];
/** Buffers this module handed out as whole windows: the only ones it takes back. */
const windowBuffers = new WeakSet<ArrayBuffer>();

/**
 * Hand back a whole window's buffer (what a read of a whole window returned) once its bytes
 * were copied out and nothing holds it: the next window is read into it, not into fresh
 * memory. Other buffers are ignored.
 */
export function giveBackWindow(buffer: ArrayBufferLike): void {
  if (!(buffer instanceof ArrayBuffer) || !windowBuffers.has(buffer) || spares.length >= MAX_SPARES) return;
  windowBuffers.delete(buffer);
  spares.push(buffer);
}

/** Bytes [start, start + length) of `blob`: into a spare buffer when it is a whole window and one is free. */
function readWindow(blob: Blob, start: number, length: number): Promise<Uint8Array<ArrayBuffer>> {
  const part = blob.slice(start, Math.min(blob.size, start + length));
  const fillable = part as Partial<FillableBlob>;
  if (length === WINDOW && part.size === WINDOW && fillable.fillInto) {
    const spare = spares.pop() ?? new ArrayBuffer(WINDOW);
    return fillable.fillInto(spare).then((bytes) => {
      if (bytes.length === WINDOW) windowBuffers.add(bytes.buffer);
      return bytes;
    });
  }
  return part.arrayBuffer().then((b) => new Uint8Array(b));
}

/** Reads at least this long are taken for a stream's, worth a window. */
const STREAMING_READ = 256 << 10;
/** Windows kept at most (a few streams, each with the one read ahead). */
const MAX_WINDOWS = 6;

interface Window {
  start: number;
  /** Bytes asked for (the blob may end sooner). */
  length: number;
  bytes: Promise<Uint8Array<ArrayBuffer>>;
}

export function windowedBlob(blob: Blob, name = (blob as File).name): Blob {
  const windows: Window[] = [];
  const load = (start: number, length: number): Window => {
    const w = {
      start,
      length,
      bytes: readWindow(blob, start, length),
    };
    w.bytes.catch(() => {}); // a window nobody comes for must not be an unhandled rejection
    windows.push(w);
    if (windows.length > MAX_WINDOWS) windows.shift();
    return w;
  };
  const drop = (w: Window) => {
    const i = windows.indexOf(w);
    if (i >= 0) windows.splice(i, 1);
  };
  const windowAt = (at: number): Window => windows.find((w) => at >= w.start && at < w.start + w.length) ?? load(at, WINDOW);

  async function read(start: number, end: number): Promise<ArrayBuffer> {
    if (end - start < STREAMING_READ) return blob.slice(start, end).arrayBuffer();
    const w = windowAt(start);
    const bytes = await w.bytes;
    const after = w.start + bytes.length;
    // Past half of this window, the next one is read meanwhile.
    if (end > w.start + w.length / 2 && after < blob.size && !windows.some((x) => x.start === after)) load(after, WINDOW);
    if (end >= after) drop(w);
    if (end > after && after < blob.size) {
      // The read runs past this window: the rest comes from the next one.
      const head = bytes.subarray(start - w.start);
      const tail = new Uint8Array(await read(after, end));
      const out = new Uint8Array(head.length + tail.length);
      out.set(head);
      out.set(tail, head.length);
      return out.buffer;
    }
    // A read of a whole window (a stream reading in WINDOW pieces) takes the window's own buffer,
    // not a copy: the window was dropped above, so no later read is answered from it.
    if (start === w.start && end >= after && bytes.byteOffset === 0 && bytes.length === bytes.buffer.byteLength) return bytes.buffer;
    return bytes.slice(start - w.start, Math.min(end, after) - w.start).buffer;
  }

  const part = (start: number, end: number): Blob =>
    ({
      name,
      size: end - start,
      type: blob.type,
      slice(from = 0, to = end - start) {
        const a = Math.min(end, start + Math.max(0, from));
        const b = Math.min(end, start + Math.max(0, to));
        return part(a, Math.max(a, b));
      },
      arrayBuffer: () => read(start, end),
      // Streams of this blob read in whole windows (byte-reader.ts), each then handed over uncopied.
      streamChunk: WINDOW,
    }) as unknown as Blob;
  return part(0, blob.size);
}
