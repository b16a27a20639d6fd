// Every registry and token request under a deadline: one for the response headers, then an
// idle watchdog on the body that fires when no chunk arrives for `idleMs`. Either ends the
// request through its AbortController (so the socket is let go, not left hanging) and
// surfaces as a TimeoutError naming the URL.
//
// fetch does not say when the connection is made, only when the headers are in, so the connect
// and first-byte budgets add up to one deadline for the headers. Timers are cleared as soon as
// their phase ends, and the caller's own signal is unlinked when the body is done, so a
// long-lived signal does not collect a listener per request.
// Spec: https://fetch.spec.whatwg.org/#abortcontroller-api-integration

import { TimeoutError } from "../../errors.js";
import { redactUrl } from "./url.js";

export interface TimeoutOptions {
  /** Budget for opening the connection, in ms (default 30 s). */
  connectMs?: number;
  /** Budget from the request sent to the response headers, in ms (default 30 s). */
  firstByteMs?: number;
  /** Longest quiet spell between two body chunks, in ms (default 30 s). */
  idleMs?: number;
}

export interface Timeouts {
  connectMs: number;
  firstByteMs: number;
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = { connectMs: 30_000, firstByteMs: 30_000, idleMs: 30_000 };

/** Options filled in and checked: each a positive finite number of ms. */
export function resolveTimeouts(options: TimeoutOptions = {}): Timeouts {
  const out = { ...DEFAULT_TIMEOUTS, ...definedOnly(options) };
  for (const [name, ms] of Object.entries(out)) {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms <= 0) {
      throw new RangeError(`timeouts.${name} must be a positive number of ms, got ${String(ms)}`);
    }
  }
  return out;
}

/** What the registry code reads of an answer: a fetch Response with the body under watch. */
export interface RegistryResponse {
  readonly status: number;
  readonly ok: boolean;
  /** The URL that answered, as fetch reports it (may hold secrets: redact before showing). */
  readonly url: string;
  readonly type: ResponseType;
  readonly headers: Headers;
  readonly body: ReadableStream<Uint8Array> | null;
}

/**
 * fetch(url, init) under `timeouts`. `signal` is the caller's (cancels as it always did);
 * `what` names the request in a TimeoutError.
 */
export async function timedFetch(
  fetchFn: typeof fetch,
  url: URL,
  init: RequestInit,
  timeouts: Timeouts,
  what: string,
  signal?: AbortSignal,
): Promise<RegistryResponse> {
  const controller = new AbortController();
  const unlink = linkSignal(signal, controller);
  const shown = redactUrl(url);
  let timedOut: TimeoutError | undefined;
  const headersMs = timeouts.connectMs + timeouts.firstByteMs;
  const timer = setTimeout(() => {
    timedOut = new TimeoutError(what, shown, "headers", headersMs);
    controller.abort(timedOut);
  }, headersMs);
  let res: Response;
  try {
    res = await fetchFn(url, { ...init, signal: controller.signal });
  } catch (err) {
    unlink();
    throw timedOut ?? err;
  } finally {
    clearTimeout(timer);
  }
  const body = res.body
    ? watchIdle(res.body, timeouts.idleMs, controller, () => new TimeoutError(what, shown, "idle", timeouts.idleMs), unlink)
    : null;
  if (!body) unlink();
  return { status: res.status, ok: res.ok, url: res.url, type: res.type, headers: res.headers, body };
}

/**
 * `body` re-streamed with a watchdog: each read must produce a chunk within `idleMs`, else
 * the request is aborted and the stream errors with the TimeoutError `expired()` makes.
 *
 * One timer serves the whole body instead of one per chunk (a 500 MB blob is thousands of
 * chunks): a read notes when it started waiting, and the timer, when it fires, either finds
 * the wait older than `idleMs` and expires it, or sleeps again until that wait would be.
 * Armed at t for idleMs, it fires no later than idleMs after any wait that began after t, so
 * no quiet spell outlives the budget by more than the timer's own lateness. With no read
 * waiting when it fires, it is not re-armed (the next read arms it), so a body left unread
 * holds no timer.
 */
function watchIdle(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
  controller: AbortController,
  expired: () => TimeoutError,
  done: () => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let waitingSince: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let fail: ((err: TimeoutError) => void) | undefined;
  let finished = false;

  const finish = (): void => {
    finished = true;
    clearTimeout(timer);
    timer = undefined;
    done();
  };
  const check = (): void => {
    timer = undefined;
    if (finished || waitingSince === undefined) return;
    const quiet = Date.now() - waitingSince;
    if (quiet < idleMs) {
      timer = setTimeout(check, idleMs - quiet);
      return;
    }
    const err = expired();
    controller.abort(err);
    fail?.(err);
  };

  return new ReadableStream<Uint8Array>(
    {
      start(out) {
        fail = (err) => {
          finish();
          reader.cancel(err).catch(() => {});
          out.error(err);
        };
      },
      async pull(out) {
        waitingSince = Date.now();
        timer ??= setTimeout(check, idleMs);
        let step: ReadableStreamReadResult<Uint8Array>;
        try {
          step = await reader.read();
        } catch (err) {
          if (finished) return; // the watchdog already ended the stream
          finish();
          throw err;
        } finally {
          waitingSince = undefined;
        }
        if (finished) return;
        if (step.done) {
          finish();
          out.close();
        } else {
          out.enqueue(step.value);
        }
      },
      async cancel(reason) {
        finish();
        await reader.cancel(reason).catch(() => {});
      },
    },
    // Pull only when asked: the watchdog measures the server, not a slow consumer.
    { highWaterMark: 0 },
  );
}

/** Abort `controller` when `signal` does; returns the unlinking function (idempotent). */
function linkSignal(signal: AbortSignal | undefined, controller: AbortController): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    controller.abort(signal.reason);
    return () => {};
  }
  const forward = (): void => controller.abort(signal.reason);
  signal.addEventListener("abort", forward, { once: true });
  return () => signal.removeEventListener("abort", forward);
}

function definedOnly(options: TimeoutOptions): TimeoutOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}
