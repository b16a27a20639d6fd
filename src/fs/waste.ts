// Wasted space in a merged image, two ways.
//
// dive's way (wagoodman/dive, image/efficiency.go): every leaf path of every layer is a
// "node"; a whiteout's node weighs the whole directory it hid (a file whiteout weighs 0, as in
// dive). Per path: cumulative = sum of its nodes' sizes, min = the smallest. Efficiency score =
// sum(min) / sum(cumulative) over all paths (1 when nothing). Wasted bytes = sum over paths
// seen in two or more layers of (cumulative - min): the copies one could drop, keeping one.
// dive itself sums the whole cumulative there (its issue #684: every copy counted, so its
// wasted bytes and score disagree); we report the fixed number and, for comparison, dive's.
// One more fix: dive ignores opaque markers; here an opaque directory weighs what it hid.
//
// Ours, "reclaimable bytes": bytes of regular-file versions that some layer stores but that
// are not visible in the merged view (overwritten, whited out, or under a replaced
// directory). That is what flattening the image would save, attributed to the layer that
// stores the dead bytes.

import type { MergedImage } from "./merge.js";
import { comparePaths } from "./path.js";

export interface PathWaste {
  path: string;
  /** Layers (indexes) that carry this path as a leaf. */
  layers: number[];
  cumulativeBytes: number;
  minBytes: number;
  /** cumulative - min. */
  wastedBytes: number;
}

export interface LayerWaste {
  index: number;
  digest?: string;
  /** Regular-file bytes the layer stores. */
  fileBytes: number;
  /** Of those, bytes not visible in the merged view. */
  reclaimableBytes: number;
}

export interface DeadVersion {
  path: string;
  layer: number;
  bytes: number;
}

export interface WasteReport {
  image: string;
  /** Regular-file bytes stored over all layers. */
  fileBytes: number;
  /** Regular-file bytes visible in the merged view (each hard-linked inode once). */
  visibleBytes: number;
  reclaimableBytes: number;
  /** dive's efficiency score, 0..1. */
  efficiency: number;
  /** dive's wasted bytes without its double counting (issue #684). */
  wastedBytes: number;
  /** The number dive 0.13 prints (every copy of a duplicated path). */
  diveReportedWastedBytes: number;
  layers: LayerWaste[];
  /** Paths with the most wasted bytes, most first. */
  topWasted: PathWaste[];
  /** Largest dead file versions, largest first. */
  topReclaimable: DeadVersion[];
}

export function analyzeWaste(img: MergedImage, top = 20): WasteReport {
  const perPath = new Map<string, PathWaste>();
  for (const layer of img.layers) {
    for (const [path, size] of layer.diveLeaves) {
      let w = perPath.get(path);
      if (!w) {
        w = { path, layers: [], cumulativeBytes: 0, minBytes: size, wastedBytes: 0 };
        perPath.set(path, w);
      }
      w.layers.push(layer.index);
      w.cumulativeBytes += size;
      if (size < w.minBytes) w.minBytes = size;
    }
  }
  let minSum = 0;
  let cumSum = 0;
  let wasted = 0;
  let diveWasted = 0;
  const dup: PathWaste[] = [];
  for (const w of perPath.values()) {
    minSum += w.minBytes;
    cumSum += w.cumulativeBytes;
    if (w.layers.length >= 2) {
      w.wastedBytes = w.cumulativeBytes - w.minBytes;
      wasted += w.wastedBytes;
      diveWasted += w.cumulativeBytes;
      dup.push(w);
    }
  }

  const layers: LayerWaste[] = [];
  const dead: DeadVersion[] = [];
  let fileBytes = 0;
  let reclaimable = 0;
  for (const layer of img.layers) {
    let stored = 0;
    let gone = 0;
    for (const v of layer.versions) {
      stored += v.size;
      if (!img.isVisible(v.inode)) {
        gone += v.size;
        dead.push({ path: v.path, layer: layer.index, bytes: v.size });
      }
    }
    layers.push({ index: layer.index, digest: layer.digest, fileBytes: stored, reclaimableBytes: gone });
    fileBytes += stored;
    reclaimable += gone;
  }
  const seen = new Set<number>();
  let visible = 0;
  for (const s of img.walk()) {
    if (s.type === "file" && !seen.has(s.inode)) {
      seen.add(s.inode);
      visible += s.size;
    }
  }
  const byWaste = (a: PathWaste, b: PathWaste) => b.wastedBytes - a.wastedBytes || comparePaths(a.path, b.path);
  const byBytes = (a: DeadVersion, b: DeadVersion) => b.bytes - a.bytes || comparePaths(a.path, b.path) || a.layer - b.layer;
  return {
    image: img.name,
    fileBytes,
    visibleBytes: visible,
    reclaimableBytes: reclaimable,
    efficiency: cumSum === 0 ? 1 : minSum / cumSum,
    wastedBytes: wasted,
    diveReportedWastedBytes: diveWasted,
    layers,
    topWasted: dup.sort(byWaste).slice(0, top),
    topReclaimable: dead.sort(byBytes).slice(0, top),
  };
}
