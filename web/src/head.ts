// The first bytes of a stream (a file's preview), the rest cancelled so no more is read.

export async function head(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  while (n < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    n += value.length;
  }
  await reader.cancel();
  const out = new Uint8Array(Math.min(n, limit));
  let at = 0;
  for (const p of parts) {
    out.set(p.subarray(0, out.length - at), at);
    at += Math.min(p.length, out.length - at);
  }
  return out;
}
