// Memory a user forgot to free() comes back when the garbage collector drops its owner.
//
// Every structure that holds core memory (a cache, a pool, a graph, a LayerGraph's digest
// references) registers here with a `held` record that names what to give back (the core's
// exports and a pointer, or a list of handles) and never the owner itself, which would keep
// the owner alive forever. free() unregisters first, so a finalizer never runs after an
// explicit free: the memory it would give back may already belong to another structure.
//
// FinalizationRegistry is in every runtime layerlens targets; where a runtime lacks it (or
// never calls back, which the spec allows), memory behaves as it did before: free() is the
// one sure way. A finalizer never throws: it runs in no caller's context.
// https://tc39.es/ecma262/#sec-finalization-registry-objects

/** Owners finalized so far, by kind (what a soak test checks the collector reached). */
const finalized = new Map<string, number>();

export class Reclaimer<H> {
  private readonly registry: FinalizationRegistry<H> | undefined;

  constructor(
    readonly kind: string,
    giveBack: (held: H) => void,
  ) {
    this.registry =
      typeof FinalizationRegistry === "function"
        ? new FinalizationRegistry<H>((held) => {
            finalized.set(kind, (finalized.get(kind) ?? 0) + 1);
            try {
              giveBack(held);
            } catch {
              // The core or its owner is gone in a way that leaves nothing to give back.
            }
          })
        : undefined;
  }

  /** Give `held` back when `owner` is collected without free(). */
  watch(owner: object, held: H): void {
    this.registry?.register(owner, held, owner);
  }

  /** `owner` was freed explicitly: its finalizer must not run. */
  forget(owner: object): void {
    this.registry?.unregister(owner);
  }
}

/** How many owners of `kind` the collector has finalized in this process. */
export function finalizedCount(kind: string): number {
  return finalized.get(kind) ?? 0;
}
