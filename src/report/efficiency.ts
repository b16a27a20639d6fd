// How wasted space reads, in words and digits, wherever it is shown: `layers` and `check` text,
// the web page's wasted-space view and their JSON use these names and these formatters, so the
// same image says the same thing in each. What the numbers mean is defined once, in
// src/fs/waste.ts (its header); this module only says how they are printed.

import type { WasteReport } from "../fs/waste.js";

/** The one name of each measure, as labels say it, and what it counts (tooltips, help). */
export const WASTE_TERMS = {
  efficiency: "dive's efficiency score: the smallest copy of each path over every copy of it, summed over paths",
  wasted: "bytes of paths stored in more than one layer, every copy but the smallest (dive's wasted bytes, each copy once)",
  reclaimable: "bytes of file versions a layer stores that the merged image no longer shows (what flattening would save)",
  userWasted: "wasted bytes over the file bytes of the layers above the base layer (dive's user wasted percent)",
} as const;

/** The efficiency as every view shows it: "99.99 %" (rounded down, see efficiencyPercent). */
export function formatEfficiency(w: Pick<WasteReport, "efficiencyPercent">): string {
  return `${w.efficiencyPercent.toFixed(2)} %`;
}

/**
 * Wasted bytes over user file bytes, as a ratio (dive's userWastedPercent is one too, despite
 * its name). With no user bytes it is 0 when nothing is wasted and Infinity otherwise: an image
 * whose upper layers only delete still wastes what they hid.
 */
export function userWastedRatio(w: Pick<WasteReport, "wastedBytes" | "userFileBytes">): number {
  if (w.userFileBytes === 0) return w.wastedBytes === 0 ? 0 : Infinity;
  return w.wastedBytes / w.userFileBytes;
}

/**
 * The user wasted share as a percentage with two decimals rounded UP, from the integer byte
 * counts, so a share just over a limit never reads as equal to it (the efficiency, where more is
 * better, rounds down for the same reason).
 */
export function formatUserWasted(w: Pick<WasteReport, "wastedBytes" | "userFileBytes">): string {
  if (w.userFileBytes === 0) return w.wastedBytes === 0 ? "0.00 %" : "infinite";
  const user = BigInt(w.userFileBytes);
  const hundredths = (BigInt(w.wastedBytes) * 10000n + user - 1n) / user;
  return `${(Number(hundredths) / 100).toFixed(2)} %`;
}
