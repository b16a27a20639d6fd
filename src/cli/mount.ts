// Shared by the LayerFS commands (ls, cat, layers, export, diff): open IMAGE, resolve it for
// --platform, mount its layers, with progress on stderr (src/cli/progress.ts decides how):
// "reading" counts the compressed bytes of the blobs as they are read, decompressed and
// verified, layer by layer; "merging" is the layers applied to the view once all were read.

import { UsageError } from "../errors.js";
import { LayerFS, type LayerFSOptions, type MergedImage } from "../fs/merge.js";
import { init } from "../node.js";
import { openImage } from "../node/open.js";
import { nodeStagingPool } from "../node/staging-workers.js";
import { parsePlatform } from "../oci/platform.js";
import { documentCache } from "../sources/document-cache.js";
import { factsStoreOf } from "../sources/cached-source.js";
import { type ResolvedImage, resolveImage } from "../sources/image.js";
import { countedLayers } from "../report/progress.js";
import { clockRunning } from "../report/work-clock.js";
import type { RegistrySourceOptions } from "../sources/registry.js";
import type { CliIO } from "./command.js";
import { type CliProgress, startProgress } from "./progress.js";

export interface Mounted {
  fs: LayerFS;
  image: MergedImage;
  resolved: ResolvedImage;
  /** The command's progress display (its writing phase goes here too). */
  progress: CliProgress;
  close(): Promise<void>;
}

export async function mountImage(
  spec: string,
  io: CliIO,
  opts: {
    platform?: string;
    upTo?: number;
    name?: string;
    fs?: LayerFS;
    fsOptions?: LayerFSOptions;
    /** From the TLS flags (registry-flags.ts). */
    registry?: RegistrySourceOptions;
    /** Read registry blobs through the persistent blob cache (default true; `--no-cache`). */
    blobCache?: boolean;
    /** Worker threads staging the layers side by side (`--workers`); 1 (default) = in this thread. */
    workers?: number;
  } = {},
): Promise<Mounted> {
  await init();
  // Workers start while the image is opened and resolved; the pool lives for the batch only:
  // later reads (cat, export) re-open one layer at a time.
  // --stats times the phases in this thread only, so with stats on the layers are read here.
  const stager = clockRunning() ? undefined : nodeStagingPool(opts.workers ?? 1);
  stager?.warm();
  const source = await openImage(spec, { registry: opts.registry, blobCache: opts.blobCache ?? true }).catch(async (e: unknown) => {
    await stager?.close();
    throw e;
  });
  const shown = startProgress(io);
  try {
    const resolved = await resolveImage(source, {
      platform: opts.platform ? parsePlatform(opts.platform) : undefined,
      cache: documentCache(),
    });
    // Layers read through the blob cache are recorded there too: a second look mounts them unread.
    const fs = opts.fs ?? new LayerFS({ facts: factsStoreOf(source), ...opts.fsOptions });
    // The view is named as the user typed the image: its errors quote that name.
    const image = fs.image(opts.name ?? spec);
    const { progress } = shown;
    const todo = opts.upTo === undefined ? resolved.layers : resolved.layers.slice(0, opts.upTo + 1);
    // Blobs read later (cat, export) are the writing phase's business: only mounting feeds this.
    let reading = shown.shown;
    const layers = shown.shown
      ? countedLayers(resolved.layers, (n) => {
          if (reading) progress.add(n);
        })
      : resolved.layers;
    progress.begin("reading", {
      label: spec,
      total: todo.reduce((n, l) => n + l.size, 0),
      steps: { count: todo.length, unit: "layer" },
    });
    await image
      .mountBatch(layers, {
        upTo: opts.upTo,
        stager,
        onLayer: (done, n) => {
          progress.step(done, n);
          // The last layer read: mountBatch now applies them all, in order, before it resolves.
          if (done === n) progress.begin("merging", { label: spec, steps: { count: n, unit: "layer" } });
        },
      })
      .finally(() => stager?.close());
    progress.step(todo.length);
    progress.end();
    reading = false;
    return {
      fs,
      image,
      resolved,
      progress: shown,
      close: async () => {
        shown.close();
        await source.close?.();
      },
    };
  } catch (e) {
    shown.close();
    await stager?.close();
    await source.close?.();
    throw e;
  }
}

/** `--layer N` (0 = bottom) as a layer index, or undefined when not given. */
export function layerOption(value: string | undefined, verb: string): number | undefined {
  if (value === undefined) return undefined;
  const upTo = Number(value);
  if (!Number.isInteger(upTo) || upTo < 0 || value.trim() === "")
    throw new UsageError(`${verb}: --layer takes a layer index (0 = bottom), not ${JSON.stringify(value)}`);
  return upTo;
}

/** Refuse a `--layer` past the image's top layer (mountBatch would stop at the top silently). */
export function checkLayerOption(m: Mounted, upTo: number | undefined, verb: string): void {
  if (upTo !== undefined && upTo >= m.resolved.layers.length) {
    throw new UsageError(`${verb}: --layer ${upTo}: the image has ${m.resolved.layers.length} layers (0..${m.resolved.layers.length - 1})`);
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
