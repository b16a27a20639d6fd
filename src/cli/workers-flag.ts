// `--workers N` of the verbs that read layers: how many worker threads stage them side by side
// (src/node/staging-workers.ts). 1 = read them in this thread, the default: on two cores the
// pool measured no faster than one thread (node:zlib already inflates on libuv's threads, and the
// merge is sequential either way) while each worker costs about 100 MiB.

import { UsageError } from "../errors.js";

export const WORKERS_FLAG_USAGE = "[--workers N]";

/** argv without `--workers N` / `--workers=N`, and the count it asked for (default 1). */
export function takeWorkersFlag(argv: readonly string[], verb: string): { rest: string[]; workers: number } {
  const rest: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === "--workers") {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`${verb}: --workers needs a value`);
    } else if (a.startsWith("--workers=")) value = a.slice("--workers=".length);
    else rest.push(a);
  }
  if (value === undefined) return { rest, workers: 1 };
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${verb}: --workers takes a positive count, not ${JSON.stringify(value)}`);
  return { rest, workers: n };
}
