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
import type { MergedImage } from "../fs/merge.js";
import { parseArgs } from "./args.js";
import { REGISTRY_FLAGS_USAGE, takeRegistryFlags } from "./registry-flags.js";
import { takeWorkersFlag, WORKERS_FLAG_USAGE } from "./workers-flag.js";
import type { CliIO, Command } from "./command.js";
import { expandShort, humanBytes, mountImage } from "./mount.js";

export const command: Command = {
  summary: "Write an image's merged filesystem as one flat, deterministic tar.",
  usage: `layerlens export IMAGE -o FILE|- [--platform os/arch[/variant]] [--json] ${REGISTRY_FLAGS_USAGE} ${WORKERS_FLAG_USAGE}`,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { rest: afterWorkers, workers } = takeWorkersFlag(argv, "export");
    const { rest, registry, blobCache } = takeRegistryFlags(afterWorkers, "export");
    const args = parseArgs(expandShort(rest, { "-o": "--output" }), { boolean: ["json"], string: ["output", "platform"] }, "export");
    const [spec, ...extra] = args.positionals;
    if (!spec) throw new UsageError(`export: name an IMAGE\nusage: ${this.usage}`);
    if (extra.length) throw new UsageError("export: one IMAGE at a time");
    const out = args.options.output;
    if (!out) throw new UsageError("export: say where with -o FILE (or -o - for stdout)");
    // Export reads every file anyway: recording the span digests while mounting costs one
    // hash pass, where recording them on first read would read every layer twice.
    const m = await mountImage(spec, io, {
      platform: args.options.platform,
      fsOptions: { spanDigests: "mount" },
      registry,
      blobCache,
      workers,
    });
    try {
      const { progress, shown } = m.progress;
      m.progress.writing({
        label: out === "-" ? "stdout" : out,
        total: shown ? estimateTarBytes(m.image) : null,
        estimated: true,
        toStdout: out === "-",
      });
      const counted = (write: (chunk: Uint8Array) => void) => (chunk: Uint8Array) => {
        write(chunk);
        progress.add(chunk.length);
      };
      const stats =
        out === "-"
          ? await toStdout((write) => exportImage(m.image, counted(write)))
          : await writeFileAtomically(out, (write) => exportImage(m.image, counted(write)));
      progress.end();
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

/**
 * The size of the tar exportImage will write, for the progress display: a header per entry
 * (directories twice), file bodies padded to 512 bytes, the end blocks. PAX records (long
 * names, big numbers, xattrs) are not counted and sparse files are counted whole, so it is an
 * estimate, shown as one.
 */
function estimateTarBytes(img: MergedImage): number {
  let n = 1024;
  const seen = new Set<number>();
  for (const s of img.walk()) {
    n += s.type === "directory" ? 1024 : 512;
    if (s.type === "file" && !seen.has(s.inode)) {
      if (s.nlink > 1) seen.add(s.inode);
      n += Math.ceil(s.size / 512) * 512;
    }
  }
  return n;
}

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
