// Tiny runtime-neutral assertions for the known-answer cases (no node:assert: the cases also
// run in Chromium and workerd). Each throws an Error saying what was checked and what differed.

export function equal(actual: unknown, expected: unknown, what: string): void {
  if (!same(actual, expected)) {
    throw new Error(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

export function ok(condition: unknown, what: string): void {
  if (!condition) throw new Error(`${what}: expected a true condition`);
}

export interface Expected {
  /** The error's class, checked with instanceof. */
  type?: abstract new (...args: any[]) => object;
  code?: string;
  /** Extra own properties the error must carry (e.g. { reason: "hex" }). */
  props?: Record<string, unknown>;
  /** Text the message must contain. */
  message?: string;
}

/** Run fn and check it throws the expected error; returns the error. */
export function throws(fn: () => unknown, expected: Expected, what: string): Error {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  return checkError(err, expected, what);
}

/** Like throws() for a function returning a promise that must reject. */
export async function rejects(fn: () => Promise<unknown>, expected: Expected, what: string): Promise<Error> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  return checkError(err, expected, what);
}

function checkError(err: unknown, expected: Expected, what: string): Error {
  if (err === undefined) throw new Error(`${what}: expected an error, none was thrown`);
  if (!(err instanceof Error)) throw new Error(`${what}: expected an Error, got ${show(err)}`);
  if (expected.type && !(err instanceof expected.type)) {
    throw new Error(`${what}: expected ${expected.type.name}, got ${err.name}: ${err.message}`);
  }
  if (expected.code !== undefined) equal((err as { code?: unknown }).code, expected.code, `${what} (code)`);
  for (const [k, v] of Object.entries(expected.props ?? {})) {
    equal((err as unknown as Record<string, unknown>)[k], v, `${what} (${k})`);
  }
  if (expected.message !== undefined && !err.message.includes(expected.message)) {
    throw new Error(`${what}: message ${show(err.message)} lacks ${show(expected.message)}`);
  }
  return err;
}

/** Structural equality for the plain data cases compare: primitives, arrays, plain objects. */
function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  if (isPlain(a) && isPlain(b)) {
    const ka = Object.keys(a),
      kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
  }
  return false;
}

function isPlain(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && Object.getPrototypeOf(x) === Object.prototype;
}

function show(x: unknown): string {
  if (typeof x === "string") return JSON.stringify(x.length > 90 ? x.slice(0, 90) + "…" : x);
  try {
    const s = JSON.stringify(x, (_k, v) => (v === undefined ? "<undefined>" : v));
    return s === undefined ? String(x) : s.length > 300 ? s.slice(0, 300) + "…" : s;
  } catch {
    return String(x);
  }
}
