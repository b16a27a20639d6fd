// `layerlens diff A B [--platform P] [--platform-b P] [--json]`: paths added, removed and
// changed (type, mode, owner, size, link, content digest) from image A to image B. Exits as
// diff(1) does: 0 same, 1 different, 2 trouble.

import { UsageError } from "../errors.js";
import { diffImages, type DiffSummary } from "../fs/diff.js";
import { LayerFS } from "../fs/merge.js";
import { parseArgs } from "./args.js";
import type { CliIO, Command } from "./command.js";
import { mountImage } from "./mount.js";
import { REGISTRY_FLAGS_USAGE, takeRegistryFlags } from "./registry-flags.js";

export const command: Command = {
  summary: "Compare the merged filesystems of two images (or two platforms of one).",
  usage: `layerlens diff A B [--platform os/arch] [--platform-b os/arch] [--json] ${REGISTRY_FLAGS_USAGE}`,
  help: "exit status (as diff(1)): 0 the filesystems are the same, 1 they differ, 2 trouble (usage, an image that cannot be read)\n",
  errorExit: 2,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { rest, registry } = takeRegistryFlags(argv, "diff");
    const args = parseArgs(rest, { boolean: ["json"], string: ["platform", "platform-b"] }, "diff");
    const [a, b, ...extra] = args.positionals;
    if (!a || !b || extra.length) throw new UsageError(`diff: name two images\nusage: ${this.usage}`);
    const fs = new LayerFS({ hashFiles: true });
    const platformB = args.options["platform-b"] ?? args.options.platform;
    const ma = await mountImage(a, io, { platform: args.options.platform, name: a, fs, registry });
    try {
      // One LayerFS holds both views by name: the same image twice (two platforms) needs two names.
      const nameB = b === a ? `${b} (${platformB ?? "again"})` : b;
      const mb = await mountImage(b, io, { platform: platformB, name: nameB, fs, registry });
      try {
        const d = diffImages(ma.image, mb.image);
        io.stdout(args.flags.json ? JSON.stringify(jsonOf(d), null, 2) + "\n" : format(d));
        return d.entries.length ? 1 : 0;
      } finally {
        await mb.close();
      }
    } finally {
      await ma.close();
    }
  },
};

function jsonOf(d: DiffSummary) {
  return {
    added: d.added,
    removed: d.removed,
    changed: d.changed,
    entries: d.entries.map((e) => ({ path: e.path, kind: e.kind, ...(e.fields ? { fields: e.fields } : {}) })),
  };
}

function format(d: DiffSummary): string {
  let out = "";
  for (const e of d.entries) {
    const mark = e.kind === "added" ? "+" : e.kind === "removed" ? "-" : "~";
    out += `${mark} ${e.path}${e.fields ? `  (${e.fields.join(", ")})` : ""}\n`;
  }
  return out + `${d.added} added, ${d.removed} removed, ${d.changed} changed\n`;
}
