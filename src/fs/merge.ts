// LayerFS: layers merged into one virtual filesystem per image, several images side by side.
//
//   const fs = new LayerFS();
//   await fs.mountBatch(image.layers);           // resolveImage(...).layers, or fs.mount(layer)
//   fs.stat("etc/passwd"); fs.readdir("etc"); fs.readlink("bin/sh"); for (const s of fs.walk()) …
//   await new Response(fs.readFile("etc/os-release")).text();
//   const other = fs.image("debian");            // another image, same tables
//
// Invariants:
// - A layer is verified (blob digest, diff_id) and parsed completely before it is applied;
//   a layer that fails leaves the view as it was (except under policy "throw" when an entry is
//   refused half-way: the image is then marked broken and refuses further mounts).
// - The view is virtual: nothing is written anywhere; symlinks and ".." never lead out of an
//   image's root (resolve.ts).
// - mountBatch reads up to `concurrency` layers at once (zlib inflates on libuv's threads), or
//   hands them to a stager (a worker pool) to read side by side, and sizes the path table once
//   for all of them, then applies them in order. It is the one way a
//   whole image goes in (upTo: the view as of a layer; onLayer: progress).
// - After LayerFS.free() every call on it or its images throws FreedError: the pool records
//   went back and the tables were dropped, so there is nothing left to answer from.
// Semantics: apply.ts (OCI image-spec layer.md, as umoci unpacks it).

import { FreedError, NotFoundError } from "../errors.js";
import type { HasherOverrides } from "../oci/blob.js";
import type { LayerLike } from "../oci/layer.js";
import { applyLayer, type BadEntryPolicy, type Changeset } from "./apply.js";
import { fileStream, type SpanSource } from "./content.js";
import type { Compression } from "./decompress.js";
import { LayerEntryError } from "./errors.js";
import { checkTableBudget, resolveLimits, type LayerLimits } from "./limits.js";
import { cleanPath, comparePaths, joinPath } from "./path.js";
import { pathOf, resolve } from "./resolve.js";
import type { SpanDigests } from "./span-digests.js";
import type { LayerFactsStore } from "./layer-facts.js";
import type { LayerIndex } from "./layer-index.js";
import type { SparseLayout } from "./sparse.js";
import { stageLayer, type StagedLayer } from "./stage.js";
import { stageOptionsOf, type LayerStager, type StageJob } from "./stage-job.js";
import { Kind, KIND_NAMES, NIL, PathTable, type KindName } from "./table.js";
import type { LayerHandle, LayerPool } from "../pool.js";
import { Reclaimer } from "../wasm/reclaim.js";
import { type Stats, withStats } from "../report/stats.js";
import { notePool, timed } from "../report/work-clock.js";

/** The pool records a LayerFS dropped without release()/free() still holds go back to the pool. */
interface HeldRecords {
  pool: LayerPool;
  layers: LayerRecord[];
}
const reclaimer = new Reclaimer<HeldRecords>("LayerFS", ({ pool, layers }) => {
  for (const l of layers) if (l.handle !== undefined && pool.isLive(l.handle)) pool.release(l.handle);
});

/** Budgets (limits.ts): path length and depth, entries per layer, path-table nodes; CAPACITY past them. */
export interface LayerFSOptions extends Partial<LayerLimits> {
  /** What a refused entry does: "throw" (default, like umoci) or "skip" with a warning. */
  onBadEntry?: BadEntryPolicy;
  /** Hash every regular file while mounting (content digests for diff and stat). */
  hashFiles?: boolean;
  /** Decompressed-size limit per layer (gzip bombs); default 64 GiB. */
  maxLayerBytes?: number;
  /** Layers read at once by mountBatch (default 2). */
  concurrency?: number;
  /**
   * When the digests every later read is checked against (span-digests.ts) are recorded:
   * "read" (default) on the first read of a layer, by one more verified pass over it (blob
   * digest, size and diff_id checked as at mount), so mounting costs nothing extra; "mount"
   * while mounting, one more sha256 pass over the files' bytes, so reads start at once (the
   * better choice when most of the image will be read, e.g. export). A layer with neither a
   * digest nor a diff_id is always recorded while mounting: nothing could vouch for a later pass.
   */
  spanDigests?: "read" | "mount";
  /**
   * Keep a record of every mounted layer in this LayerPool (digests, sizes, media type,
   * position, image): LayerRecord.handle then names it. Released by LayerFS.release().
   */
  pool?: LayerPool;
  /**
   * Record each gzip layer's checkpoint index while mounting (layer-index.ts), so readFile
   * starts near a file instead of at the layer's start; gzip is then decoded by the core.
   */
  recordIndex?: boolean;
  /** Verified per-layer results kept by digest (layer-facts.ts): a layer recorded there is mounted without reading it. */
  facts?: LayerFactsStore;
  /**
   * Stages a layer somewhere else (another worker running stageLayer on the same layer with
   * the same options): what it resolves to is applied as if read here, so it must have been
   * verified as stageLayer verifies. Returning undefined reads the layer here.
   */
  stager?: (layer: LayerLike, what: string) => Promise<StagedLayer> | undefined;
}

