// The newest pick wins. Opening an image takes several awaits (index an archive, read the
// documents, mount every layer), and the user may pick again meanwhile: a big archive picked
// first can finish after a small one picked second. Each user action takes a ticket; whatever
// an older ticket's work produces is handed back for release instead of being shown, and its
// errors are not shown either (they are about an image nobody is looking at any more).

export interface Ticket {
  /** True while no newer ticket has been taken. */
  readonly current: boolean;
}

export class Latest {
  private generation = 0;

  /** A new action: every ticket taken before this one is stale from now on. */
  begin(): Ticket {
    const mine = ++this.generation;
    const isCurrent = () => mine === this.generation;
    return {
      get current() {
        return isCurrent();
      },
    };
  }
}

/**
 * Await `work` on behalf of `ticket`. Resolves to its value while the ticket is current; when a
 * newer one was taken meanwhile, gives the value to `release` (close a source, free a view) and
 * resolves to undefined, and a failure resolves to undefined too. Failures of current work throw.
 */
export async function keepIfCurrent<T>(
  ticket: Ticket,
  work: Promise<T>,
  release?: (value: T) => void | Promise<void>,
): Promise<T | undefined> {
  let value: T;
  try {
    value = await work;
  } catch (err) {
    if (ticket.current) throw err;
    return undefined;
  }
  if (ticket.current) return value;
  await release?.(value);
  return undefined;
}
