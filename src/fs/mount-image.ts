// From an opened image to a merged view: the resolved manifest's layers become LayerInputs
// (re-openable blob streams with their digests and diff_ids) and are batch-mounted.
// Runtime-neutral: it needs only an ImageSource (src/sources/source.ts).

import type { Descriptor } from "../oci/types.js";
import type { ResolvedImage } from "../sources/image.js";
import type { ImageSource } from "../sources/source.js";
import type { LayerFS, LayerRecord, MergedImage } from "./merge.js";
import type { LayerInput } from "./stage.js";

/** The layers of a resolved image as LayerFS inputs (bottom first). */
export function layerInputs(source: ImageSource, image: ResolvedImage): LayerInput[] {
  const diffIds = image.config?.rootfs.diff_ids ?? [];
  return image.layers.map((d: Descriptor, i: number) => ({
    digest: d.digest,
    mediaType: d.mediaType,
    size: d.size,
    diffId: diffIds[i],
    open: () => source.openBlob(d),
  }));
}

export interface MountImageOptions {
  /** Image name inside the LayerFS (default "default"). */
  name?: string;
  /** Mount layers 0..upTo only (the view as of that layer). */
  upTo?: number;
  /** Called before each layer is applied (progress). */
  onLayer?: (index: number, count: number) => void;
}

/** Mount the layers of `image` into `fs` under `options.name`. */
export async function mountResolved(fs: LayerFS, source: ImageSource, image: ResolvedImage, options: MountImageOptions = {}): Promise<MergedImage> {
  const img = fs.image(options.name);
  let layers = layerInputs(source, image);
  if (options.upTo !== undefined) layers = layers.slice(0, options.upTo + 1);
  if (options.onLayer) {
    const records: LayerRecord[] = [];
    for (const [i, l] of layers.entries()) {
      options.onLayer(i, layers.length);
      records.push(await img.mount(l));
    }
  } else {
    await img.mountBatch(layers);
  }
  return img;
}
