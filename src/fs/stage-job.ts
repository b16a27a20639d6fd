// What staging one layer needs, as plain data: the options LayerFS stages with, with the limits
// as numbers rather than the closure that checks them. Data crosses a worker boundary (a
// structured clone) where a closure cannot, so the sequential path and a worker build their
// StageOptions from the same job with stageOptionsOf and refuse exactly the same entries.

import type { LayerLike } from "../oci/layer.js";
import { checkEntryCount, checkPath, type LayerLimits } from "./limits.js";
import type { StagedLayer, StageOptions } from "./stage.js";

export interface StageJob {
  hashFiles: boolean;
  recordSpans: boolean;
  /** Decompressed-size limit of the layer. */
  maxBytes: number;
  /** Names the layer in messages. */
  what: string;
  limits: LayerLimits;
  /** Record a gzip layer's checkpoint index (layer-index.ts) while it streams. */
  recordIndex?: boolean;
}

/**
 * Reads and stages layers somewhere else (a worker pool) and hands back what stageLayer would
 * have returned for the same layer and job, errors included. LayerFS stages in-process without one.
 */
export interface LayerStager {
  /** Layers it reads at once. */
  readonly size: number;
  stage(layer: LayerLike, job: StageJob): Promise<StagedLayer>;
}

/** The StageOptions of a job: entries are refused as the tar is read, so a flood of them costs nothing. */
export function stageOptionsOf(job: StageJob): StageOptions {
  const { limits, what } = job;
  return {
    hashFiles: job.hashFiles,
    recordSpans: job.recordSpans,
    recordIndex: job.recordIndex,
    maxBytes: job.maxBytes,
    what,
    onEntry: (h, count) => {
      checkEntryCount(limits, what, count);
      checkPath(limits, what, "entry", h.name);
      if (h.type === "symlink" || h.type === "hardlink") checkPath(limits, what, `link target of ${JSON.stringify(h.name)}`, h.linkname);
    },
  };
}
