// `layerlens export IMAGE -o FILE [--platform P] [--json]`: the merged filesystem as one
// deterministic tar (whiteouts applied, links kept), written to FILE ("-" = stdout).

import { createWriteStream } from "node:fs";
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
    const m = await mountImage(spec, io, { platform: args.options.platform });
    try {
      const sink = out === "-" ? process.stdout : createWriteStream(out);
      const failed = new Promise<never>((_, reject) => sink.once("error", reject));
      const stats = await Promise.race([exportImage(m.image, (c) => void sink.write(c)), failed]);
      if (sink !== process.stdout)
        await new Promise<void>((r, j) => (sink as ReturnType<typeof createWriteStream>).end((e?: Error | null) => (e ? j(e) : r())));
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
