// `layerlens ls IMAGE [PATH] [--layer N] [-l] [--recursive] [--platform P] [--json]`
// Lists a directory of the merged view (or the view as of layer N); -l adds type, mode,
// owner, size, mtime, link target and the layer that supplied each entry. Names are bytes: in
// text, a byte that is not UTF-8 prints as \xNN and a backslash as \\; --json keeps the name
// string, whose U+DC80..U+DCFF stand for such bytes (fs/name-bytes.ts), reversibly.
// -l counts as GNU ls does on the extracted rootfs (Linux): a file's links are its hard links in
// the merged view, a directory's are 2 + its subdirectories, a symlink's size is the length of
// its target in bytes. (A directory's size stays 0, as in the tar: the 4096 ls shows is ext4's.)

import { UsageError } from "../errors.js";
import type { MergedImage, Stat } from "../fs/merge.js";
import { joinPath } from "../fs/path.js";
import { displayName, encodeName } from "../fs/name-bytes.js";
import { parseArgs } from "./args.js";
import type { CliIO, Command } from "./command.js";
import { checkLayerOption, expandShort, layerOption, mountImage } from "./mount.js";
import { REGISTRY_FLAGS_USAGE, takeRegistryFlags } from "./registry-flags.js";
import { takeWorkersFlag, WORKERS_FLAG_USAGE } from "./workers-flag.js";

const TYPE_CHAR: Record<string, string> = { file: "-", directory: "d", symlink: "l", chardev: "c", blockdev: "b", fifo: "p" };

export function modeString(s: Stat): string {
  const m = s.mode;
  const bit = (b: number, c: string) => (m & b ? c : "-");
  const x = (b: number, special: number, on: string, off: string) => (m & special ? (m & b ? on : off) : m & b ? "x" : "-");
  return (
    TYPE_CHAR[s.type] +
    bit(0o400, "r") +
    bit(0o200, "w") +
    x(0o100, 0o4000, "s", "S") +
    bit(0o040, "r") +
    bit(0o020, "w") +
    x(0o010, 0o2000, "s", "S") +
    bit(0o004, "r") +
    bit(0o002, "w") +
    x(0o001, 0o1000, "t", "T")
  );
}

/** The link count and size ls(1) shows for `s`, from the merged view `image`. */
export function lsCounts(image: MergedImage, s: Stat): { nlink: number; size: number } {
  if (s.type === "symlink") return { nlink: s.nlink, size: encodeName(s.linkname ?? "").length };
  if (s.type !== "directory") return { nlink: s.nlink, size: s.size };
  const subdirs = image.readdir(s.path).filter((n) => image.lstat(joinPath(s.path, n)).type === "directory").length;
  return { nlink: 2 + subdirs, size: 0 };
}

export function longLine(s: Stat, name: string, counts: { nlink: number; size: number } = s): string {
  const size = s.rdev ? `${s.rdev[0]},${s.rdev[1]}` : String(counts.size);
  const when = new Date(s.mtime * 1000).toISOString().slice(0, 19).replace("T", " ");
  const link = s.linkname !== undefined ? ` -> ${displayName(s.linkname)}` : "";
  return `${modeString(s)} ${String(counts.nlink).padStart(3)} ${String(s.uid).padStart(5)} ${String(s.gid).padStart(5)} ${size.padStart(10)} ${when}  L${String(s.layer).padEnd(3)} ${displayName(name)}${link}\n`;
}

export const command: Command = {
  summary: "List a directory of an image's merged filesystem (whiteouts applied).",
  usage: `layerlens ls IMAGE [PATH] [--layer N] [-l|--long] [-R|--recursive] [--platform os/arch[/variant]] [--json] ${REGISTRY_FLAGS_USAGE} ${WORKERS_FLAG_USAGE}`,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { rest: afterWorkers, workers } = takeWorkersFlag(argv, "ls");
    const { rest, registry, blobCache } = takeRegistryFlags(afterWorkers, "ls");
    const args = parseArgs(
      expandShort(rest, { "-l": "--long", "-R": "--recursive" }),
      { boolean: ["json", "long", "recursive"], string: ["layer", "platform"] },
      "ls",
    );
    const [spec, path = "", ...extra] = args.positionals;
    if (!spec) throw new UsageError(`ls: name an IMAGE\nusage: ${this.usage}`);
    if (extra.length) throw new UsageError("ls: one IMAGE and at most one PATH");
    const upTo = layerOption(args.options.layer, "ls");
    const m = await mountImage(spec, io, { platform: args.options.platform, upTo, registry, blobCache, workers });
    try {
      checkLayerOption(m, upTo, "ls");
      const base = m.image.stat(path);
      let stats: Iterable<Stat>;
      if (base.type !== "directory") stats = [m.image.lstat(path)];
      else if (args.flags.recursive) stats = m.image.walk(path);
      else stats = m.image.readdir(path).map((n) => m.image.lstat(path ? `${path.replace(/\/+$/, "")}/${n}` : n));
      const prefix = base.path ? base.path + "/" : "";
      const nameOf = (s: Stat) => (base.type === "directory" && s.path.startsWith(prefix) ? s.path.slice(prefix.length) : s.path);
      const line = args.flags.json
        ? undefined
        : (s: Stat) => (args.flags.long ? longLine(s, nameOf(s), lsCounts(m.image, s)) : displayName(nameOf(s)) + "\n");
      writeListing(stats, io, line);
      return 0;
    } finally {
      await m.close();
    }
  },
};

/** Output is handed to stdout in pieces of about this many characters. */
const FLUSH_AT = 1 << 20;

/**
 * Write the listing as it is produced, one piece at a time: a whole image of long paths as one
 * string could pass V8's string limit. The view is mounted and complete before the first
 * piece, so nothing after it can fail half-way. `line` formats text lines; without it, the
 * output is the JSON array JSON.stringify(stats, null, 2) would give.
 */
function writeListing(stats: Iterable<Stat>, io: CliIO, line?: (s: Stat) => string): void {
  let buf = "";
  let first = true;
  for (const s of stats) {
    if (line) buf += line(s);
    else buf += (first ? "[\n  " : ",\n  ") + JSON.stringify(s, null, 2).replace(/\n/g, "\n  ");
    first = false;
    if (buf.length >= FLUSH_AT) {
      io.stdout(buf);
      buf = "";
    }
  }
  if (!line) buf += first ? "[]\n" : "\n]\n";
  if (buf) io.stdout(buf);
}
