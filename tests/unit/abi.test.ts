// The ABI is written once (assembly/abi.ts) and mirrored by a generated file
// (src/wasm/abi.ts). These tests fail on any drift between them: the committed mirror must be
// what the generator writes now, every constant must equal what AssemblyScript itself
// computes for it (assembly/abi.ts compiled on its own, each constant read back as an
// exported global), and CoreExports must name exactly the functions the built core exports.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import asc, { type MemoryStream } from "assemblyscript/asc";
import { describe, expect, it } from "vitest";
import * as mirror from "../../src/wasm/abi.js";
import { EXPECTED_ABI } from "../../src/node.js";
import { release } from "../helpers/core.js";

const ABI_SOURCE = "assembly/abi.ts";
const MIRROR = "src/wasm/abi.ts";

/** Each `export const NAME: TYPE` of assembly/abi.ts, in order. */
function declared(): [string, string][] {
  const src = readFileSync(ABI_SOURCE, "utf8");
  return [...src.matchAll(/^export const ([A-Z][A-Z0-9_]*): (\w+) =/gm)].map((m) => [m[1], m[2]]);
}

/** A wasm global's value as the AssemblyScript type says (i32 globals read signed). */
function asType(value: number, type: string): number {
  return type === "u32" || type === "usize" ? value >>> 0 : type === "u8" ? value & 0xff : value | 0;
}

describe("the ABI mirror", () => {
  it("is what assembly/gen-abi.mjs writes from assembly/abi.ts and the built core", () => {
    // Exits 1 (execFileSync throws, with the generator's message) when the committed file differs.
    execFileSync(process.execPath, ["assembly/gen-abi.mjs", "--check"], { stdio: "pipe" });
  });

  it("has every constant, with the value AssemblyScript computes for it", async () => {
    const result = await asc.compileString({ "abi.ts": readFileSync(ABI_SOURCE, "utf8") }, { runtime: "stub" });
    // compileString writes its diagnostics to an in-memory stream, which reads back as text.
    expect(result.error, (result.stderr as MemoryStream).toString()).toBeNull();
    const instance = new WebAssembly.Instance(new WebAssembly.Module(result.binary as Uint8Array<ArrayBuffer>), {});
    const names = declared();
    expect(names.length).toBeGreaterThan(40);
    const exported = Object.keys(mirror)
      .filter((k) => /^[A-Z]/.test(k))
      .sort();
    expect(exported).toEqual(names.map(([n]) => n).sort());
    for (const [name, type] of names) {
      const global = instance.exports[name] as WebAssembly.Global;
      expect(global, `${name} is exported by the compiled abi.ts`).toBeInstanceOf(WebAssembly.Global);
      expect((mirror as Record<string, unknown>)[name], name).toBe(asType(global.value as number, type));
    }
  });

  it("says the ABI version the built core reports", () => {
    expect(mirror.ABI_VERSION).toBe(release.exports.abiVersion());
    expect(EXPECTED_ABI).toBe(mirror.ABI_VERSION);
  });

  it("types CoreExports with exactly the functions the built core exports", () => {
    const text = readFileSync(MIRROR, "utf8");
    const body = text.slice(text.indexOf("export interface CoreExports {"));
    const members = [...body.matchAll(/^ {2}(\w+)[(:]/gm)].map((m) => m[1]).sort();
    const module = new WebAssembly.Module(readFileSync("build/release.wasm"));
    const exports = WebAssembly.Module.exports(module)
      .map((e) => e.name)
      .sort();
    expect(members).toEqual(exports);
  });
});
