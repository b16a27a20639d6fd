// The two kinds of JSON field every TOC format has, checked one way: a name (a string within
// the path limit of fs/limits.ts) and a count or offset (a non-negative safe integer; left out
// means 0, as Go's omitempty writes a zero).

import { DEFAULT_LIMITS, utf8Length } from "../limits.js";
import { cleanPath } from "../path.js";

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

/**
 * Where a chunk entry sits in the regular file it continues (`open`): it must name that file
 * (or nothing), start where the previous chunk ended, and end within the file. A chunkSize
 * of 0 means "to the end of the file".
 */
export function chunkInFile(
  open: { path: string; size: number; next: number },
  name: string,
  int: (field: string) => number,
  at: string,
  refuse: (why: string) => Error,
): { fileOffset: number; size: number } {
  if (name !== "" && cleanPath(name).path !== open.path)
    throw refuse(`${at}: chunk of ${JSON.stringify(name)} inside ${JSON.stringify(open.path)}`);
  const fileOffset = int("chunkOffset");
  if (fileOffset !== open.next)
    throw refuse(`${at}: chunk of ${JSON.stringify(open.path)} at file byte ${fileOffset}, expected ${open.next}`);
  const declared = int("chunkSize");
  const size = declared === 0 ? open.size - fileOffset : declared;
  if (fileOffset + size > open.size) throw refuse(`${at}: chunk of ${JSON.stringify(open.path)} runs past its size ${open.size}`);
  return { fileOffset, size };
}
