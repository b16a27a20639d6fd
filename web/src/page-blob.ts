// The page's files as a worker sees them: stand-ins for the page's Blobs (size, slice,
// arrayBuffer: what the sources call on a Blob) whose bytes the worker asks the page for, one
// BlobRead per read, answered by BlobBytes with the bytes transferred, not copied. The files
// never leave the page, and whatever the page's Blob reads do (or are made to do) is what the
// worker sees; the page's thread, idle while the workers work, does the reading.

import type { Picked } from "./open.js";
import { errorOf, type BlobBytes, type BlobRead, type PickedRef } from "./protocol.js";

/** Reads at least this long are taken for a stream's (a layer's 1 MiB pieces), not a header's. */
const READ_AHEAD_FROM = 256 * 1024;
/** Pieces asked for ahead, by blob and offset (one per stream; a few streams at once). */
const AHEAD_STREAMS = 4;

export class PageFiles {
  private nextRead = 1;
  private readonly reads = new Map<number, { resolve: (b: Uint8Array<ArrayBuffer>) => void; reject: (e: unknown) => void }>();
  private readonly ahead = new Map<string, { length: number; bytes: Promise<ArrayBuffer> }>();

  /** `readAhead` false: the caller reads ahead itself (windowed-blob.ts), so a long read asks for nothing more. */
  constructor(
    private readonly post: (msg: BlobRead, transfer: Transferable[]) => void,
    private readonly readAhead = true,
  ) {}

  /** The page's answer to one of our reads. */
  receive(msg: BlobBytes): void {
    const read = this.reads.get(msg.id);
    this.reads.delete(msg.id);
    if ("error" in msg) read?.reject(errorOf(msg.error));
    else read?.resolve(new Uint8Array(msg.bytes, 0, msg.length ?? msg.bytes.byteLength));
  }

  /** A picked input with each of the page's blobs replaced by its stand-in. */
  pickedOf(ref: PickedRef): Picked {
    if (ref.kind === "registry") return ref;
    if (ref.kind === "archive") return { kind: "archive", name: ref.name, file: this.blob(ref.blob, ref.size, ref.name) as File };
    return { kind: "folder", name: ref.name, files: ref.files.map((f) => ({ path: f.path, file: this.blob(f.blob, f.size, f.path) })) };
  }

  /** A stand-in for the page's blob number `blob`. */
  blob(blob: number, size: number, name: string, start = 0, end = size): Blob {
    const part = {
      name,
      size: end - start,
      slice: (from = 0, to = end - start) => {
        const a = Math.min(end, start + Math.max(0, from));
        const b = Math.min(end, start + Math.max(0, to));
        return this.blob(blob, size, name, a, Math.max(a, b));
      },
      arrayBuffer: () => this.read(blob, start, end - start, size),
      // FillableBlob (windowed-blob.ts): the page reads into the caller's buffer and hands it back.
      fillInto: (into: ArrayBuffer) => this.ask(blob, start, end - start, into),
    };
    return part as unknown as Blob;
  }

  private askBuffer(blob: number, offset: number, length: number): Promise<ArrayBuffer> {
    return this.ask(blob, offset, length).then((v) => v.buffer);
  }

  /** Bytes [offset, offset + length) of the page's blob, read into `into` (transferred) when given. */
  private ask(blob: number, offset: number, length: number, into?: ArrayBuffer): Promise<Uint8Array<ArrayBuffer>> {
    const id = this.nextRead++;
    return new Promise((resolve, reject) => {
      this.reads.set(id, { resolve, reject });
      this.post({ kind: "read", id, blob, offset, length, into }, into ? [into] : []);
    });
  }

  /**
   * Bytes [offset, offset + length) of the page's blob. A long read asks for the piece after it
   * at once, so the page reads it while this one is worked on: without that the worker would
   * wait out a round trip to the page for every piece of every layer.
   */
  private read(blob: number, offset: number, length: number, size: number): Promise<ArrayBuffer> {
    const key = `${blob}@${offset}`;
    const early = this.ahead.get(key);
    this.ahead.delete(key);
    const bytes = early && early.length === length ? early.bytes : this.askBuffer(blob, offset, length);
    const next = offset + length;
    if (this.readAhead && length >= READ_AHEAD_FROM && next < size) {
      const piece = { length: Math.min(length, size - next), bytes: this.askBuffer(blob, next, Math.min(length, size - next)) };
      piece.bytes.catch(() => {}); // a piece nobody comes for must not be an unhandled rejection
      this.ahead.set(`${blob}@${next}`, piece);
      if (this.ahead.size > AHEAD_STREAMS) this.ahead.delete(this.ahead.keys().next().value!);
    }
    return bytes;
  }
}
