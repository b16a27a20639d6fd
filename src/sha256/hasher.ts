// The sha256 seam: every verifying read hashes through a Sha256 made by one factory, so
// runtimes differ only in the factory. Default: node:crypto (OpenSSL) where the runtime
// offers it through process.getBuiltinModule (Node >= 20.16, Bun, Deno) -- no static import,
// so this module loads unchanged in browsers and workerd -- else the streaming TypeScript
// sha256 of js.ts. An entry may register another with setSha256Factory(). Measurements
// behind the choice: bench/sha256.mjs (README "Verification").

import { streamingSha256 } from "./js.js";

/** An incremental sha256. digest() ends it and returns "sha256:<64 hex>". */
export interface Sha256 {
  update(bytes: Uint8Array): void;
  digest(): string;
}

export type Sha256Factory = () => Sha256;

type NodeCrypto = { createHash(alg: "sha256"): { update(b: Uint8Array): unknown; digest(enc: "hex"): string } };

function builtinCrypto(): NodeCrypto | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return proc?.getBuiltinModule?.("node:crypto") as NodeCrypto | undefined;
  } catch {
    return undefined;
  }
}

/** node:crypto's incremental sha256, when the runtime has it. */
export function nativeSha256Factory(): Sha256Factory | undefined {
  const crypto = builtinCrypto();
  if (!crypto?.createHash) return undefined;
  return () => {
    const h = crypto.createHash("sha256");
    return { update: (b) => void h.update(b), digest: () => "sha256:" + h.digest("hex") };
  };
}

let factory: Sha256Factory = nativeSha256Factory() ?? streamingSha256;

/** Make the runtime's fastest sha256 the default (runtime entries call this once). */
export function setSha256Factory(f: Sha256Factory): void {
  factory = f;
}

/** A fresh incremental hash from the registered factory. */
export function createSha256(): Sha256 {
  return factory();
}

/** sha256 of one buffer, as "sha256:<hex>", by the registered factory or the one given. */
export function sha256Of(bytes: Uint8Array, using: Sha256Factory = factory): string {
  const h = using();
  h.update(bytes);
  return h.digest();
}
