// Digest checks for the registry client. Hashing goes through the project's sha256 seam
// (src/sha256/hasher.ts: node:crypto in Node, a streaming implementation in browsers and
// workers); a client may pass its own factory. Only sha256 content can be verified, so a
// sha512 digest is refused rather than trusted.
// Digest grammar: https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests

import { DigestMismatchError, InvalidDigestError } from "../../errors.js";

/** Throw InvalidDigestError unless `digest` is a well-formed sha256/sha512 digest (no wasm core needed). */
export function checkDigestForm(digest: string): void {
  if (typeof digest !== "string" || digest === "") throw new InvalidDigestError(String(digest), "empty");
  const colon = digest.indexOf(":");
  if (colon < 0) throw new InvalidDigestError(digest, "format");
  const algorithm = digest.slice(0, colon);
  if (algorithm !== "sha256" && algorithm !== "sha512") throw new InvalidDigestError(digest, "algorithm");
  const hex = digest.slice(colon + 1);
  if (hex.length !== (algorithm === "sha256" ? 64 : 128)) throw new InvalidDigestError(digest, "length");
  if (!/^[0-9a-f]+$/.test(hex)) throw new InvalidDigestError(digest, "hex");
}

/** Throw unless `digest` can be verified here (a well-formed sha256). */
export function requireVerifiable(digest: string, what: string): void {
  checkDigestForm(digest);
  if (!digest.startsWith("sha256:")) throw new DigestMismatchError(what, digest, "(only sha256 digests can be verified)");
}
