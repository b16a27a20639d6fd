// Layer facts (src/fs/layer-facts.ts) kept beside the blob store: <cache>/layerlens-facts/<alg>/<hex>,
// one file per layer blob digest, written to a temp file and renamed into place, so a reader
// sees a whole record or none.
//
// What someone who can write the cache directory can do: blobs are safe from them (every whole
// read is hashed against its digest), but a record is derived data that no digest names, so a
// checksum alone would let them write a self-consistent lie (another entry table, another
// diff_id). Each record therefore carries an HMAC-SHA256, under a per-user key kept OUTSIDE the
// cache directory ($XDG_CONFIG_HOME/layerlens/cache-key, created 0600 on first use), over the
// format version, the blob digest and the record. Without the key they can delete records,
// damage them (refused, the layer is read again and the record rewritten) or copy one to
// another digest's name (refused: the MAC binds the digest), and nothing else. Who can read the
// key can forge records; a cache shared between users should give each user their own key.
// When no key can be had (a read-only home), records are neither read nor written.

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { parseDigestString } from "../oci/digest.js";
import { FACTS_FORMAT, type LayerFactsStore } from "../fs/layer-facts.js";

const MAGIC = "layerlens-facts\n";
const HEAD = MAGIC.length + 32;
const KEY_BYTES = 32;

export interface FactsStoreOptions {
  /** Where the MAC key is kept (default $XDG_CONFIG_HOME/layerlens/cache-key, else ~/.config/…). */
  keyFile?: string;
}

/** The default key file: in the user's config directory, never in the cache. */
export function defaultKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  const config = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(config, "layerlens", "cache-key");
}

/** The directory of records under a cache root. */
export function factsDirectory(root: string): string {
  return join(root, "layerlens-facts");
}

export class DirectoryFactsStore implements LayerFactsStore {
  private readonly keyFile: string;
  private key: Promise<Buffer | undefined> | undefined;

  constructor(
    readonly root: string,
    options: FactsStoreOptions = {},
  ) {
    this.keyFile = options.keyFile ?? defaultKeyFile();
  }

  pathOf(digest: string): string {
    const { algorithm, encoded } = parseDigestString(digest);
    return join(factsDirectory(this.root), algorithm, encoded);
  }

  async load(digest: string): Promise<Uint8Array | undefined> {
    const key = await this.theKey();
    if (!key) return undefined;
    const path = this.pathOf(digest);
    const file = await readFile(path).catch(() => undefined);
    if (!file) return undefined;
    const record = file.subarray(HEAD);
    const mac = file.subarray(MAGIC.length, HEAD);
    const good =
      file.length >= HEAD && file.subarray(0, MAGIC.length).toString("latin1") === MAGIC && timingSafeEqual(mac, sign(key, digest, record));
    if (!good) {
      await rm(path, { force: true });
      return undefined;
    }
    return record;
  }

  async save(digest: string, record: Uint8Array): Promise<void> {
    const key = await this.theKey();
    if (!key) return;
    const path = this.pathOf(digest);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      await writeFile(temp, Buffer.concat([Buffer.from(MAGIC, "latin1"), sign(key, digest, record), record]));
      await rename(temp, path);
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
  }

  async refused(digest: string): Promise<void> {
    await rm(this.pathOf(digest), { force: true });
  }

  async remove(digest: string): Promise<void> {
    await rm(this.pathOf(digest), { force: true });
  }

  private theKey(): Promise<Buffer | undefined> {
    this.key ??= readOrCreateKey(this.keyFile);
    return this.key;
  }
}

function sign(key: Buffer, digest: string, record: Uint8Array): Buffer {
  return createHmac("sha256", key).update(`${MAGIC}${FACTS_FORMAT}\n${digest}\n`).update(record).digest();
}

async function readOrCreateKey(file: string): Promise<Buffer | undefined> {
  const existing = await readFile(file).catch(() => undefined);
  if (existing?.length === KEY_BYTES) return existing;
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    // "wx": of two processes creating it at once one wins, and the other reads the winner's key.
    await writeFile(file, randomBytes(KEY_BYTES), { flag: "wx", mode: 0o600 });
  } catch {
    // it exists now (another process), or cannot be made
  }
  const key = await readFile(file).catch(() => undefined);
  return key?.length === KEY_BYTES ? key : undefined;
}
