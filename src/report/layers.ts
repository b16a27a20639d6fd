// What `layerlens layers` prints (and a page or service can render): per mounted layer what it
// added, modified, deleted and hid (opaque), with bytes and warnings, next to the image's wasted
// space (analyzeWaste). Built from a merged view's records, so it is the same in every runtime.

import type { LayerRecord } from "../fs/merge.js";
import type { WasteReport } from "../fs/waste.js";

export interface LayersReport {
  image: string;
  layers: {
    index: number;
    digest?: string;
    diffId?: string;
    mediaType?: string;
    compression: string;
    size: number;
    uncompressedSize: number;
    entries: number;
    added: number;
    modified: number;
    deleted: number;
    opaque: number;
    addedBytes: number;
    modifiedBytes: number;
    deletedBytes: number;
    reclaimableBytes: number;
    warnings: string[];
    changes?: LayerRecord["changes"];
  }[];
  waste: WasteReport;
}

export function layersReport(image: { name: string; layers: LayerRecord[] }, waste: WasteReport, withChanges = false): LayersReport {
  return {
    image: image.name,
    layers: image.layers.map((l) => ({
      index: l.index,
      digest: l.digest,
      diffId: l.diffId,
      mediaType: l.mediaType,
      compression: l.compression,
      size: l.compressedBytes,
      uncompressedSize: l.uncompressedBytes,
      entries: l.entries,
      added: l.changes.added.length,
      modified: l.changes.modified.length,
      deleted: l.changes.deleted.length,
      opaque: l.changes.opaque.length,
      addedBytes: l.changes.addedBytes,
      modifiedBytes: l.changes.modifiedBytes,
      deletedBytes: l.changes.deletedBytes,
      reclaimableBytes: waste.layers[l.index]?.reclaimableBytes ?? 0,
      warnings: l.warnings,
      ...(withChanges ? { changes: l.changes } : {}),
    })),
    waste,
  };
}
