// The shape of the tree, checked on the sources: the portable modules (src/fs, src/oci,
// src/sources, src/report) load in every runtime, so they import no runtime-specific module (node:*, the
// Node room src/node/, a runtime entry, the CLI, the web app) and never import() a name only
// known at run time (bundlers can neither follow nor drop it). The merged view knows no source:
// src/fs imports nothing from src/sources. Type-only imports are erased and do not count.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, test } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const PORTABLE = ["src/fs", "src/oci", "src/sources", "src/report"];
/** Runtime-specific: the Node room, the per-runtime entries, the CLI, the web app. */
const RUNTIME_SPECIFIC = [/^src\/node\//, /^src\/(node|browser|worker|deno|bun)\.ts$/, /^src\/cli\//, /^web\//];

interface ImportEdge {
  file: string;
  specifier: string;
  target?: string;
  dynamicVariable?: boolean;
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** Runtime imports of `file`: static imports and re-exports that are not type-only, and import(). */
function runtimeImports(file: string): ImportEdge[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: ImportEdge[] = [];
  const add = (specifier: string) => {
    const target = specifier.startsWith(".") ? relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.js$/, ".ts") : undefined;
    out.push({ file, specifier, target });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.importClause?.namedBindings;
      const allTypes =
        named &&
        ts.isNamedImports(named) &&
        !node.importClause?.name &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      if (!allTypes) add(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) add(arg.text);
      else out.push({ file, specifier: arg?.getText(sf) ?? "", dynamicVariable: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const edges = PORTABLE.flatMap(filesUnder).flatMap(runtimeImports);

describe("module structure", () => {
  test("the checker sees the portable modules and their imports", () => {
    expect(edges.length).toBeGreaterThan(50);
    expect(edges.some((e) => e.file === "src/fs/merge.ts" && e.target === "src/fs/stage.ts")).toBe(true);
  });

  test("no portable module imports node:*, src/node/, a runtime entry, the CLI or the web app", () => {
    const bad = edges.filter((e) => e.specifier.startsWith("node:") || (e.target && RUNTIME_SPECIFIC.some((r) => r.test(e.target!))));
    expect(bad.map((e) => `${e.file} -> ${e.specifier}`)).toEqual([]);
  });

  test("no portable module import()s a name only known at run time", () => {
    expect(edges.filter((e) => e.dynamicVariable).map((e) => `${e.file}: import(${e.specifier})`)).toEqual([]);
  });

  test("src/fs imports nothing from src/sources", () => {
    const fsFiles = filesUnder("src/fs");
    const all = fsFiles.flatMap((f) => {
      // Type-only imports count here too: the merged view must not know what a source is.
      const text = readFileSync(join(ROOT, f), "utf8");
      return [...text.matchAll(/from\s+"([^"]+)"/g)].map((m) => ({ file: f, target: relative(ROOT, resolve(ROOT, dirname(f), m[1])) }));
    });
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter((e) => e.target.startsWith("src/sources/")).map((e) => `${e.file} -> ${e.target}`)).toEqual([]);
  });
});
