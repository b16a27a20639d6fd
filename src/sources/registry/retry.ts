// When and how long to wait before trying a registry request again.
//
// Retried: 408, 429 and 5xx answers except 501/505 (the server will not change its mind),
// dropped connections (fetch rejects with a TypeError; undici says "fetch failed"/"terminated")
// and timeouts (a stalled server or a body gone quiet: a new connection often gets through).
// Never retried: 4xx answers, digest mismatches of data the registry keeps serving, aborts.
// Delay: exponential backoff with "equal jitter" (half fixed, half random) so that many
// clients retrying at once spread out; a Retry-After header wins when it is present, capped.
// Spec: https://www.rfc-editor.org/rfc/rfc9110#name-retry-after

import { LayerlensError, RegistryError, TimeoutError } from "../../errors.js";

export interface RetryOptions {
  /** Tries in total, the first one included (default 5). */
  attempts?: number;
  /** First backoff delay in ms (default 200); doubles each time. */
  baseDelayMs?: number;
  /** Longest single wait in ms, Retry-After included (default 10 s). */
  maxDelayMs?: number;
  /** How to wait; tests may pass one that records the delays. */
  sleep?: (ms: number) => Promise<void>;
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
}

export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const attempts = options.attempts ?? 5;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`retry.attempts must be an integer >= 1, got ${attempts}`);
  const baseDelayMs = options.baseDelayMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  if (!(baseDelayMs >= 0) || !(maxDelayMs >= 0)) throw new RangeError("retry delays must be >= 0");
  return { attempts, baseDelayMs, maxDelayMs, sleep: options.sleep ?? defaultSleep };
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/**
 * True for errors fetch raises when the connection failed or dropped (not for aborts).
 * Runtimes differ: Node/undici and browsers raise TypeError ("fetch failed", "terminated"),
 * workerd a plain Error "Network connection lost.", Node sockets an error with a `code`.
 */
export function isNetworkError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === "AbortError" || err instanceof LayerlensError) return false;
  if (err instanceof TypeError || "code" in err) return true;
  return /network connection lost|connection (reset|refused|closed)|socket|terminated|disconnected/i.test(err.message);
}

/** A failure worth another try: a dropped connection or a timeout. */
export function isTransient(err: unknown): boolean {
  return err instanceof TimeoutError || isNetworkError(err);
}

/**
 * The typed error to end with after `cause`: our own errors as they are (a TimeoutError keeps
 * its URL and phase), anything else (a fetch TypeError) as a RegistryError naming `url`.
 */
export function failureOf(cause: unknown, what: string, url: string): LayerlensError {
  if (cause instanceof LayerlensError) return cause;
  return new RegistryError(what, 0, url, isNetworkError(cause), [], { cause });
}

/** Milliseconds to wait before try number `attempt + 1` (attempt counts from 1). */
export function retryDelay(policy: RetryPolicy, attempt: number, retryAfter?: string | null): number {
  const told = parseRetryAfter(retryAfter);
  if (told !== undefined) return Math.min(told, policy.maxDelayMs);
  const full = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return full / 2 + Math.random() * (full / 2);
}

/** Retry-After as ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
