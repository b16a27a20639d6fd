// `layerlens export IMAGE -o FILE [--platform P] [--json]`: the merged filesystem as one
// deterministic tar (whiteouts applied, links kept), written to FILE ("-" = stdout). FILE is
// written as a temporary file beside it and renamed into place once complete, so a failed
// export leaves no half-written tar under that name (nor replaces one already there).

import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { UsageError } from "../errors.js";
import { exportImage } from "../fs/export.js";
import { parseArgs } from "./args.js";
import type { CliIO, Command } from "./command.js";
import { expandShort, humanBytes, mountImage } from "./mount.js";

export const command: Command = {
  summary: "Write an image's merged filesystem as one flat, deterministic tar.",
  usage: "layerlens export IMAGE -o FILE|- [--platform os/arch[/variant]] [--json]",
  async run(argv: string[], io: CliIO): Promise<number> {
    const args = parseArgs(expandShort(argv, { "-o": "--output" }), { boolean: ["json"], string: ["output", "platform"] }, "export");
    const [spec, ...extra] = args.positionals;
    if (!spec) throw new UsageError(`export: name an IMAGE\nusage: ${this.usage}`);
    if (extra.length) throw new UsageError("export: one IMAGE at a time");
    const out = args.options.output;
    if (!out) throw new UsageError("export: say where with -o FILE (or -o - for stdout)");
    // Export reads every file anyway: recording the span digests while mounting costs one
    // hash pass, where recording them on first read would read every layer twice.
    const m = await mountImage(spec, io, { platform: args.options.platform, fsOptions: { spanDigests: "mount" } });
    try {
      const stats =
        out === "-"
          ? await toStdout((write) => exportImage(m.image, write))
          : await writeFileAtomically(out, (write) => exportImage(m.image, write));
      const summary = { image: spec, output: out, ...stats };
      if (out !== "-")
        io.stdout(
          args.flags.json
            ? JSON.stringify(summary, null, 2) + "\n"
            : `wrote ${out}: ${stats.entries} entries, ${humanBytes(stats.bytes)}\n`,
        );
      return 0;
    } finally {
      await m.close();
    }
  },
};

async function toStdout<T>(produce: (write: (chunk: Uint8Array) => void) => Promise<T>): Promise<T> {
  const failed = new Promise<never>((_, reject) => process.stdout.once("error", reject));
  return Promise.race([produce((c) => void process.stdout.write(c)), failed]);
}

/**
 * Run `produce`, its chunks going to a temporary file in `path`'s directory (same file system,
 * so the rename is atomic); rename it to `path` when `produce` and the writes succeed, remove
 * it when anything fails.
 */
export async function writeFileAtomically<T>(path: string, produce: (write: (chunk: Uint8Array) => void) => Promise<T>): Promise<T> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.partial`);
  const sink = createWriteStream(tmp, { flags: "wx" });
  const failed = new Promise<never>((_, reject) => sink.once("error", reject));
  try {
    const result = await Promise.race([produce((c) => void sink.write(c)), failed]);
    await Promise.race([new Promise<void>((resolve) => sink.end(resolve)), failed]);
    await rename(tmp, path);
    return result;
  } catch (e) {
    sink.destroy();
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
