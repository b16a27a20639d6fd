// The hashing seam: every verifying read hashes through a Hasher made by the factory
// registered for the digest's algorithm, so runtimes differ only in the factories. Default:
// node:crypto (OpenSSL) where the runtime offers it through process.getBuiltinModule
// (Node >= 20.16, Bun, Deno) -- no static import, so this module loads unchanged in browsers
// and workerd -- else sha256 on the wasm core (sha256-core.ts; the TypeScript sha256.ts until
// the core is loaded) and the streaming TypeScript sha512.ts.
// An entry may register another sha256 with setSha256Factory(). Measurements behind the
// choice: bench/sha256.mjs (README "Verification").

import { coreSha256Factory } from "./sha256-core.js";
import { streamingSha512 } from "./sha512.js";

/** The algorithms a digest can be verified with (image-spec descriptor.md, registered algorithms). */
export type HashAlgorithm = "sha256" | "sha512";

/** An incremental hash. digest() ends it and returns "<algorithm>:<lowercase hex>". */
export interface Hasher {
  update(bytes: Uint8Array): void;
  digest(): string;
}

export type HasherFactory = () => Hasher;

/** An incremental sha256: digest() returns "sha256:<64 hex>". */
export type Sha256 = Hasher;
export type Sha256Factory = HasherFactory;

type NodeCrypto = { createHash(alg: HashAlgorithm): { update(b: Uint8Array): unknown; digest(enc: "hex"): string } };

function builtinCrypto(): NodeCrypto | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return proc?.getBuiltinModule?.("node:crypto") as NodeCrypto | undefined;
  } catch {
    return undefined;
  }
}

/** node:crypto's incremental hash of `algorithm`, when the runtime has it. */
export function nativeHasherFactory(algorithm: HashAlgorithm): HasherFactory | undefined {
  const crypto = builtinCrypto();
  if (!crypto?.createHash) return undefined;
  return () => {
    const h = crypto.createHash(algorithm);
    return { update: (b) => void h.update(b), digest: () => `${algorithm}:${h.digest("hex")}` };
  };
}

/** node:crypto's incremental sha256, when the runtime has it. */
export function nativeSha256Factory(): Sha256Factory | undefined {
  return nativeHasherFactory("sha256");
}

const factories: Record<HashAlgorithm, HasherFactory> = {
  sha256: nativeHasherFactory("sha256") ?? coreSha256Factory,
  sha512: nativeHasherFactory("sha512") ?? streamingSha512,
};

/** Make the runtime's fastest sha256 the default (runtime entries call this once). */
export function setSha256Factory(f: Sha256Factory): void {
  factories.sha256 = f;
}

/** A fresh incremental sha256 from the registered factory. */
export function createSha256(): Sha256 {
  return factories.sha256();
}

/** A fresh incremental hash of `algorithm` from its registered factory. */
export function createHasher(algorithm: HashAlgorithm): Hasher {
  return factories[algorithm]();
}

/** sha256 of one buffer, as "sha256:<hex>", by the registered factory or the one given. */
export function sha256Of(bytes: Uint8Array, using: Sha256Factory = factories.sha256): string {
  const h = using();
  h.update(bytes);
  return h.digest();
}
