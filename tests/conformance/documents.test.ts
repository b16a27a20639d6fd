// The document table: every case of data/document-cases.ts (the image-spec's own schema test
// documents plus ours) is judged three ways and the answers must agree: its published verdict,
// layerlens's validator, and a JSON-schema check against the spec's schemas
// (fixtures/third-party/image-spec/schema). Where one of them knowingly differs the case carries
// an exception with its reason. Then every field of valid documents is replaced by every JSON
// type: layerlens must refuse with InvalidManifestError naming that field, never a TypeError,
// whenever the schema refuses.
import { describe, expect, it } from "vitest";
import { InvalidManifestError } from "../../src/errors.js";
import { validateConfig, validateDescriptor, validateIndex, validateManifest } from "../../src/oci/validate.js";
import { parseJson } from "../../src/sources/verify.js";
import { DOCUMENT_CASES, type DocCase, type DocKind } from "./data/document-cases.js";
import { fixture, skipFixtures } from "./fixtures-dir.js";
import { SchemaSet } from "./json-schema.js";

const SCHEMA_FILE: Record<DocKind, string> = {
  descriptor: "content-descriptor.json",
  manifest: "image-manifest-schema.json",
  index: "image-index-schema.json",
  config: "config-schema.json",
};
const VALIDATE: Record<DocKind, (v: unknown) => unknown> = {
  descriptor: (v) => validateDescriptor("descriptor", "descriptor", v),
  manifest: (v) => validateManifest("manifest", v),
  index: (v) => validateIndex("index", v),
  config: (v) => validateConfig("config", v),
};

/** Our verdict: undefined when accepted, else the error (any error; the test checks its type). */
function judge(kind: DocKind, doc: unknown): unknown {
  try {
    const value =
      typeof doc === "string" ? parseJson(new TextEncoder().encode(doc), (why) => new InvalidManifestError(kind, "", why)) : doc;
    VALIDATE[kind](value);
    return undefined;
  } catch (e) {
    return e;
  }
}

function schemaErrors(schemas: SchemaSet, c: DocCase): string[] {
  if (typeof c.doc === "string") {
    try {
      return schemas.validate(SCHEMA_FILE[c.kind], JSON.parse(c.doc));
    } catch {
      return ["not JSON"];
    }
  }
  return schemas.validate(SCHEMA_FILE[c.kind], c.doc);
}

describe.skipIf(skipFixtures())("documents: published verdicts, layerlens and the JSON schemas agree", () => {
  const schemas = new SchemaSet(fixture("third-party", "image-spec", "schema"));

  it("the table covers every kind, from the spec's tests and ours", () => {
    for (const kind of Object.keys(SCHEMA_FILE)) {
      expect(DOCUMENT_CASES.filter((c) => c.kind === kind && c.source.startsWith("image-spec")).length, kind).toBeGreaterThan(0);
      expect(DOCUMENT_CASES.filter((c) => c.kind === kind && !c.source.startsWith("image-spec")).length, kind).toBeGreaterThan(0);
    }
    expect(new Set(DOCUMENT_CASES.map((c) => `${c.kind}/${c.name}`)).size).toBe(DOCUMENT_CASES.length);
  });

  for (const c of DOCUMENT_CASES) {
    it(`${c.kind}: ${c.name} (${c.source})`, () => {
      const expectOurs = c.exception?.ours ?? (c.fail ? "fail" : "pass");
      const expectSchema = c.exception?.schema ?? (c.fail ? "fail" : "pass");
      const err = judge(c.kind, c.doc);
      if (expectOurs === "pass") {
        expect(err, c.exception?.why).toBeUndefined();
      } else {
        expect(err, "refused with a typed error").toBeInstanceOf(InvalidManifestError);
        if (c.field !== undefined) expect((err as InvalidManifestError).field).toBe(c.field);
      }
      const schema = schemaErrors(schemas, c);
      expect(schema.length > 0 ? "fail" : "pass", `schema: ${schema.join("; ")} ${c.exception?.why ?? ""}`).toBe(expectSchema);
    });
  }
});

// ---- every field, every wrong JSON type ----

type Path = (string | number)[];
const WRONG: unknown[] = [null, 7, -1, 1.5, "x", true, [], ["x"], {}, { k: "v" }];

function* leaves(v: unknown, at: Path = []): Generator<Path> {
  if (at.length) yield at;
  if (Array.isArray(v)) for (let i = 0; i < v.length; i++) yield* leaves(v[i], [...at, i]);
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) yield* leaves(x, [...at, k]);
}

function replaced(doc: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let node = copy;
  for (const p of path.slice(0, -1)) node = node[p] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
  return copy;
}

/** A field name as a plain dotted path: `a.b[0]["x.y"]` -> `a.b.0.x.y`; prefix dropped. */
const flat = (field: string) =>
  field
    .replace(/\["([^"]*)"\]/g, ".$1")
    .replace(/\[(\d+)\]/g, ".$1")
    .replace(/^\./, "");

/** Fields where null means absent to us (see validate.ts), so the schema alone refuses null. */
const NULL_AS_ABSENT = new Set([
  "config.Env",
  "config.Entrypoint",
  "config.Cmd",
  "config.Labels",
  "config.Volumes",
  "config.ExposedPorts",
  "config",
]);

describe.skipIf(skipFixtures())("documents: a wrong JSON type anywhere is a typed refusal naming the field", () => {
  const schemas = new SchemaSet(fixture("third-party", "image-spec", "schema"));
  const bases = DOCUMENT_CASES.filter((c) => !c.fail && !c.exception && typeof c.doc !== "string" && c.kind !== "descriptor");

  it("every base document is valid to both", () => {
    expect(bases.length).toBeGreaterThan(10);
    for (const c of bases) expect(schemas.validate(SCHEMA_FILE[c.kind], c.doc), c.name).toEqual([]);
  });

  for (const c of bases) {
    it(`${c.kind}: ${c.name}`, () => {
      let refusedBySchema = 0;
      for (const path of leaves(c.doc)) {
        for (const value of WRONG) {
          const doc = replaced(c.doc, path, value);
          const where = `${path.join(".")} = ${JSON.stringify(value)}`;
          const err = judge(c.kind, doc);
          if (err !== undefined) {
            expect(err, where).toBeInstanceOf(InvalidManifestError);
            // The field named is the one replaced or one inside it (an object we look into).
            const named = flat((err as InvalidManifestError).field);
            expect(named === path.join(".") || named.startsWith(path.join(".") + "."), `${where}: named ${named}`).toBe(true);
          }
          const schemaRefuses = schemas.validate(SCHEMA_FILE[c.kind], doc).length > 0;
          if (!schemaRefuses) continue;
          refusedBySchema++;
          if (value === null && NULL_AS_ABSENT.has(path.join("."))) continue;
          // `layers: []` is read on purpose (the table's "no layers" case).
          if (c.kind === "manifest" && path.join(".") === "layers" && Array.isArray(value) && value.length === 0) continue;
          expect(err, `${where}: the schema refuses it, so must we`).toBeInstanceOf(InvalidManifestError);
        }
      }
      expect(refusedBySchema).toBeGreaterThan(0);
    });
  }
});
