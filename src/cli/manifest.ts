// `layerlens manifest IMAGE [--platform os/arch[/variant]]`: the manifest (or index) the
// reference names, byte for byte as stored, as `crane manifest` and `skopeo inspect --raw`
// print it; with --platform, the platform's manifest under an index instead. The bytes are
// verified against their digest (and size) before anything is printed.

import { UsageError } from "../errors.js";
import { init } from "../node.js";
import { type OpenOptions, openImage } from "../node/open.js";
import { parsePlatform } from "../oci/platform.js";
import type { Platform } from "../oci/types.js";
import { isIndex } from "../oci/media-types.js";
import { documentCache } from "../sources/document-cache.js";
import { type ResolvedImage, readDocument, resolveImage } from "../sources/image.js";
import { parseArgs } from "./args.js";
import type { CliIO, Command } from "./command.js";
import { REGISTRY_FLAGS_USAGE, takeRegistryFlags } from "./registry-flags.js";

/** CliIO carries text; raw documents go through stdoutBytes when the host offers it. */
export type BytesIO = CliIO & { stdoutBytes?: (b: Uint8Array) => void | Promise<void> };

/** Write `bytes` unchanged (no newline added: the stored bytes are the output). */
export async function writeBytes(io: BytesIO, bytes: Uint8Array): Promise<void> {
  if (io.stdoutBytes) return void (await io.stdoutBytes(bytes));
  await new Promise<void>((resolve) => process.stdout.write(bytes, () => resolve()));
}

/** Open `spec` and hand the resolved image (or, without a platform, just the root's bytes) to `use`. */
export async function withImage<T>(
  spec: string,
  options: OpenOptions & { platform?: Platform },
  use: (image: ResolvedImage) => T | Promise<T>,
): Promise<T> {
  await init();
  const source = await openImage(spec, options);
  try {
    return await use(await resolveImage(source, { platform: options.platform, cache: documentCache() }));
  } finally {
    await source.close?.();
  }
}

/** The verified bytes of what `spec` names, or of its manifest for `platform`. */
export async function rawManifest(spec: string, options: OpenOptions & { platform?: Platform } = {}): Promise<Uint8Array> {
  if (options.platform) return withImage(spec, options, (image) => image.manifestBytes);
  await init();
  const source = await openImage(spec, options);
  try {
    const root = await source.root();
    return await readDocument(source, root, isIndex(root.mediaType) ? "index" : "manifest", documentCache());
  } finally {
    await source.close?.();
  }
}

export const command: Command = {
  summary: "Print the raw manifest or index as stored (like crane manifest, skopeo inspect --raw).",
  usage: `layerlens manifest IMAGE [--platform os/arch[/variant]] ${REGISTRY_FLAGS_USAGE}`,
  async run(argv: string[], io: BytesIO): Promise<number> {
    const { rest, registry } = takeRegistryFlags(argv, "manifest");
    const args = parseArgs(rest, { string: ["platform"] }, "manifest");
    const [spec, ...extra] = args.positionals;
    if (!spec) throw new UsageError(`manifest: name an IMAGE\nusage: ${this.usage}`);
    if (extra.length) throw new UsageError("manifest: one IMAGE at a time");
    const platform = args.options.platform ? parsePlatform(args.options.platform) : undefined;
    await writeBytes(io, await rawManifest(spec, { platform, registry }));
    return 0;
  },
};
