// `layerlens config IMAGE [--platform os/arch[/variant]]`: the image's config blob byte for
// byte as stored, as `crane config` and `skopeo inspect --config --raw` print it (under an
// index, the platform's: --platform, else the only one, else the host's, as skopeo picks).
// The bytes are verified against the manifest's config descriptor before they are printed.

import { UsageError } from "../errors.js";
import { parsePlatform } from "../oci/platform.js";
import { parseArgs } from "./args.js";
import type { Command } from "./command.js";
import { type BytesIO, withImage, writeBytes } from "./manifest.js";
import { REGISTRY_FLAGS_USAGE, takeRegistryFlags } from "./registry-flags.js";

export const command: Command = {
  summary: "Print the raw image config as stored (like crane config, skopeo inspect --config --raw).",
  usage: `layerlens config IMAGE [--platform os/arch[/variant]] ${REGISTRY_FLAGS_USAGE}`,
  async run(argv: string[], io: BytesIO): Promise<number> {
    const { rest, registry } = takeRegistryFlags(argv, "config");
    const args = parseArgs(rest, { string: ["platform"] }, "config");
    const [spec, ...extra] = args.positionals;
    if (!spec) throw new UsageError(`config: name an IMAGE\nusage: ${this.usage}`);
    if (extra.length) throw new UsageError("config: one IMAGE at a time");
    const platform = args.options.platform ? parsePlatform(args.options.platform) : undefined;
    await writeBytes(io, await withImage(spec, { platform, registry }, (image) => image.configBytes));
    return 0;
  },
};