/** How mountBatch takes a whole image. */
export interface MountOptions {
  /** Mount layers 0..upTo only: the view as of that layer (default: every layer). */
  upTo?: number;
  /** Progress: called each time one more layer has been read and verified (done of count). */
  onLayer?: (done: number, count: number) => void;
  /**
   * Where the layers are read and staged: default in this thread, `concurrency` at a time; a
   * worker pool (src/parallel/staging-pool.ts) stages them side by side. They are applied here,
   * in layer order, either way, so the view is the same.
   */
  stager?: LayerStager;
  /** Called once the batch settles with what it cost (report/stats.ts): phases, cache, pool, memory. */
  onStats?: (stats: Stats) => void;
}

/** One mounted layer of one image. */
export interface LayerRecord {
  /** Index in the LayerFS (global). */
  id: number;
  image: string;
  /** Position in its image, 0 = bottom. */
  index: number;
  digest?: string;
  diffId?: string;
  mediaType?: string;
  compression: Compression;
  compressedBytes: number;
  uncompressedBytes: number;
  /** Tar entries in the layer (whiteouts included). */
  entries: number;
  changes: Changeset;
  warnings: string[];
  /** Regular-file versions this layer supplied (inode, size, path). */
  versions: { inode: number; size: number; path: string }[];
  /** dive's view of the layer: leaf path -> size. */
  diveLeaves: Map<string, number>;
  /** The layer as it was mounted (re-opened by readFile and export). */
  layer: LayerLike;
  /**
   * Digests of its files' bytes from a verified pass: what a re-read is checked against
   * (recorded at mount, or by the first read: see LayerFSOptions.spanDigests).
   */
  spans?: SpanDigests | Promise<SpanDigests>;
  /** Its checkpoint index (gzip layers mounted with recordIndex or from facts): where readFile may start. */
  checkpoints?: LayerIndex;
  /** The layer's record in the LayerPool, when the LayerFS has one. */
  handle?: LayerHandle;
}

export interface Stat {
  path: string;
  type: KindName;
  /** Permission bits incl. setuid, setgid, sticky. */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of a regular file, 0 otherwise. */
  size: number;
  mtime: number;
  /** Nanoseconds past mtime, when the layer gave a sub-second time. */
  mtimeNsec?: number;
  /** Owner and group names from the tar header, when it had any. */
  uname?: string;
  gname?: string;
  linkname?: string;
  rdev?: [number, number];
  xattrs?: Record<string, string>;
  /** Shared by hard links. */
  inode: number;
  nlink: number;
  /** Index (in this image) of the layer that supplied this version; -1 = none (root, implicit). */
  layer: number;
  /** sha256 of the content, when mounted with hashFiles. */
  digest?: string;
  /** Indexes of the layers that wrote this path, bottom first. */
  touchedBy: number[];
}

export class LayerFS {
  readonly layers: LayerRecord[] = [];
  readonly options: Required<Omit<LayerFSOptions, "pool" | "facts" | "stager">>;
  readonly pool?: LayerPool;
  readonly facts?: LayerFactsStore;
  private readonly stager?: LayerFSOptions["stager"];
  private readonly images = new Map<string, MergedImage>();
  private paths: PathTable | null = new PathTable();

