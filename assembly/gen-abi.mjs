#!/usr/bin/env node
// Writes src/wasm/abi.ts, the TypeScript mirror of the core's ABI, from two sources:
//
//   assembly/abi.ts      every constant that crosses the boundary (values computed here,
//                        comments carried over)
//   build/release.d.ts   what asc emits for the raw exports (`--bindings raw`): names,
//                        parameters and their AssemblyScript types, turned into CoreExports
//                        with the types a raw wasm call really takes and returns (bool and
//                        u32 arrive as plain i32 numbers, u64 as bigint)
//
// Run by `npm run asbuild` after the release build. `--check` writes nothing and exits 1
// when the committed mirror differs from what this would write (tests/unit/abi.test.ts).

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = new URL("../", import.meta.url);
const ABI_SOURCE = new URL("assembly/abi.ts", root);
const EXPORTS_DTS = new URL("build/release.d.ts", root);
const MIRROR = new URL("src/wasm/abi.ts", root);

/** A raw wasm value as JavaScript sees it, per AssemblyScript type. */
const JS_TYPE = {
  bool: "number",
  i8: "number",
  u8: "number",
  i16: "number",
  u16: "number",
  i32: "number",
  u32: "number",
  isize: "number",
  usize: "number",
  f32: "number",
  f64: "number",
  i64: "bigint",
  u64: "bigint",
  void: "void",
};

/** How a constant of each type is narrowed after evaluation (as a wasm32 value). */
const NARROW = {
  u8: (v) => v & 0xff,
  i32: (v) => v | 0,
  u32: (v) => v >>> 0,
  usize: (v) => v >>> 0,
};

const CONST = /^export const ([A-Z][A-Z0-9_]*): (\w+) = (.+);$/;
const TOKEN = /\s*(0x[0-9a-fA-F]+|\d+|[A-Z][A-Z0-9_]*|<<|>>>|>>|[-+*|&~()])/y;

/** Evaluate an abi.ts initialiser: integer literals, earlier names, + - * << >> >>> | & ~ ( ). */
function evaluate(expr, values, where) {
  let js = "";
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expr.length) {
    const m = TOKEN.exec(expr);
    if (!m) throw new Error(`${where}: cannot read ${JSON.stringify(expr.slice(TOKEN.lastIndex))}`);
    const t = m[1];
    if (/^[A-Z]/.test(t)) {
      if (!values.has(t)) throw new Error(`${where}: ${t} is not defined above`);
      js += `(${values.get(t)})`;
    } else js += t;
    if (expr.slice(TOKEN.lastIndex).trim() === "") break;
  }
  const v = Function(`"use strict"; return (${js});`)();
  if (!Number.isInteger(v)) throw new Error(`${where}: ${expr} is not an integer`);
  return v;
}

/** The constants of abi.ts as TypeScript, with section rules and doc comments kept. */
export function renderConstants(source) {
  const values = new Map();
  const out = [];
  let doc = [];
  let inDoc = false;
  let started = false;
  source.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    const where = `assembly/abi.ts:${i + 1}`;
    if (inDoc || line.startsWith("/**")) {
      doc.push(raw);
      inDoc = !line.endsWith("*/");
      return;
    }
    if (line.startsWith("// ----")) {
      started = true;
      out.push("", line);
      return;
    }
    if (line === "") {
      if (doc.length) throw new Error(`${where}: a doc comment must sit directly above its constant`);
      return;
    }
    if (line.startsWith("//")) {
      if (started) throw new Error(`${where}: only "// ----" section rules and /** */ docs travel to the mirror`);
      return; // the file's own header
    }
    const m = CONST.exec(line);
    if (!m) throw new Error(`${where}: expected \`export const NAME: TYPE = EXPR;\`, got ${JSON.stringify(line)}`);
    const [, name, type, expr] = m;
    const narrow = NARROW[type];
    if (!narrow) throw new Error(`${where}: type ${type} of ${name} is not one the mirror knows (${Object.keys(NARROW).join(", ")})`);
    if (values.has(name)) throw new Error(`${where}: ${name} is defined twice`);
    const value = narrow(evaluate(expr, values, where));
    values.set(name, value);
    const literal = /^(0x[0-9a-fA-F]+|-?\d+)$/.test(expr);
    const text = /^0x/.test(expr) ? `0x${value.toString(16)}` : String(value);
    out.push(...doc, `export const ${name} = ${text};${literal ? "" : ` // ${expr}`}`);
    doc = [];
  });
  if (doc.length) throw new Error("assembly/abi.ts: a doc comment at the end names no constant");
  return out.join("\n");
}

/** CoreExports from asc's raw-bindings .d.ts: one member per export, typed as the raw call. */
export function renderExports(dts) {
  const members = [];
  const block = /\/\*\*([\s\S]*?)\*\/\s*export (function|const) (\w+)(\(([^)]*)\))?: ([^;]+);/g;
  for (const m of dts.matchAll(block)) {
    const [, comment, kind, name, , params] = m;
    if (kind === "const") {
      if (name !== "memory") throw new Error(`build/release.d.ts: unexpected exported global ${name}`);
      members.push("  memory: WebAssembly.Memory;");
      continue;
    }
    const paramTypes = [...comment.matchAll(/@param (\w+) `(\w+)`/g)].map((p) => [p[1], p[2]]);
    const ret = /@returns `(\w+)`/.exec(comment)?.[1] ?? "void";
    const names = params.trim() === "" ? [] : params.split(",").map((p) => p.split(":")[0].trim());
    if (names.length !== paramTypes.length) throw new Error(`build/release.d.ts: ${name}: parameters and @param tags disagree`);
    const jsOf = (t) => {
      if (!JS_TYPE[t]) throw new Error(`build/release.d.ts: ${name}: AssemblyScript type ${t} has no raw mapping`);
      return JS_TYPE[t];
    };
    const args = paramTypes.map(([p, t]) => `${p}: ${jsOf(t)}`).join(", ");
    const asSig = `(${paramTypes.map(([, t]) => t).join(", ")}) => ${ret}`;
    members.push(`  ${name}(${args}): ${jsOf(ret)}; // ${asSig}`);
  }
  if (!members.some((m) => m.startsWith("  memory:"))) throw new Error("build/release.d.ts: no exported memory");
  return members.join("\n");
}

export function renderMirror(abiSource, dts) {
  return `// GENERATED by assembly/gen-abi.mjs from assembly/abi.ts and build/release.d.ts (asc's
// raw bindings) on \`npm run asbuild\`. Do not edit: change assembly/abi.ts or the exports.
//
// Every constant that crosses the wasm boundary, and the core's raw exports. A raw call
// returns what wasm returns: u32 and bool come back as i32 numbers (\`>>> 0\`, \`!== 0\`).
${renderConstants(abiSource)}

/** The core's exports, called raw (no loader wrappers); AssemblyScript types in comments. */
export interface CoreExports {
${renderExports(dts)}
}
`;
}

function main() {
  const check = process.argv.includes("--check");
  const text = renderMirror(readFileSync(ABI_SOURCE, "utf8"), readFileSync(EXPORTS_DTS, "utf8"));
  const path = fileURLToPath(MIRROR);
  if (check) {
    let committed = "";
    try {
      committed = readFileSync(MIRROR, "utf8");
    } catch {
      /* missing counts as drift */
    }
    if (committed !== text) {
      process.stderr.write(`${path} is out of date with assembly/abi.ts or the core's exports: run npm run asbuild\n`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(MIRROR, text);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
