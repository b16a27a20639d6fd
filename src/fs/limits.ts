// The budgets a LayerFS holds every layer to, so that no input can make a mount, a walk or an
// export run out of stack, heap or time: each is checked where the bytes arrive and refused
// with a CapacityError that names the layer and the limit, never by V8 running out of memory.
//
// - Path length: 4096 bytes of UTF-8, Linux's PATH_MAX (include/uapi/linux/limits.h), for an
//   entry's name, a link's target, and every path the merged view creates (a symlink in a
//   parent can place an entry deeper than its own name says, so the resolved path is checked
//   too). Nothing Linux can unpack is longer.
// - Depth: 1024 components. PATH_MAX alone allows 2048 ("a/a/…"); half of that is still far
//   beyond any real image (node_modules trees reach ~40) and keeps per-path work small.
// - Entries per layer: 4 Mi tar entries, counted while the tar is read, before they are
//   staged, so a layer of tiny headers cannot fill the heap with staged entries.
// - Path table: 16 Mi nodes across every image of the LayerFS (about 1 GiB of tables), checked
//   before a layer is applied; below the table's 2^26 distinct names, so that limit is never
//   the one that trips.

import { CapacityError } from "../errors.js";

export interface LayerLimits {
  /** Longest path (entry name, link target, resolved path), in UTF-8 bytes. */
  maxPathBytes: number;
  /** Most components in a path. */
  maxPathDepth: number;
  /** Most tar entries in one layer (whiteouts and directories count). */
  maxEntries: number;
  /** Most nodes in the path table of one LayerFS (every image, every layer). */
  maxTableNodes: number;
}

export const DEFAULT_LIMITS: Readonly<LayerLimits> = Object.freeze({
  maxPathBytes: 4096,
  maxPathDepth: 1024,
  maxEntries: 1 << 22,
  maxTableNodes: 1 << 24,
});

/** The limits `options` asks for, defaults for the rest; RangeError for a value that is no limit. */
export function resolveLimits(options: Partial<LayerLimits>): LayerLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof LayerLimits)[]) {
    const v = options[key];
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${key} must be a positive integer, not ${String(v)}`);
    out[key] = v;
  }
  return out;
}

/** UTF-8 length of `s`, stopping early once past `cap` (an answer above cap is "too long"). */
export function utf8Length(s: string, cap = Infinity): number {
  let n = 0;
  for (let i = 0; i < s.length && n <= cap; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Components of a path as the merged view counts them ("" is the root, depth 0). */
function depthOf(path: string, cap: number): number {
  if (path === "") return 0;
  let d = 1;
  for (let i = path.indexOf("/"); i >= 0 && d <= cap; i = path.indexOf("/", i + 1)) d++;
  return d;
}

/** A name shown in a message: long ones cut, with their length. */
function shown(path: string): string {
  return path.length > 80 ? `${JSON.stringify(path.slice(0, 80))}… (${path.length} characters)` : JSON.stringify(path);
}

/**
 * Refuse `path` (a clean path, or a link target as written) when it is longer or deeper than
 * the limits allow. `what` names the layer; `role` says which path ("entry", "link target of
 * x", "resolved path of x").
 */
export function checkPath(limits: LayerLimits, what: string, role: string, path: string): void {
  // The hot path: a UTF-16 unit is at most 3 UTF-8 bytes and adds at most one component, so
  // a path this short is within both limits without scanning it (the mount checks every entry).
  if (path.length * 3 <= limits.maxPathBytes && path.length < limits.maxPathDepth) return;
  const bytes = utf8Length(path, limits.maxPathBytes);
  if (bytes > limits.maxPathBytes) {
    throw new CapacityError(`${what}: ${role} ${shown(path)} is over the ${limits.maxPathBytes}-byte path limit`);
  }
  if (depthOf(path, limits.maxPathDepth) > limits.maxPathDepth) {
    throw new CapacityError(`${what}: ${role} ${shown(path)} is over the ${limits.maxPathDepth}-component depth limit`);
  }
}

/** Refuse the `count`-th entry of a layer when it is over maxEntries. */
export function checkEntryCount(limits: LayerLimits, what: string, count: number): void {
  if (count > limits.maxEntries) throw new CapacityError(`${what}: more than ${limits.maxEntries} tar entries in one layer`);
}

/** Refuse to grow the path table past maxTableNodes (`adding` more nodes on top of `nodes`). */
export function checkTableBudget(limits: LayerLimits, what: string, nodes: number, adding: number): void {
  if (nodes + adding > limits.maxTableNodes) {
    throw new CapacityError(
      `${what}: ${adding} more entries would take the path table to ${nodes + adding} nodes, over the ${limits.maxTableNodes}-node budget`,
    );
  }
}
