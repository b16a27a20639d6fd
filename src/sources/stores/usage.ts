// Least-recently-used bookkeeping for the stores that keep blobs where the platform gives no
// usable modification time to order them by (OPFS files cannot be touched, Cache API entries
// have no time at all): a small record of each blob's size and last use, kept by the store
// beside its blobs. The record is advisory. A blob it does not list (written by another tab,
// or the record was lost) counts as the oldest, so it is evicted first rather than kept
// forever; an entry it lists that is gone is forgotten.

export interface UsageEntry {
  size: number;
  /** A tick that grows with every use in this store (milliseconds, made strictly increasing). */
  used: number;
}

export type UsageRecord = Record<string, UsageEntry>;

/** Parse a stored record; anything that is not one is an empty record. */
export function parseUsage(text: string | undefined): UsageRecord {
  if (!text) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return {};
  const out: UsageRecord = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const e = value as Partial<UsageEntry> | null;
    if (e && Number.isSafeInteger(e.size) && (e.size as number) >= 0 && Number.isFinite(e.used))
      out[key] = { size: e.size!, used: e.used! };
  }
  return out;
}

/** A clock for `used` that never repeats a value, so two uses in one millisecond keep their order. */
export function usageClock(): () => number {
  let last = 0;
  return () => (last = Math.max(Date.now(), last + 1));
}

/**
 * The keys to remove so that what is stored fits `maxBytes`: least recently used first.
 * `present` is every stored key with its real size; the record only orders them.
 */
export function evictionOrder(present: Map<string, number>, record: UsageRecord, maxBytes: number): string[] {
  let total = 0;
  for (const size of present.values()) total += size;
  if (total <= maxBytes) return [];
  const oldestFirst = [...present.keys()].sort((a, b) => (record[a]?.used ?? -1) - (record[b]?.used ?? -1) || (a < b ? -1 : a > b ? 1 : 0));
  const out: string[] = [];
  for (const key of oldestFirst) {
    if (total <= maxBytes) break;
    out.push(key);
    total -= present.get(key)!;
  }
  return out;
}

/** Where a store keeps its record: read whole, written whole. */
export interface UsageFile {
  read(): Promise<string | undefined>;
  write(text: string): Promise<void>;
}

/** A store's record of use: loaded once, every change written back, one write after another. */
export class UsageBook {
  private record: Promise<UsageRecord> | undefined;
  private saving: Promise<void> = Promise.resolve();
  private readonly now = usageClock();

  constructor(private readonly file: UsageFile) {}

  /** The record as it stands (loaded on first use; one that cannot be read is empty). */
  entries(): Promise<UsageRecord> {
    this.record ??= this.file.read().then(parseUsage, () => ({}));
    return this.record;
  }

  /** `key` (of `size` bytes) was used now. */
  async touch(key: string, size: number): Promise<void> {
    const record = await this.entries();
    record[key] = { size, used: this.now() };
    await this.save(record);
  }

  /**
   * Remove (through `remove`) the least recently used of `present` until the rest fits
   * `maxBytes`; forgets entries no longer present. Returns the keys removed.
   */
  async evict(present: Map<string, number>, maxBytes: number, remove: (key: string) => Promise<void>): Promise<string[]> {
    const record = await this.entries();
    for (const key of Object.keys(record)) if (!present.has(key)) delete record[key];
    const victims = evictionOrder(present, record, maxBytes);
    for (const key of victims) {
      await remove(key);
      delete record[key];
    }
    await this.save(record);
    return victims;
  }

  private save(record: UsageRecord): Promise<void> {
    const text = JSON.stringify(record);
    this.saving = this.saving.then(() =>
      // The record only orders evictions: a write that fails leaves the older order.
      this.file.write(text).catch(() => {}),
    );
    return this.saving;
  }
}
