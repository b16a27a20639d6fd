// Wasted space in a merged image: the one place its words are defined. The CLI (`layers`,
// `check`), their JSON and the web page all read these fields and print the efficiency through
// efficiencyPercent, so one image shows one set of numbers everywhere.
//
// "wasted bytes" follows dive's model (wagoodman/dive, filetree/efficiency.go and
// image/image.go): every leaf path of every layer is a node; a whiteout's node weighs the whole
// directory it hid (a file whiteout weighs 0). Per path: cumulative = the sum of its nodes'
// sizes, min = the smallest. Wasted bytes = the sum, over paths that are leaves in two or more
// layers, of (cumulative - min): every copy but one, the one kept being the smallest.
// dive 0.13 sums the whole cumulative instead, so each duplicated path's kept copy is counted
// too (its issue #684); its number differs from ours by exactly the sum of those paths' min and
// is reported beside ours as diveReportedWastedBytes. Since single-copy paths have
// cumulative == min, wasted bytes = discoveredBytes - keptBytes (the sums over all paths), so
// wasted bytes and the efficiency below always agree. One more difference: dive ignores opaque
// markers; here an opaque directory weighs what it hid.
//
// "efficiency" is dive's score: keptBytes / discoveredBytes (1 when nothing was discovered).
// Shown as a percentage rounded DOWN to two decimals by efficiencyPercent, from the integer
// sums, so a score below 1 never reads as 100.00 % and an exact 57 % reads 57.00 %, not the
// 56.99 that flooring the float ratio times 10000 gives.
//
// "user file bytes" is what dive calls the user size: the file bytes of every layer above the
// first (the base), against which its highestUserWastedPercent rule measures wasted bytes.
//
// "reclaimable bytes" is our other measure: bytes of regular-file versions that some layer
// stores but that are not visible in the merged view (overwritten, whited out, or under a
// replaced directory), each hard-linked inode once: what flattening the image would save,
// attributed to the layer that stores the dead bytes. It differs from wasted bytes where dive's
// model keeps the smallest copy rather than the last one: a file that grows from 1 KiB to
// 100 MiB wastes 100 MiB but leaves 1 KiB reclaimable; and it counts no whiteout weights.

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
  /** Regular-file bytes stored by the layers above the first (dive's user size). */
  userFileBytes: number;
  /** Sum of every path's cumulative bytes (dive's denominator). */
  discoveredBytes: number;
  /** Sum of every path's smallest copy (dive's numerator). */
  keptBytes: number;
  /** dive's efficiency score, keptBytes / discoveredBytes, 0..1. */
  efficiency: number;
  /** The score as shown everywhere: a percentage rounded down to two decimals. */
  efficiencyPercent: number;
  /** dive's wasted bytes without its double counting: discoveredBytes - keptBytes. */
  wastedBytes: number;
  /** The number dive 0.13 prints (every copy of a duplicated path, the kept one too). */
  diveReportedWastedBytes: number;
  layers: LayerWaste[];
  /** Paths with the most wasted bytes, most first. */
  topWasted: PathWaste[];
  /** Largest dead file versions, largest first. */
  topReclaimable: DeadVersion[];
}

/**
 * keptBytes / discoveredBytes as a percentage rounded down to two decimals, from the integer
 * sums (BigInt: sums past 900 GB times 10000 leave the exact range of a double).
 */
export function efficiencyPercent(keptBytes: number, discoveredBytes: number): number {
  if (discoveredBytes === 0) return 100;
  return Number((BigInt(keptBytes) * 10000n) / BigInt(discoveredBytes)) / 100;
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
  let userFileBytes = 0;
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
    if (layer !== img.layers[0]) userFileBytes += stored;
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
    userFileBytes,
    discoveredBytes: cumSum,
    keptBytes: minSum,
    efficiency: cumSum === 0 ? 1 : minSum / cumSum,
    efficiencyPercent: efficiencyPercent(minSum, cumSum),
    wastedBytes: wasted,
    diveReportedWastedBytes: diveWasted,
    layers,
    topWasted: dup.sort(byWaste).slice(0, top),
    topReclaimable: dead.sort(byBytes).slice(0, top),
  };
}
