// Shared by the LayerFS commands (ls, cat, layers, export, diff): open IMAGE, resolve it for
// --platform, mount its layers, report progress on stderr when stderr is a terminal.

import { LayerFS, type LayerFSOptions, type MergedImage } from "../fs/merge.js";
import { init } from "../node.js";
import { openImage } from "../node/open.js";
import { parsePlatform } from "../oci/platform.js";
import { documentCache } from "../sources/document-cache.js";
import { type ResolvedImage, resolveImage } from "../sources/image.js";
import type { CliIO } from "./command.js";

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
  const source = await openImage(spec);
  try {
    const resolved = await resolveImage(source, {
      platform: opts.platform ? parsePlatform(opts.platform) : undefined,
      cache: documentCache(),
    });
    const fs = opts.fs ?? new LayerFS(opts.fsOptions);
    const image = fs.image(opts.name);
    const tty = !!(process.stderr as { isTTY?: boolean }).isTTY;
    await image.mountBatch(resolved.layers, {
      upTo: opts.upTo,
      onLayer: tty ? (done, n) => io.stderr(`\rmounting ${spec}: layer ${done}/${n}${done === n ? "\n" : ""}`) : undefined,
    });
    return {
      fs,
      image,
      resolved,
      close: async () => {
        await source.close?.();
      },
    };
  } catch (e) {
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
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}
