// One image, start to finish: resolve it (for the chosen platform when it is an index), read
// every layer once into a LayerFS (blob digest and diff_id verified on the way) while counting
// the compressed bytes for the progress bar, then derive wasted space. All of it is library
// code (resolveImage, layerInputs, LayerFS, analyzeWaste); this file only wires it together.

import {
  LayerFS, MetadataCache, analyzeWaste, formatPlatform, isIndex, layerInputs, parsePlatform, readDocument,
  resolveImage, type ImageSource, type LayerInput, type MergedImage, type ResolvedImage, type WasteReport,
} from "../../src/browser.js";

export interface PlatformChoice { label: string; digest: string }

export interface Inspection {
  resolved: ResolvedImage;
  image: MergedImage;
  waste: WasteReport;
  /** Platforms of the root index (empty when the root is a manifest). */
  platforms: PlatformChoice[];
  platform?: string;
}

export type Progress = (done: number, total: number) => void;

/** Platforms listed by the root index, so the user can choose before anything is mounted. */
export async function platformsOf(source: ImageSource, cache: MetadataCache<Uint8Array>): Promise<PlatformChoice[]> {
  const root = await source.root();
  if (!isIndex(root.mediaType)) return [];
  const index = JSON.parse(new TextDecoder().decode(await readDocument(source, root, "index", cache))) as { manifests?: { digest: string; platform?: { os: string; architecture: string; variant?: string } }[] };
  return (index.manifests ?? []).filter((d) => d.platform).map((d) => ({ label: formatPlatform(d.platform!), digest: d.digest }));
}

/** Count compressed bytes as each layer blob is read the first time (mounting, not readFile). */
function counted(inputs: LayerInput[], onBytes: (n: number) => void): { inputs: LayerInput[]; stop(): void } {
  let counting = true;
  const wrapped = inputs.map((input): LayerInput => ({
    ...input,
    async open() {
      // layerInputs opens through ImageSource.openBlob, which always gives a ReadableStream.
      const readable = (await input.open()) as ReadableStream<Uint8Array>;
      if (!counting) return readable;
      return readable.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, ctl) {
          if (counting) onBytes(chunk.length);
          ctl.enqueue(chunk);
        },
      }));
    },
  }));
  return { inputs: wrapped, stop: () => { counting = false; } };
}

export async function inspectSource(source: ImageSource, platform: string | undefined, progress: Progress): Promise<Inspection> {
  const cache = new MetadataCache<Uint8Array>({ max: 64, maxBytes: 16 << 20 });
  try {
    const platforms = await platformsOf(source, cache);
    // Without a choice an index resolves for the host (linux/amd64 in a browser); when it
    // lacks that platform, start with the first one it lists rather than failing.
    const chosen = platform ?? (platforms.length && !platforms.some((p) => p.label.startsWith("linux/amd64")) ? platforms[0].label : undefined);
    const resolved = await resolveImage(source, { cache, platform: chosen ? parsePlatform(chosen) : undefined });
    const total = resolved.layers.reduce((n, d) => n + d.size, 0);
    let done = 0;
    progress(0, total);
    const { inputs, stop } = counted(layerInputs(source, resolved), (n) => progress((done += n), total));
    const fs = new LayerFS();
    const image = fs.image(source.name);
    try {
      await image.mountBatch(inputs);
    } finally {
      stop();
    }
    progress(total, total);
    const current = resolved.config ? formatPlatform(resolved.config) : chosen;
    return { resolved, image, waste: analyzeWaste(image, 10), platforms, platform: current };
  } finally {
    cache.free();
  }
}
