// The shape of a known-answer case, shared by every runtime harness.
//
// A case receives `lib`, the runtime-neutral API as the runtime's entry re-exports it
// (src/index.ts: MetadataCache, parseDigest, the errors, ...), and a context naming the core
// it must run on. It throws on a wrong answer. Cases never import src/ themselves: the point
// is to exercise what the entry under test exports, bundled the way that runtime loads it.

import type * as Layerlens from "../../../src/index.js";
import type { Core } from "../../../src/wasm/core.js";

export type Lib = typeof Layerlens;

export interface CaseContext {
  /** Which runtime runs the case ("node", "chromium", "workerd", "deno", "bun"). */
  runtime: string;
  /** Which build of the core this pass uses. */
  build: "release" | "debug";
  /** The core to hand to MetadataCache / parseDigest (`core:` option). */
  core: Core;
  /** The entry's init() for the release core, called with whatever that runtime needs. */
  init(): Promise<Core>;
}

export interface KnownAnswerCase {
  name: string;
  run(lib: Lib, ctx: CaseContext): Promise<void> | void;
}

/** One case's outcome in one build, as a harness reports it (JSON-safe). */
export interface CaseResult {
  name: string;
  build: "release" | "debug";
  ok: boolean;
  error?: string;
}

/** What a harness prints or returns: who ran the wasm and how every case went. */
export interface RuntimeReport {
  runtime: string;
  /** The runtime's own description of itself (user agent, Deno.version, Bun.version, ...). */
  version: string;
  /** SHA-256 of the release .wasm bytes the runtime loaded, where it can see the bytes. */
  wasmSha256?: string;
  results: CaseResult[];
  /** Facts about how the runtime got the wasm, checked by that runtime's suite. */
  notes?: Record<string, unknown>;
}
