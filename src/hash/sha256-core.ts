// Streaming sha256 on the layerlens core (assembly/sha256.ts): the Hasher the browser and
// workerd verify with, since neither has an incremental native hash (WebCrypto's digest() is
// one-shot) and workerd refuses the run-time wasm compile hash-wasm needs.
//
// The core has one sha256 context. Hashers of the same core take turns on it: the one that
// used it last leaves its state there, and a hasher that finds another in its place first
// saves that one's SHA256_CTX_BYTES and then restores its own (or starts fresh). Nothing is
// reserved per hasher, so an abandoned hasher (a cancelled read) leaks nothing.

import * as abi from "../wasm/abi.js";
import { type Core, getDefaultCore } from "../wasm/core.js";
import { InvariantError } from "../errors.js";
import type { Hasher, Sha256Factory } from "./hasher.js";
import { streamingSha256 } from "./sha256.js";

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Per core: the hasher whose state is in the context now, and the context's address. */
const tenants = new WeakMap<Core, CoreSha256>();
const contexts = new WeakMap<Core, number>();

function contextOf(core: Core): number {
  let at = contexts.get(core);
  if (at === undefined) contexts.set(core, (at = core.exports.sha256Context() >>> 0));
  return at;
}

class CoreSha256 implements Hasher {
  private readonly z: abi.CoreExports;
  private readonly ctx: number;
  /** This hasher's context while another hasher holds the core's; null when it holds it or never ran. */
  private saved: Uint8Array | null = null;
  private started = false;
  private done = false;

  constructor(private readonly core: Core) {
    this.z = core.exports;
    this.ctx = contextOf(core);
  }

  update(bytes: Uint8Array): void {
    if (this.done) throw new InvariantError("sha256: update() after digest()");
    this.claim();
    const window = this.core.ioInSize;
    for (let at = 0; at < bytes.length; at += window) {
      const piece = bytes.subarray(at, Math.min(at + window, bytes.length));
      this.core.u8.set(piece, this.core.ioIn);
      const r = this.z.sha256Update(piece.length);
      if (r < 0) throw new InvariantError(`sha256: the core refused an update of ${piece.length} bytes (code ${r})`);
    }
  }

  digest(): string {
    if (this.done) throw new InvariantError("sha256: digest() called twice");
    this.claim();
    const r = this.z.sha256Final();
    tenants.delete(this.core);
    this.done = true;
    if (r < 0) throw new InvariantError(`sha256: the core refused to finish (code ${r})`);
    const u8 = this.core.u8;
    let out = "sha256:";
    for (let i = 0; i < abi.SHA256_DIGEST_BYTES; i++) out += HEX[u8[this.core.ioOut + i]];
    return out;
  }

  /** Make the core's context this hasher's: save the tenant's, restore or start ours. */
  private claim(): void {
    const tenant = tenants.get(this.core);
    if (tenant === this) return;
    const u8 = this.core.u8;
    if (tenant) tenant.saved = u8.slice(this.ctx, this.ctx + abi.SHA256_CTX_BYTES);
    if (this.saved) {
      u8.set(this.saved, this.ctx);
      this.saved = null;
    } else if (!this.started) {
      this.z.sha256Init();
    } else {
      throw new InvariantError("sha256: this hasher's state was lost");
    }
    this.started = true;
    tenants.set(this.core, this);
  }
}

/** A new streaming sha256 running on `core`. */
export function coreSha256(core: Core = getDefaultCore()): Hasher {
  return new CoreSha256(core);
}

/**
 * The factory runtimes without node:crypto use: the default core's sha256 once that core is
 * loaded, the TypeScript one before (a browser's main thread cannot load the core
 * synchronously, and a hash asked for before any async layerlens call must still work).
 */
export const coreSha256Factory: Sha256Factory = () => {
  let core: Core;
  try {
    core = getDefaultCore();
  } catch {
    return streamingSha256();
  }
  return new CoreSha256(core);
};
