// `layerlens cat IMAGE PATH [--platform P]`: the bytes of the visible version of a file
// (symlinks followed inside the image), streamed from its layer.

import { UsageError } from "../errors.js";
import { parseArgs } from "./args.js";
import type { CliIO, Command } from "./command.js";
import { mountImage } from "./mount.js";

/** CliIO carries text; binary output goes through stdoutBytes when the host offers it. */
type BytesIO = CliIO & { stdoutBytes?: (b: Uint8Array) => void | Promise<void> };

export const command: Command = {
  summary: "Print a file of an image's merged filesystem.",
  usage: "layerlens cat IMAGE PATH [--platform os/arch[/variant]]",
  async run(argv: string[], io: BytesIO): Promise<number> {
    const args = parseArgs(argv, { string: ["platform"] }, "cat");
    const [spec, path, ...extra] = args.positionals;
    if (!spec || !path) throw new UsageError(`cat: name an IMAGE and a PATH\nusage: ${this.usage}`);
    if (extra.length) throw new UsageError("cat: one PATH at a time");
    const m = await mountImage(spec, io, { platform: args.options.platform });
    try {
      const { size } = m.image.stat(path); // NotFound before anything is printed
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
