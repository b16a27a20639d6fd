// One image, in two steps the page shows as they finish: resolve it (for the chosen platform
// when it is an index) and report its documents, then read every layer once into a LayerFS
// (blob digest and diff_id verified on the way) while counting the compressed bytes for the
// progress bar, and derive the wasted space. A layer that fails is named with its error and
// the view stays as of the layer below it; the documents are still shown. All
// of it is library code (resolveImage, LayerFS, buildReport, analyzeWaste); this file only
// wires it together. Documents come from the page's one document cache, so choosing another
// platform, or opening the same image again, reads no manifest, index or config twice.

import {
  LayerFS,
  analyzeWaste,
  buildReport,
  documentCache,
  formatPlatform,
  isIndex,
  parsePlatform,
  readDocument,
  resolveImage,
  withStats,
  repoTagsOf,
  type ImageSource,
  type InspectReport,
  type Layer,
  type LayerFSOptions,
  type LayerRecord,
  type MergedImage,
  type ResolvedImage,
  type WasteReport,
} from "../../src/browser.js";
import type { Stats } from "../../src/report/stats.js";

export interface PlatformChoice {
  label: string;
  digest: string;
}

/** The documents of an image: what the page shows before any layer is read. */
export interface Resolution {
  resolved: ResolvedImage;
  /** The documents as `layerlens inspect --quick` reports them (the layers are in `image`). */
  report: InspectReport;
  /** Platforms of the root index (empty when the root is a manifest). */
  platforms: PlatformChoice[];
  /** The platform shown: the index entry's own label (so arm64/v8 stays arm64/v8), else the config's. */
  platform?: string;
  /** What building the report cost (the metrics panel). */
  documentStats?: Stats;
}

/** A layer that could not be read or applied: the view stops below it. */
export interface LayerFailure {
  index: number;
  error: unknown;
}

export interface Inspection extends Resolution {
  image: MergedImage;
  /** The wasted space, its lists cut to the few the report shows. */
  waste: WasteReport;
  /** Every path that wastes bytes in `image`, most first (dive mode's "wasted only" as of the top layer). */
  wastedPaths: string[];
  /** The layers mounted (all of them unless `failure`). */
  records: LayerRecord[];
  failure?: LayerFailure;
  /** What reading the layers cost: the batch's own stats, the failed one's too. */
  layerStats?: Stats;
}

export type Progress = (done: number, total: number) => void;

/** Paths listed in the report's wasted-space tables. */
const TOP_LISTED = 10;

/**
 * The wasted space of `image`, analysed once for both the report (its top lists) and dive mode
 * (every wasting path): over a 100k-path view one analysis is a few hundred milliseconds.
 */
export function wasteOf(image: MergedImage): { waste: WasteReport; wastedPaths: string[] } {
  const all = analyzeWaste(image, Number.MAX_SAFE_INTEGER);
  return {
    waste: { ...all, topWasted: all.topWasted.slice(0, TOP_LISTED), topReclaimable: all.topReclaimable.slice(0, TOP_LISTED) },
    wastedPaths: all.topWasted.filter((w) => w.wastedBytes > 0).map((w) => w.path),
  };
}
/** Platforms listed by the root index, so the user can choose before anything is mounted. */
export async function platformsOf(source: ImageSource): Promise<PlatformChoice[]> {
  const root = await source.root();
  if (!isIndex(root.mediaType)) return [];
  const index = JSON.parse(new TextDecoder().decode(await readDocument(source, root, "index", documentCache()))) as {
    manifests?: { digest: string; platform?: { os: string; architecture: string; variant?: string } }[];
  };
  return (index.manifests ?? []).filter((d) => d.platform).map((d) => ({ label: formatPlatform(d.platform!), digest: d.digest }));
}

/**
 * Count compressed bytes as each layer blob is read the first time (mounting, not readFile).
 * Once `signal` aborts, the next chunk errors the stream with its reason, which cancels the
 * read underneath: Cancel stops the reading, not only the showing.
 */
function counted(layers: Layer[], onBytes: (n: number) => void, signal?: AbortSignal): { layers: Layer[]; stop: () => void } {
  let counting = true;
  const wrapped = layers.map((layer): Layer => ({
    ...layer,
    async open(range) {
      signal?.throwIfAborted();
      const readable = await layer.open(range);
      if (!counting) return readable;
      return readable.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, ctl) {
            if (signal?.aborted) return ctl.error(signal.reason);
            if (counting) onBytes(chunk.length);
            ctl.enqueue(chunk);
          },
        }),
      );
    },
  }));
  return {
    layers: wrapped,
    stop: () => {
      counting = false;
    },
  };
}

