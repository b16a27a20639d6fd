// One image, start to finish: resolve it (for the chosen platform when it is an index), read
// every layer once into a LayerFS (blob digest and diff_id verified on the way) while counting
// the compressed bytes for the progress bar, then derive the report and the wasted space. All
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
  type ImageSource,
  type InspectReport,
  type Layer,
  type MergedImage,
  type ResolvedImage,
  type WasteReport,
} from "../../src/browser.js";

export interface PlatformChoice {
  label: string;
  digest: string;
}

export interface Inspection {
  resolved: ResolvedImage;
  /** The documents as `layerlens inspect --quick` reports them (the layers are in `image`). */
  report: InspectReport;
  image: MergedImage;
  waste: WasteReport;
  /** Platforms of the root index (empty when the root is a manifest). */
  platforms: PlatformChoice[];
  platform?: string;
}

export type Progress = (done: number, total: number) => void;

/** Platforms listed by the root index, so the user can choose before anything is mounted. */
export async function platformsOf(source: ImageSource): Promise<PlatformChoice[]> {
  const root = await source.root();
  if (!isIndex(root.mediaType)) return [];
  const index = JSON.parse(new TextDecoder().decode(await readDocument(source, root, "index", documentCache()))) as {
    manifests?: { digest: string; platform?: { os: string; architecture: string; variant?: string } }[];
  };
  return (index.manifests ?? []).filter((d) => d.platform).map((d) => ({ label: formatPlatform(d.platform!), digest: d.digest }));
}

/** Count compressed bytes as each layer blob is read the first time (mounting, not readFile). */
function counted(layers: Layer[], onBytes: (n: number) => void): { layers: Layer[]; stop: () => void } {
  let counting = true;
  const wrapped = layers.map((layer): Layer => ({
    ...layer,
    async open(range) {
      const readable = await layer.open(range);
      if (!counting) return readable;
      return readable.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, ctl) {
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

export async function inspectSource(source: ImageSource, platform: string | undefined, progress: Progress): Promise<Inspection> {
  const platforms = await platformsOf(source);
  // Without a choice an index resolves for the host (linux/amd64 in a browser); when it
  // lacks that platform, start with the first one it lists rather than failing.
  const chosen =
    platform ?? (platforms.length && !platforms.some((p) => p.label.startsWith("linux/amd64")) ? platforms[0].label : undefined);
  const resolved = await resolveImage(source, { cache: documentCache(), platform: chosen ? parsePlatform(chosen) : undefined });
  const total = resolved.layers.reduce((n, l) => n + l.size, 0);
  let done = 0;
  progress(0, total);
  const { layers, stop } = counted(resolved.layers, (n) => progress((done += n), total));
  const fs = new LayerFS();
  const image = fs.image(source.name);
  try {
    await image.mountBatch(layers);
  } catch (e) {
    fs.free();
    throw e;
  } finally {
    stop();
  }
  progress(total, total);
  const current = resolved.config ? formatPlatform(resolved.config) : chosen;
  const report = await buildReport(resolved, { quick: true });
  return { resolved, report, image, waste: analyzeWaste(image, 10), platforms, platform: current };
}
