// The two kinds of JSON field every TOC format has, checked one way: a name (a string within
// the path limit of fs/limits.ts) and a count or offset (a non-negative safe integer; left out
// means 0, as Go's omitempty writes a zero).

import { DEFAULT_LIMITS, utf8Length } from "../limits.js";

export function nameOf(v: unknown, field: string, refuse: (why: string) => Error, optional: boolean): string {
  if (v === undefined && optional) return "";
  if (typeof v !== "string") throw refuse(`${field} is not a string`);
  if (utf8Length(v, DEFAULT_LIMITS.maxPathBytes) > DEFAULT_LIMITS.maxPathBytes)
    throw refuse(`${field} is over ${DEFAULT_LIMITS.maxPathBytes} bytes`);
  return v;
}

export function intOf(v: unknown, field: string, refuse: (why: string) => Error): number {
  if (v === undefined) return 0;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)
    throw refuse(`${field} is ${JSON.stringify(v)}, not a non-negative integer`);
  return v;
}
