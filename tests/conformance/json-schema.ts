// A minimal JSON Schema (draft-04) checker covering what the image-spec schemas use: type,
// required, properties, patternProperties, items, minItems, enum, pattern, minimum, maximum, $ref
// (local and across the spec's schema files), and the two formats they name: "uri" (as the Go
// validator checks it: parses as a URL with a scheme) and "date-time" (RFC 3339). Enough to ask "does the schema accept this?"
// as an independent second opinion on our validators; not a general implementation.
import { readFileSync } from "node:fs";
import { join } from "node:path";

type Schema = Record<string, any>;

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

function formatHolds(format: string, v: string): boolean {
  if (format === "date-time") return DATE_TIME.test(v);
  if (format === "uri") {
    if (/[\s\\]/.test(v)) return false;
    try {
      return new URL(v).protocol.length > 1;
    } catch {
      return false;
    }
  }
  return true;
}

export class SchemaSet {
  private readonly files = new Map<string, Schema>();
  constructor(private readonly dir: string) {}

  private file(name: string): Schema {
    let s = this.files.get(name);
    if (!s) {
      s = JSON.parse(readFileSync(join(this.dir, name), "utf8")) as Schema;
      this.files.set(name, s);
    }
    return s;
  }

  private resolve(ref: string, base: string): [Schema, string] {
    const [file, pointer] = ref.split("#");
    const name = file || base;
    let node: any = this.file(name);
    for (const part of (pointer ?? "").split("/").filter(Boolean)) node = node[part];
    return [node, name];
  }

  /** Errors of `value` against schema file `name` (empty = valid). */
  validate(name: string, value: unknown): string[] {
    const errors: string[] = [];
    this.check(this.file(name), name, value, "", errors);
    return errors;
  }

  private check(s: Schema, base: string, v: unknown, at: string, errors: string[]): void {
    if (s.$ref) {
      const [target, file] = this.resolve(s.$ref, base);
      this.check(target, file, v, at, errors);
      return;
    }
    if (s.oneOf) {
      const ok = s.oneOf.filter((o: Schema) => {
        const e: string[] = [];
        this.check(o, base, v, at, e);
        return e.length === 0;
      });
      if (ok.length !== 1) errors.push(`${at}: oneOf`);
      return;
    }
    const type = s.type;
    const t = v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v;
    if (type && !(type === t || (type === "number" && t === "integer"))) {
      errors.push(`${at}: expected ${type}, got ${t}`);
      return;
    }
    if (s.enum && !s.enum.some((e: unknown) => JSON.stringify(e) === JSON.stringify(v))) errors.push(`${at}: enum`);
    if (typeof v === "string" && s.pattern && !new RegExp(s.pattern).test(v)) errors.push(`${at}: pattern`);
    if (typeof v === "string" && s.format && !formatHolds(s.format, v)) errors.push(`${at}: format ${s.format}`);
    if (typeof v === "number") {
      if (s.minimum !== undefined && v < s.minimum) errors.push(`${at}: minimum`);
      if (s.maximum !== undefined && v > s.maximum) errors.push(`${at}: maximum`);
    }
    if (Array.isArray(v)) {
      if (s.minItems !== undefined && v.length < s.minItems) errors.push(`${at}: minItems`);
      if (s.items) v.forEach((x, i) => this.check(s.items, base, x, `${at}[${i}]`, errors));
    }
    if (t === "object") {
      const o = v as Record<string, unknown>;
      for (const r of s.required ?? []) if (!(r in o)) errors.push(`${at}.${r}: required`);
      for (const [k, sub] of Object.entries(s.properties ?? {})) if (k in o) this.check(sub as Schema, base, o[k], `${at}.${k}`, errors);
      for (const [p, sub] of Object.entries(s.patternProperties ?? {})) {
        for (const k of Object.keys(o)) if (new RegExp(p).test(k)) this.check(sub as Schema, base, o[k], `${at}.${k}`, errors);
      }
    }
  }
}
