// Readers shared by the registry harness pages that run outside Node (the Chromium page, the
// workerd worker) and by the Node suites: Web Streams and crypto.subtle only, no node: imports,
// so the same file bundles for every runtime.

export function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** Every byte a stream yields, in one array. */
export async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Lower-case hex sha256 of the bytes, from the runtime's own WebCrypto (not the client's hasher). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/** The error code a promise rejects with, or "returned data" when it does not reject. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "returned data",
    (e) => (e as { code?: string }).code ?? String(e),
  );
}
