// A sha256 Hasher for bytes hashed whole elsewhere: `bytes` are (being) digested by WebCrypto,
// several times faster than the wasm sha256, so a reader that streams
// views of those same bytes need not hash them again. While every update is the next view of
// `bytes` (same memory, next offset) the hasher only counts, and once all of `bytes` went
// through its answer is `digest`, which the caller must hold to: whatever was read under it is
// kept only once WebCrypto's digest of `bytes` is found equal to it (stage-whole.ts). Fed
// anything else (other memory, a gap, a stop before the end) it hashes for real from the
// start, the bytes seen so far taken from `bytes`.

import { coreSha256, type Hasher, type HasherFactory } from "../../src/browser.js";

class KnownDigest implements Hasher {
  private seen = 0;
  private real: Hasher | null = null;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly known: string,
  ) {}

  update(chunk: Uint8Array): void {
    if (!this.real && chunk.buffer === this.bytes.buffer && chunk.byteOffset === this.bytes.byteOffset + this.seen) {
      if (this.seen + chunk.length <= this.bytes.length) {
        this.seen += chunk.length;
        return;
      }
    }
    if (!this.real) {
      this.real = coreSha256();
      this.real.update(this.bytes.subarray(0, this.seen));
    }
    this.real.update(chunk);
  }

  digest(): string {
    if (this.real) return this.real.digest();
    if (this.seen === this.bytes.length) return this.known;
    const h = coreSha256();
    h.update(this.bytes.subarray(0, this.seen));
    return h.digest();
  }
}

/** Hashers that answer `digest` for all of `bytes` (the caller checks that it is their sha256). */
export function knownDigestFactory(bytes: Uint8Array, digest: string): HasherFactory {
  return () => new KnownDigest(bytes, digest);
}

/** WebCrypto's sha256 of `bytes` as "sha256:<hex>". */
export async function webSha256(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let hex = "sha256:";
  for (const b of d) hex += b.toString(16).padStart(2, "0");
  return hex;
}
