// What `layerlens layers` prints (and a page or service can render): per mounted layer what it
// added, modified, deleted and hid (opaque), with bytes and warnings, next to the image's wasted
// space (analyzeWaste). Built from a merged view's records, so it is the same in every runtime.
// Each layer carries the command its config's history says made it (dive's "Command"): history
// entries marked empty_layer made no layer and are skipped when pairing history with layers.
// `entries` counts every tar entry; `otherEntries` those that added, modified or deleted no
// path: the root directory's own entry ("./", metadata only) is the usual one.

import type { LayerRecord } from "../fs/merge.js";
import type { WasteReport } from "../fs/waste.js";
import type { History } from "../oci/types.js";

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
    /** The config history's created_by for this layer; null when the history does not say. */
    createdBy: string | null;
    entries: number;
    /** Entries that changed no path (the root directory "./" among them). */
    otherEntries: number;
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

/** created_by of each layer, bottom first: the history entries that made a layer, in order. */
export function createdByOfLayers(history: readonly History[] | undefined): (string | null)[] {
  return (history ?? []).filter((h) => h.empty_layer !== true).map((h) => h.created_by ?? null);
}

export function layersReport(
  image: { name: string; layers: LayerRecord[]; history?: readonly History[] },
  waste: WasteReport,
  withChanges = false,
): LayersReport {
  const createdBy = createdByOfLayers(image.history);
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
      createdBy: createdBy[l.index] ?? null,
      entries: l.entries,
      otherEntries: otherEntries(l),
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

/**
 * Entries that changed no path. Each added or modified path and each whiteout is one entry; a
 * directory replaced by a file is listed as modified and, for its contents, deleted, from one entry.
 */
function otherEntries(l: LayerRecord): number {
  const c = l.changes;
  const retyped = new Set(c.modified.filter((m) => m.was === "directory").map((m) => m.path));
  const whiteouts = c.deleted.filter((d) => !retyped.has(d.path)).length;
  return l.entries - c.added.length - c.modified.length - whiteouts - c.opaque.length;
}
