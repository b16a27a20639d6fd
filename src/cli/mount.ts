// Shared by the LayerFS commands (ls, cat, layers, export, diff): open IMAGE, resolve it for
// --platform, mount its layers, report progress on stderr when stderr is a terminal.

import { MetadataCache } from "../cache.js";
import { LayerFS, type LayerFSOptions, type MergedImage } from "../fs/merge.js";
import { mountResolved } from "../fs/mount-image.js";
import { init } from "../node.js";
import { parsePlatform } from "../oci/platform.js";
import { type ResolvedImage, resolveImage } from "../sources/image.js";
import { openImageSource } from "../sources/open.js";
import type { CliIO } from "./main.js";

export interface Mounted {
  fs: LayerFS;
  image: MergedImage;
  resolved: ResolvedImage;
  close(): Promise<void>;
}

export async function mountImage(
  spec: string,
  io: CliIO,
  opts: { platform?: string; upTo?: number; name?: string; fs?: LayerFS; fsOptions?: LayerFSOptions } = {},
): Promise<Mounted> {
  await init();
  const cache = new MetadataCache<Uint8Array>({ max: 64, maxBytes: 16 << 20 });
  const source = await openImageSource(spec);
  try {
    const resolved = await resolveImage(source, { platform: opts.platform ? parsePlatform(opts.platform) : undefined, cache });
    const fs = opts.fs ?? new LayerFS(opts.fsOptions);
    const tty = !!(process.stderr as { isTTY?: boolean }).isTTY;
    const image = await mountResolved(fs, source, resolved, {
      name: opts.name,
      upTo: opts.upTo,
      onLayer: tty ? (i, n) => io.stderr(`\rmounting ${spec}: layer ${i + 1}/${n}${i + 1 === n ? "\n" : ""}`) : undefined,
    });
    return { fs, image, resolved, close: async () => { cache.free(); await source.close?.(); } };
  } catch (e) {
    cache.free();
    await source.close?.();
    throw e;
  }
}

/** Map short flags to the long ones the shared parser knows. */
export function expandShort(argv: string[], map: Record<string, string>): string[] {
  return argv.map((a) => map[a] ?? a);
}

export function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(1)} ${units[u]}`;
}
