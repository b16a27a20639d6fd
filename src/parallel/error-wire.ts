// Errors across a worker boundary. A structured clone keeps an Error's message but not its
// class or its own fields, and callers branch on `instanceof` and `code` (and read `what`,
// `expected`, `actual`, ...): so an error goes over as its class name plus its own fields and
// comes back as an instance of the same class, with the same code, fields and message.

import * as errors from "../errors.js";
import { LayerlensError } from "../errors.js";
import * as fsErrors from "../fs/errors.js";
import { GzipFormatError } from "../fs/inflate.js";
import { ZstdFormatError } from "../fs/zstd.js";

export interface WireError {
  name: string;
  message: string;
  stack?: string;
  /** Own enumerable fields (code, what, expected, ...): numbers, strings, plain data. */
  fields: Record<string, unknown>;
}

type ErrorClass = abstract new (...args: never[]) => Error;

const CLASSES = new Map<string, ErrorClass>();
// Every error class staging can raise; one this list misses still comes back a LayerlensError with its code.
for (const value of [...Object.values(errors), ...Object.values(fsErrors), GzipFormatError, ZstdFormatError] as unknown[]) {
  if (typeof value === "function" && (value === LayerlensError || value.prototype instanceof LayerlensError))
    CLASSES.set(value.name, value as ErrorClass);
}
for (const c of [Error, RangeError, TypeError, SyntaxError] as ErrorClass[]) CLASSES.set(c.name, c);

/** The error as data a postMessage can clone. */
export function toWire(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: "Error", message: String(err), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) if (isCloneable(v)) fields[k] = v;
  return { name: err.name, message: err.message, stack: err.stack, fields };
}

/**
 * The error toWire described, as an instance of its class; of a class this side does not know,
 * a LayerlensError when it has a code, else an Error (with the original name either way).
 */
export function fromWire(w: WireError): Error {
  const cls = CLASSES.get(w.name) ?? (typeof w.fields.code === "string" ? LayerlensError : Error);
  // Not the class's constructor: its arguments differ per class and would rebuild the message.
  const err = Reflect.construct(Error, [w.message], cls) as Error & Record<string, unknown>;
  Object.assign(err, w.fields);
  if (!CLASSES.has(w.name)) err.name = w.name;
  if (w.stack) err.stack = w.stack;
  return err;
}

function isCloneable(v: unknown): boolean {
  if (v === null || ["string", "number", "boolean", "undefined"].includes(typeof v)) return true;
  if (Array.isArray(v)) return v.every(isCloneable);
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v).every(isCloneable);
  return false;
}