/** Resolve `source` (for `platform` when its root is an index) and report its documents. */
export async function resolveSource(source: ImageSource, platform?: string): Promise<Resolution> {
  let documentStats: Stats | undefined;
  // The window covers reading the index, manifest and config (and their blob cache lookups),
  // not only the report made from them.
  const r = await withStats(
    (s) => (documentStats = s),
    async () => {
      const platforms = await platformsOf(source);
      // Without a choice an index resolves for the host (linux/amd64 in a browser); when it
      // lacks that platform, start with the first one it lists rather than failing.
      const chosen =
        platform ?? (platforms.length && !platforms.some((p) => p.label.startsWith("linux/amd64")) ? platforms[0].label : undefined);
      const resolved = await resolveImage(source, { cache: documentCache(), platform: chosen ? parsePlatform(chosen) : undefined });
      const report = await buildReport(resolved, { quick: true, repoTags: repoTagsOf(source) });
      // The picker's labels come from the index; the config may say less (no variant), so the
      // entry resolved is found by digest, not by comparing labels.
      const entry = platforms.find((p) => p.digest === resolved.manifestDescriptor.digest);
      const shown = entry?.label ?? chosen ?? (resolved.config ? formatPlatform(resolved.config) : undefined);
      return { resolved, report, platforms, platform: shown };
    },
  );
  return { ...r, documentStats };
}

/** Read every layer of `r` into a new LayerFS; a failing layer is reported, not thrown, and an
 *  abort of `signal` rejects with its reason (the LayerFS freed). */
export async function mountLayers(r: Resolution, name: string, progress: Progress, signal?: AbortSignal): Promise<Inspection> {
  const total = r.resolved.layers.reduce((n, l) => n + l.size, 0);
  let done = 0;
  progress(0, total);
  const { layers, stop } = counted(r.resolved.layers, (n) => progress((done += n), total), signal);
  let fs = new LayerFS();
  let image = fs.image(name);
  let records: LayerRecord[];
  let failure: LayerFailure | undefined;
  let layerStats: Stats | undefined;
  try {
    records = await image.mountBatch(layers, { onStats: (s) => (layerStats = s) });
  } catch (batchError) {
    if (signal?.aborted) {
      fs.free();
      throw signal.reason;
    }
    // Which layer failed: mount again one at a time until one throws (only on this path).
    stop();
    fs.free();
    fs = new LayerFS();
    image = fs.image(name);
    records = [];
    try {
      for (const layer of r.resolved.layers) records.push(await image.mount(layer));
    } catch (e) {
      failure = { index: records.length, error: e };
    }
    if (!failure) failure = { index: 0, error: batchError };
    // A layer refused half-way through being applied leaves the image broken (and partly
    // changed): the view shown is rebuilt from the layers below it.
    fs.free();
    fs = new LayerFS();
    image = fs.image(name);
    records = await image.mountBatch(r.resolved.layers.slice(0, failure.index));
  } finally {
    stop();
  }
  if (!failure) progress(total, total);
  return { ...r, image, records, failure, layerStats, ...wasteOf(image) };
}

/**
 * Every layer of `r` applied in layer order as `stager` hands out its staged (read, verified,
 * parsed) layers, `onLayer` told as each one is in: the stage workers read several at once,
 * and the view shows each layer as soon as the ones below it are in too. A failing layer is
 * reported, not thrown; the view is then rebuilt from the layers below it (from the same
 * staged layers, so nothing is read again), as a layer refused half-way may have changed it.
 */
export async function mountInOrder(
  r: Resolution,
  name: string,
  stager: NonNullable<LayerFSOptions["stager"]>,
  onLayer: (rec: LayerRecord) => void,
): Promise<Omit<Inspection, "layerStats"> & { mainStats?: Stats }> {
  let fs = new LayerFS({ stager });
  let image = fs.image(name);
  let records: LayerRecord[] = [];
  let failure: LayerFailure | undefined;
  let mainStats: Stats | undefined;
  await withStats(
    (s) => (mainStats = s),
    async () => {
      for (const layer of r.resolved.layers) {
        try {
          const rec = await image.mount(layer);
          records.push(rec);
          onLayer(rec);
        } catch (e) {
          failure = { index: records.length, error: e };
          break;
        }
      }
    },
  );
  if (failure) {
    fs.free();
    fs = new LayerFS({ stager });
    image = fs.image(name);
    records = await image.mountBatch(r.resolved.layers.slice(0, failure.index));
  }
  return { ...r, image, records, failure, mainStats, ...wasteOf(image) };
}

/** Both steps at once: what a caller that does not show the documents early wants. */
export async function inspectSource(source: ImageSource, platform: string | undefined, progress: Progress): Promise<Inspection> {
  return mountLayers(await resolveSource(source, platform), source.name, progress);
}
