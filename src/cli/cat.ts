// `layerlens cat IMAGE PATH [--layer N] [--platform P]`: the bytes of the visible version of a
// file (of the whole image, or as of layer N), streamed from its layer. A symlink is followed to
// its target inside the merged view, as the kernel would inside the container (relative targets
// from the link's directory, absolute ones from the image root, chains hop by hop); a directory,
// a dangling link or a loop is refused with what was found at PATH.

import { NotFoundError, UsageError } from "../errors.js";
import type { MergedImage } from "../fs/merge.js";
import { cleanPath, dirname, joinPath } from "../fs/path.js";
import { parseArgs } from "./args.js";
import type { CliIO, Command } from "./command.js";
import { checkLayerOption, layerOption, mountImage } from "./mount.js";
import { REGISTRY_FLAGS_USAGE, takeRegistryFlags } from "./registry-flags.js";
import { takeWorkersFlag, WORKERS_FLAG_USAGE } from "./workers-flag.js";

/** CliIO carries text; binary output goes through stdoutBytes when the host offers it. */
type BytesIO = CliIO & { stdoutBytes?: (b: Uint8Array) => void | Promise<void> };

/** Linux's MAXSYMLINKS: more hops than this is a loop, as open(2) says with ELOOP. */
const MAX_HOPS = 40;

export const command: Command = {
  summary: "Print a file of an image's merged filesystem (symlinks followed).",
  usage: `layerlens cat IMAGE PATH [--layer N] [--platform os/arch[/variant]] ${REGISTRY_FLAGS_USAGE} ${WORKERS_FLAG_USAGE}`,
  async run(argv: string[], io: BytesIO): Promise<number> {
    const { rest: afterWorkers, workers } = takeWorkersFlag(argv, "cat");
    const { rest, registry, blobCache } = takeRegistryFlags(afterWorkers, "cat");
    const args = parseArgs(rest, { string: ["platform", "layer"] }, "cat");
    const [spec, path, ...extra] = args.positionals;
    if (!spec || !path) throw new UsageError(`cat: name an IMAGE and a PATH\nusage: ${this.usage}`);
    if (extra.length) throw new UsageError("cat: one PATH at a time");
    const upTo = layerOption(args.options.layer, "cat");
    // The mount records checkpoints, so the read starts near the file, not at its layer's start.
    const m = await mountImage(spec, io, {
      platform: args.options.platform,
      upTo,
      registry,
      blobCache,
      workers,
      fsOptions: { recordIndex: true },
    });
    try {
      checkLayerOption(m, upTo, "cat");
      const { size } = regularFile(m.image, path); // refused before anything is printed
      const write = io.stdoutBytes ?? ((b: Uint8Array) => new Promise<void>((r) => process.stdout.write(b, () => r())));
      const reader = m.image.readFile(path).getReader();
      m.progress.writing({ label: path, total: size, toStdout: !io.stdoutBytes });
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        await write(value);
        m.progress.progress.add(value.length);
      }
      m.progress.progress.end();
      return 0;
    } finally {
      await m.close();
    }
  },
};

/** The regular file `path` names (through any symlinks), or a typed error saying what is there. */
function regularFile(image: MergedImage, path: string): { size: number } {
  const where = `${image.name}: ${path}`;
  const chain = [path];
  let at = image.lstat(path); // NotFound (naming the image and path) when nothing is there
  const seen = new Set<string>();
  while (at.type === "symlink") {
    const target = at.linkname ?? "";
    if (seen.has(at.path) || chain.length > MAX_HOPS)
      throw new NotFoundError(`${where}: too many levels of symbolic links (${chain.join(" -> ")})`, path);
    seen.add(at.path);
    const next = target.startsWith("/") ? cleanPath(target).path : cleanPath(joinPath(dirname(at.path), target)).path;
    chain.push(target);
    try {
      at = image.lstat(next);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
      throw new NotFoundError(`${where}: dangling symbolic link (${chain.join(" -> ")}: no such file or directory)`, path);
    }
  }
  const via = chain.length > 1 ? ` (${chain.join(" -> ")})` : "";
  if (at.type === "directory") throw new UsageError(`cat: ${where} is a directory${via}; list it with \`layerlens ls\``);
  if (at.type !== "file") throw new UsageError(`cat: ${where} is a ${at.type}${via}, not a regular file`);
  return { size: at.size };
}
