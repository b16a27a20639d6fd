// `layerlens layers IMAGE [--top N] [--platform P] [--json]`: per layer what it added,
// modified, deleted and hid (opaque), with bytes; dive's efficiency score and wasted bytes
// (without dive's double counting) and our reclaimable bytes, with the top offenders. Each
// layer shows the history command that made it; --changes lists its paths, a path whose type
// changed as "~ path  directory → file".

import { UsageError } from "../errors.js";
import { analyzeWaste } from "../fs/waste.js";
import { formatEfficiency } from "../report/efficiency.js";
import { type LayersReport, layersReport } from "../report/layers.js";
import { parseArgs } from "./args.js";
import type { CliIO, Command } from "./command.js";
import { humanBytes, mountImage } from "./mount.js";
import { REGISTRY_FLAGS_USAGE, takeRegistryFlags } from "./registry-flags.js";
import { takeWorkersFlag, WORKERS_FLAG_USAGE } from "./workers-flag.js";

export const command: Command = {
  summary: "Per-layer changes and sizes, efficiency, wasted and reclaimable bytes.",
  usage: `layerlens layers IMAGE [--changes] [--top N] [--platform os/arch[/variant]] [--json] ${REGISTRY_FLAGS_USAGE} ${WORKERS_FLAG_USAGE}`,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { rest: afterWorkers, workers } = takeWorkersFlag(argv, "layers");
    const { rest, registry, blobCache } = takeRegistryFlags(afterWorkers, "layers");
    const args = parseArgs(rest, { boolean: ["json", "changes"], string: ["top", "platform"] }, "layers");
    const [spec, ...extra] = args.positionals;
    if (!spec) throw new UsageError(`layers: name an IMAGE\nusage: ${this.usage}`);
    if (extra.length) throw new UsageError("layers: one IMAGE at a time");
    const top = args.options.top === undefined ? 10 : Number(args.options.top);
    if (!Number.isInteger(top) || top < 0) throw new UsageError(`layers: --top takes a count, not ${JSON.stringify(args.options.top)}`);
    const m = await mountImage(spec, io, { platform: args.options.platform, registry, blobCache, workers });
    try {
      const waste = analyzeWaste(m.image, top);
      const report = layersReport({ name: spec, layers: m.image.layers, history: m.resolved.config?.history }, waste, args.flags.changes);
      io.stdout(args.flags.json ? JSON.stringify(report, null, 2) + "\n" : format(report, args.flags.changes));
      return 0;
    } finally {
      await m.close();
    }
  },
};

function format(r: LayersReport, changes: boolean): string {
  let out = `Image ${r.image}\n\n  #  digest        size        tar    entries  other   added  modified  deleted  reclaimable\n`;
  for (const l of r.layers) {
    out +=
      `${String(l.index).padStart(3)}  ${(l.digest ?? "-")
        .replace(/^sha256:/, "")
        .slice(0, 12)
        .padEnd(
          12,
        )} ${humanBytes(l.size).padStart(10)} ${humanBytes(l.uncompressedSize).padStart(10)} ${String(l.entries).padStart(9)} ${String(l.otherEntries).padStart(6)}` +
      ` ${String(l.added).padStart(7)} ${String(l.modified).padStart(9)} ${String(l.deleted + l.opaque).padStart(8)} ${humanBytes(l.reclaimableBytes).padStart(12)}\n`;
    if (l.createdBy !== null) out += `       created by: ${oneLine(l.createdBy)}\n`;
    for (const w of l.warnings) out += `       warning: ${w}\n`;
    if (changes && l.changes) {
      // A directory replaced by something else is one change, "~ path  directory → file";
      // the deleted list also holds it (its contents went), which would read as a second one.
      const retyped = new Set(l.changes.modified.filter((c) => c.was).map((c) => c.path));
      for (const c of l.changes.added) out += `       + ${c.path}\n`;
      for (const c of l.changes.modified) out += `       ~ ${c.path}${c.was ? `  ${c.was} → ${c.type}` : ""}\n`;
      for (const c of l.changes.deleted) if (!retyped.has(c.path)) out += `       - ${c.path}\n`;
      for (const c of l.changes.opaque) out += `       - ${c.path}/* (opaque)\n`;
    }
  }
  out += `\n(entries: every tar entry of the layer; other: those that changed no path, such as the root directory "./")\n`;
  const w = r.waste;
  out += `\nEfficiency        ${formatEfficiency(w)}\n`;
  out += `Wasted bytes      ${humanBytes(w.wastedBytes)} (dive would report ${humanBytes(w.diveReportedWastedBytes)}, counting every copy)\n`;
  out += `Reclaimable bytes ${humanBytes(w.reclaimableBytes)} of ${humanBytes(w.fileBytes)} stored (${humanBytes(w.visibleBytes)} visible)\n`;
  if (w.topWasted.length) {
    out += `\nCount  Wasted      Path\n`;
    for (const p of w.topWasted) out += `${String(p.layers.length).padStart(5)}  ${humanBytes(p.wastedBytes).padEnd(10)}  /${p.path}\n`;
  }
  if (w.topReclaimable.length) {
    out += `\nLayer  Reclaimable  Path\n`;
    for (const d of w.topReclaimable) out += `${String(d.layer).padStart(5)}  ${humanBytes(d.bytes).padEnd(11)}  /${d.path}\n`;
  }
  return out;
}

/** A history command on one line (RUN heredocs span several). */
function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ⏎ ").trim();
}