  constructor(options: LayerFSOptions = {}) {
    const concurrency = options.concurrency ?? 2;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError("concurrency must be a positive integer");
    if (options.spanDigests && options.spanDigests !== "read" && options.spanDigests !== "mount") {
      throw new RangeError(`spanDigests must be "read" or "mount", not ${JSON.stringify(options.spanDigests)}`);
    }
    if (options.onBadEntry && options.onBadEntry !== "throw" && options.onBadEntry !== "skip") {
      throw new RangeError(`onBadEntry must be "throw" or "skip", not ${JSON.stringify(options.onBadEntry)}`);
    }
    this.options = {
      onBadEntry: options.onBadEntry ?? "throw",
      hashFiles: options.hashFiles ?? false,
      maxLayerBytes: options.maxLayerBytes ?? 64 * 1024 ** 3,
      concurrency,
      spanDigests: options.spanDigests ?? "read",
      recordIndex: options.recordIndex ?? false,
      ...resolveLimits(options),
    };
    this.pool = options.pool;
    this.facts = options.facts;
    this.stager = options.stager;
    if (this.pool) reclaimer.watch(this, { pool: this.pool, layers: this.layers });
  }

  /** The path table every image of this LayerFS lives in. */
  get table(): PathTable {
    return this.paths ?? this.refuse("table", "read");
  }

  get freed(): boolean {
    return this.paths === null;
  }

  /** Give the pool records of every mounted layer back (the views stay readable). */
  release(): void {
    if (!this.pool || this.freed) return;
    for (const l of this.layers) {
      if (l.handle !== undefined && this.pool.isLive(l.handle)) this.pool.release(l.handle);
      l.handle = undefined;
    }
  }

  /**
   * Give everything back: the pool records (as release() does) and the path table. Every later
   * call on this LayerFS or its images throws FreedError. Calling it again does nothing.
   */
  free(): void {
    if (this.freed) return;
    this.release();
    reclaimer.forget(this);
    this.paths = null;
    this.images.clear();
    this.layers.length = 0;
  }

  /** @internal Throws FreedError naming what was asked of a freed LayerFS. */
  refuse(what: string, doing: string): never {
    throw new FreedError(`LayerFS ${what}`, doing);
  }

  /** The image called `name`, created empty on first use. */
  image(name = "default"): MergedImage {
    if (this.freed) this.refuse(`image(${JSON.stringify(name)})`, "called");
    let img = this.images.get(name);
    if (!img) {
      img = new MergedImage(this, name);
      this.images.set(name, img);
    }
    return img;
  }

  imageNames(): string[] {
    if (this.freed) this.refuse("imageNames()", "called");
    return [...this.images.keys()];
  }

  // The default image's API, for the common one-image case.
  mount(layer: LayerLike): Promise<LayerRecord> {
    return this.image().mount(layer);
  }
  mountBatch(layers: readonly LayerLike[], options?: MountOptions): Promise<LayerRecord[]> {
    return this.image().mountBatch(layers, options);
  }
  stat(path: string): Stat {
    return this.image().stat(path);
  }
  lstat(path: string): Stat {
    return this.image().lstat(path);
  }
  exists(path: string): boolean {
    return this.image().exists(path);
  }
  readdir(path: string): string[] {
    return this.image().readdir(path);
  }
  readlink(path: string): string {
    return this.image().readlink(path);
  }
  walk(from = ""): Generator<Stat> {
    return this.image().walk(from);
  }
  readFile(path: string): ReadableStream<Uint8Array> {
    return this.image().readFile(path);
  }

  /**
   * @internal Read, verify and parse one layer: by the LayerFS's own stager when it takes the
   * layer, else by `stager` (a worker pool) or in this thread. `hashers` as in readLayerStream;
   * the facts store is consulted here either way, so a worker never sees it.
   */
  stage(layer: LayerLike, what: string, how: { hashers?: HasherOverrides; stager?: LayerStager } = {}): Promise<StagedLayer> {
    const elsewhere = this.stager?.(layer, what);
    if (elsewhere) return elsewhere;
    const recordSpans = this.options.spanDigests === "mount" || (layer.digest === undefined && layer.diffId === undefined);
    const { hashFiles, maxLayerBytes: maxBytes, maxPathBytes, maxPathDepth, maxEntries, maxTableNodes, recordIndex } = this.options;
    const limits = { maxPathBytes, maxPathDepth, maxEntries, maxTableNodes };
    const job: StageJob = { hashFiles, recordSpans, maxBytes, what, limits, recordIndex };
    const { stager } = how;
    const read = stager ? (l: LayerLike, index: boolean) => stager.stage(l, { ...job, recordIndex: index }) : undefined;
    return stageLayer(layer, { ...stageOptionsOf(job), facts: this.facts, hashers: how.hashers, read });
  }

