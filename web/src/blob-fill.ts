// A Blob read into a buffer the caller already has, through a BYOB reader of its stream: in
// Chromium, Blob.arrayBuffer() hands out fresh memory for every read, and a layer streamed in
// 16 MiB windows that way faults in its whole size anew (about a CPU second per GB on the
// bench's machine); read into the same few buffers, it does not. Where the stream has no BYOB
// reader, the bytes are read the ordinary way and copied in.

export interface Filled {
  /** The caller's memory, as a new ArrayBuffer (each BYOB read hands it back that way). */
  buffer: ArrayBuffer;
  /** Bytes of the blob now at its start: the blob's size, unless the file shrank meanwhile. */
  length: number;
}

export async function fillFrom(blob: Blob, into: ArrayBuffer): Promise<Filled> {
  if (blob.size > into.byteLength) throw new RangeError(`a read of ${blob.size} bytes into a buffer of ${into.byteLength}`);
  let reader: ReadableStreamBYOBReader;
  try {
    reader = blob.stream().getReader({ mode: "byob" });
  } catch {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    new Uint8Array(into).set(bytes.subarray(0, into.byteLength));
    return { buffer: into, length: Math.min(bytes.length, into.byteLength) };
  }
  let buffer = into;
  let length = 0;
  try {
    while (length < blob.size) {
      const { done, value } = await reader.read(new Uint8Array(buffer, length, blob.size - length));
      if (value) buffer = value.buffer;
      if (done || !value) break;
      length += value.byteLength;
    }
  } finally {
    reader.releaseLock();
  }
  return { buffer, length };
}
