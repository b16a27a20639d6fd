// `layerlens diff A B [--config] [--platform P] [--platform-b P] [--json]`: paths added, removed
// and changed (type, mode, owner, size, link, content digest) from image A to image B, each
// changed field as "old → new"; --config compares the image configs too (Env, Cmd, Entrypoint,
// Labels, User, WorkingDir, ExposedPorts...). Exits as diff(1) does: 0 same, 1 different, 2 trouble.

import { UsageError } from "../errors.js";
import { type DiffEntry, diffImages, type DiffSummary, type FieldChange, fieldValues } from "../fs/diff.js";
import { LayerFS } from "../fs/merge.js";
import { type ConfigChange, diffConfigs } from "../report/config-diff.js";
import { parseArgs } from "./args.js";
import type { CliIO, Command } from "./command.js";
import { mountImage } from "./mount.js";
import { REGISTRY_FLAGS_USAGE, takeRegistryFlags } from "./registry-flags.js";
import { takeWorkersFlag, WORKERS_FLAG_USAGE } from "./workers-flag.js";

export const command: Command = {
  summary: "Compare the merged filesystems of two images (or two platforms of one), and with --config their configs.",
  usage: `layerlens diff A B [--config] [--platform os/arch] [--platform-b os/arch] [--json] ${REGISTRY_FLAGS_USAGE} ${WORKERS_FLAG_USAGE}`,
  help: "exit status (as diff(1)): 0 the images are the same, 1 they differ, 2 trouble (usage, an image that cannot be read)\n",
  errorExit: 2,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { rest: afterWorkers, workers } = takeWorkersFlag(argv, "diff");
    const { rest, registry, blobCache } = takeRegistryFlags(afterWorkers, "diff");
    const args = parseArgs(rest, { boolean: ["json", "config"], string: ["platform", "platform-b"] }, "diff");
    const [a, b, ...extra] = args.positionals;
    if (!a || !b || extra.length) throw new UsageError(`diff: name two images\nusage: ${this.usage}`);
    const fs = new LayerFS({ hashFiles: true });
    const platformB = args.options["platform-b"] ?? args.options.platform;
    const ma = await mountImage(a, io, { platform: args.options.platform, name: a, fs, registry, blobCache, workers });
    try {
      // One LayerFS holds both views by name: the same image twice (two platforms) needs two names.
      const nameB = b === a ? `${b} (${platformB ?? "again"})` : b;
      const mb = await mountImage(b, io, { platform: platformB, name: nameB, fs, registry, blobCache, workers });
      try {
        const d = diffImages(ma.image, mb.image);
        const config = args.flags.config ? diffConfigs(ma.resolved.config, mb.resolved.config) : undefined;
        io.stdout(args.flags.json ? JSON.stringify(jsonOf(d, config), null, 2) + "\n" : format(d, config));
        return d.entries.length || config?.length ? 1 : 0;
      } finally {
        await mb.close();
      }
    } finally {
      await ma.close();
    }
  },
};

function jsonOf(d: DiffSummary, config: ConfigChange[] | undefined) {
  return {
    added: d.added,
    removed: d.removed,
    changed: d.changed,
    entries: d.entries.map((e) => ({
      path: e.path,
      kind: e.kind,
      ...(e.fields ? { fields: e.fields, values: fieldValues(e) } : {}),
      ...(e.kind === "added" ? { type: e.b?.type } : e.kind === "removed" ? { type: e.a?.type } : {}),
    })),
    ...(config ? { config } : {}),
  };
}

function format(d: DiffSummary, config: ConfigChange[] | undefined): string {
  let out = "";
  for (const e of d.entries) {
    const mark = e.kind === "added" ? "+" : e.kind === "removed" ? "-" : "~";
    out += `${mark} ${e.path}${e.fields ? `  ${changedText(e)}` : ""}\n`;
  }
  out += `${d.added} added, ${d.removed} removed, ${d.changed} changed\n`;
  if (config) {
    out += config.length ? "\nconfig:\n" : "\nconfig: the same\n";
    for (const c of config) {
      const mark = c.kind === "added" ? "+" : c.kind === "removed" ? "-" : "~";
      const value = c.kind === "added" ? shown(c.new) : c.kind === "removed" ? shown(c.old) : `${shown(c.old)} → ${shown(c.new)}`;
      out += `${mark} ${c.field}: ${value}\n`;
    }
  }
  return out;
}

/** "directory → file" for a type change; "mode 0644 → 0755, size 3 → 5" for the others. */
function changedText(e: DiffEntry): string {
  const values = fieldValues(e);
  if (values.type) return `${shown(values.type.old)} → ${shown(values.type.new)}`;
  return (e.fields ?? [])
    .map((f) => {
      const v = values[f];
      if (!v || f === "xattrs") return f;
      if (f === "content" || f === "content?") return f === "content" ? `content ${short(v.old)} → ${short(v.new)}` : "content?";
      return `${f} ${shown(v.old)} → ${shown(v.new)}`;
    })
    .join(", ");
}

function short(digest: FieldChange["old"]): string {
  return typeof digest === "string" ? digest.replace(/^sha256:/, "").slice(0, 12) : "?";
}

function shown(v: unknown): string {
  return v === null || v === undefined ? "(none)" : typeof v === "string" ? v : JSON.stringify(v);
}