  /** @internal The span digests of a mounted layer, recorded now by a verified pass if need be. */
  spanDigests(rec: LayerRecord): Promise<SpanDigests> {
    if (rec.spans) return Promise.resolve(rec.spans);
    const what = `layer ${rec.index} ${rec.layer.digest ?? ""} of ${rec.image}, verified again before it is read`;
    const pass = stageLayer(rec.layer, { maxBytes: this.options.maxLayerBytes, what, recordSpans: true }).then(
      (s) => (rec.spans = s.spans!),
      (e: unknown) => {
        rec.spans = undefined; // a source that failed once may answer right the next time
        throw e;
      },
    );
    rec.spans = pass;
    return pass;
  }
}

export class MergedImage {
  readonly root: number;
  readonly layers: LayerRecord[] = [];
  private broken: Error | null = null;

  constructor(
    readonly fs: LayerFS,
    readonly name: string,
  ) {
    const ino = this.t.newInode(Kind.Dir);
    this.t.mode[ino] = 0o755;
    this.root = this.t.newRoot(ino);
  }

  /** The shared path table; FreedError once the LayerFS was freed. */
  private get t(): PathTable {
    return this.fs.freed ? this.fs.refuse(`image ${JSON.stringify(this.name)}`, "used") : this.fs.table;
  }

  /** Mount one more layer on top. */
  async mount(layer: LayerLike): Promise<LayerRecord> {
    this.checkUsable();
    const what = this.describe(layer, this.layers.length);
    const staged = await this.fs.stage(layer, what);
    checkTableBudget(this.fs.options, what, this.t.nodeCount, staged.entries.length);
    this.t.reserve(staged.entries.length);
    return this.apply(layer, staged);
  }

  /**
   * Mount layers (bottom first), e.g. a resolved image's: read `concurrency` at a time, the
   * table sized once, then applied in order. Nothing is applied unless every layer read cleanly.
   */
  mountBatch(layers: readonly LayerLike[], options: MountOptions = {}): Promise<LayerRecord[]> {
    return withStats(options.onStats, () => this.mountAll(layers, options));
  }

  private async mountAll(layers: readonly LayerLike[], options: MountOptions): Promise<LayerRecord[]> {
    this.checkUsable();
    notePool(this.fs.pool);
    const { upTo, onLayer, stager } = options;
    if (upTo !== undefined && !(Number.isInteger(upTo) && upTo >= 0))
      throw new RangeError(`upTo must be a layer index (0 = bottom), not ${String(upTo)}`);
    const todo = upTo === undefined ? layers : layers.slice(0, upTo + 1);
    const base = this.layers.length;
    const staged = new Array<StagedLayer>(todo.length);
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < todo.length) {
        const i = next++;
        staged[i] = await this.fs.stage(todo[i], this.describe(todo[i], base + i), { stager });
        onLayer?.(++done, todo.length);
      }
    };
    // A pool keeps each of its workers busy: one more layer in flight than it has workers.
    const width = Math.max(this.fs.options.concurrency, stager ? stager.size + 1 : 0);
    await Promise.all(Array.from({ length: Math.min(width, todo.length) }, worker));
    this.checkUsable(); // freed while the layers were read
    const adding = staged.reduce((n, s) => n + s.entries.length, 0);
    checkTableBudget(this.fs.options, `${todo.length} layers of ${this.name}`, this.t.nodeCount, adding);
    this.t.reserve(adding);
    return todo.map((l, i) => this.apply(l, staged[i]));
  }

  private describe(layer: LayerLike, index: number): string {
    return `layer ${index}${layer.digest ? " " + layer.digest.slice(0, 19) + "…" : ""} of ${this.name}`;
  }

  private checkUsable(): void {
    if (this.fs.freed) this.fs.refuse(`image ${JSON.stringify(this.name)}`, "mounted into");
    if (this.broken) throw new LayerEntryError(this.name, `image is broken by an earlier refused layer: ${this.broken.message}`);
  }

  private apply(input: LayerLike, staged: StagedLayer): LayerRecord {
    const id = this.fs.layers.length;
    let result;
    try {
      const what = this.describe(input, this.layers.length);
      const apply = () => applyLayer(this.t, this.root, id, staged, this.fs.options.onBadEntry, { limits: this.fs.options, what });
      result = timed("merging", staged.read.uncompressedBytes, apply);
    } catch (e) {
      this.broken = e as Error;
      throw e;
    }
    const rec: LayerRecord = {
      id,
      image: this.name,
      index: this.layers.length,
      digest: input.digest,
      diffId: input.diffId ?? staged.read.diffId,
      mediaType: input.mediaType,
      compression: staged.read.compression,
      compressedBytes: staged.read.compressedBytes,
      uncompressedBytes: staged.read.uncompressedBytes,
      entries: staged.entries.length,
      changes: result.changes,
      warnings: staged.read.mislabelled
        ? [
            `media type ${input.mediaType} does not match the bytes (${staged.read.compression}); read as ${staged.read.compression}`,
            ...result.warnings,
          ]
        : result.warnings,
      versions: result.versions,
      diveLeaves: result.diveLeaves,
      layer: input,
      spans: staged.spans,
      checkpoints: staged.index,
    };
    const pool = this.fs.pool;
    if (pool) {
      const h = pool.acquire(input.mediaType ?? 0);
      if (input.digest) pool.setDigest(h, input.digest);
      if (rec.diffId) pool.setDiffId(h, rec.diffId);
      pool.setCompressedSize(h, rec.compressedBytes);
      pool.setUncompressedSize(h, rec.uncompressedBytes);
      pool.setPosition(h, rec.index);
      pool.setImage(h, this.fs.imageNames().indexOf(this.name));
      pool.setUser(h, id);
      if (rec.index > 0) pool.setParent(h, this.layers[rec.index - 1].handle ?? -1);
      rec.handle = h;
    }
    this.fs.layers.push(rec);
    this.layers.push(rec);
    return rec;
  }

  private node(path: string, followLast: boolean): number {
    const r = resolve(this.t, this.root, cleanPath(path).path, { followLast });
    if (!r.ok) {
      throw new NotFoundError(
        `${this.name}: ${JSON.stringify(path)}: ${r.why === "loop" ? "too many levels of symbolic links" : r.why === "notdir" ? "not a directory" : "no such file or directory"}`,
        path,
      );
    }
    return r.node;
  }

  exists(path: string): boolean {
    return resolve(this.t, this.root, cleanPath(path).path, { followLast: false }).ok;
  }

  /** Metadata of `path`, following a final symlink. */
  stat(path: string): Stat {
    return this.statNode(this.node(path, true));
  }

  /** Metadata of `path` itself (a symlink is reported as one). */
  lstat(path: string): Stat {
    return this.statNode(this.node(path, false));
  }

  /** Names in a directory, in byte order. */
  readdir(path: string): string[] {
    const n = this.node(path, true);
    if (this.t.kind[this.t.inode[n]] !== Kind.Dir) throw new NotFoundError(`${this.name}: ${JSON.stringify(path)}: not a directory`, path);
    return this.t
      .childNodes(n)
      .map((c) => this.t.nodeName(c))
      .sort(comparePaths);
  }

  readlink(path: string): string {
    const n = this.node(path, false);
    const ino = this.t.inode[n];
    if (this.t.kind[ino] !== Kind.Symlink) throw new NotFoundError(`${this.name}: ${JSON.stringify(path)}: not a symbolic link`, path);
    return this.t.linkTarget.get(ino) ?? "";
  }

  /** Every path under `from` (not `from` itself), depth first, names in byte order. */
  walk(from = ""): Generator<Stat> {
    // Resolved now, not on the first next(): a missing `from` or a freed view throws here.
    return this.walkFrom(this.node(from, true));
  }

  // An explicit stack, not recursion, and each path built from its parent's rather than by
  // climbing to the root: the walk costs the bytes of the paths it yields, whatever the depth.
  private *walkFrom(start: number): Generator<Stat> {
    const nodes: number[] = [];
    const dirs: string[] = [];
    const push = (dir: number, path: string) => {
      for (const c of this.sortedChildren(dir).reverse()) {
        nodes.push(c);
        dirs.push(path);
      }
    };
    push(start, pathOf(this.t, this.root, start));
    while (nodes.length) {
      const n = nodes.pop()!;
      const s = this.statNode(n, joinPath(dirs.pop()!, this.t.nodeName(n)));
      yield s;
      if (this.t.kind[this.t.inode[n]] === Kind.Dir) push(n, s.path);
    }
  }

  /** Visible paths grouped by shared inode, for regular files with more than one link. */
  hardlinkGroups(): Map<number, string[]> {
    const groups = new Map<number, string[]>();
    for (const s of this.walk()) {
      if (s.type === "file" && s.nlink > 1) {
        const g = groups.get(s.inode);
        if (g) g.push(s.path);
        else groups.set(s.inode, [s.path]);
      }
    }
    for (const g of groups.values()) g.sort(comparePaths);
    return groups;
  }

  /** The bytes of the visible version of a regular file (symlinks followed), as a stream. */
  readFile(path: string): ReadableStream<Uint8Array> {
    if (this.fs.freed) this.fs.refuse(`image ${JSON.stringify(this.name)}`, `read (readFile(${JSON.stringify(path)}))`);
    let n: number;
    try {
      n = this.node(path, true);
    } catch (e) {
      return new ReadableStream({ start: (c) => c.error(e) });
    }
    const ino = this.t.inode[n];
    if (this.t.kind[ino] !== Kind.File) {
      const err = new NotFoundError(`${this.name}: ${JSON.stringify(path)}: not a regular file`, path);
      return new ReadableStream({ start: (c) => c.error(err) });
    }
    const rec = this.fs.layers[this.t.layer[ino]];
    const span = {
      offset: this.t.offset[ino],
      size: this.t.size[ino],
      key: 0,
      sparse: this.t.sparse.get(ino),
      path: pathOf(this.t, this.root, n),
    };
    return fileStream(spanSource(this.fs, rec), span);
  }

  /** The whole visible content of a regular file. */
  async readFileBytes(path: string): Promise<Uint8Array> {
    return new Uint8Array(await new Response(this.readFile(path)).arrayBuffer());
  }

  /** Where the bytes of a regular file's visible version live (export, hashing). */
  locate(path: string): { layer: LayerRecord; offset: number; size: number; sparse?: SparseLayout } {
    const ino = this.t.inode[this.node(path, true)];
    if (this.t.kind[ino] !== Kind.File) throw new NotFoundError(`${this.name}: ${JSON.stringify(path)}: not a regular file`, path);
    return { layer: this.fs.layers[this.t.layer[ino]], offset: this.t.offset[ino], size: this.t.size[ino], sparse: this.t.sparse.get(ino) };
  }

  /** Is this file version (an inode a layer supplied) still visible? */
  isVisible(inode: number): boolean {
    return this.t.links[inode] > 0;
  }

  private sortedChildren(n: number): number[] {
    const t = this.t;
    return t.childNodes(n).sort((a, b) => comparePaths(t.nodeName(a), t.nodeName(b)));
  }

  /**
   * Index in its image of the layer with global id `id`; -1 for none, and for the entries a
   * refused layer applied before it was refused (it has no record, the image is broken).
   */
  private layerIndex(id: number): number {
    return id === NIL ? -1 : (this.fs.layers[id]?.index ?? -1);
  }

  private statNode(n: number, path = pathOf(this.t, this.root, n)): Stat {
    const t = this.t;
    const ino = t.inode[n];
    const kind = t.kind[ino];
    const layerId = t.layer[ino];
    const s: Stat = {
      path,
      type: KIND_NAMES[kind],
      mode: t.mode[ino],
      uid: t.uid[ino],
      gid: t.gid[ino],
      size: kind === Kind.File ? t.size[ino] : 0,
      mtime: t.mtime[ino],
      inode: ino,
      nlink: t.links[ino],
      layer: this.layerIndex(layerId),
      touchedBy: t.touchedBy(n).map((id) => this.layerIndex(id)),
    };
    if (kind === Kind.Symlink) s.linkname = t.linkTarget.get(ino) ?? "";
    if (kind === Kind.CharDev || kind === Kind.BlockDev) s.rdev = t.rdev.get(ino) ?? [0, 0];
    const x = t.xattrs.get(ino);
    if (x) s.xattrs = x;
    const d = t.digest.get(ino);
    if (d) s.digest = d;
    const ns = t.mtimeNsec.get(ino);
    if (ns) s.mtimeNsec = ns;
    const owner = t.ownerNames.get(ino);
    if (owner) [s.uname, s.gname] = owner;
    return s;
  }
}

/** A mounted layer as readSpans takes it: the blob, what its verified mount recorded, its name. */
export function spanSource(fs: LayerFS, rec: LayerRecord): SpanSource {
  return { layer: rec.layer, digests: () => fs.spanDigests(rec), what: `layer ${rec.index} of ${rec.image}`, checkpoints: rec.checkpoints };
}
