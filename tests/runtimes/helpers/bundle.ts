// Vite builds for the suites whose runtime cannot read TypeScript: a library bundle (the
// workerd worker) and a static page (the Chromium test page), both into temp dirs.
//
// For the package pass, `entryAlias` swaps the harness's import of src/<entry>.js for the
// bare "layerlens", which Vite then resolves like an app's bundler would: through the
// package's exports map (a self-reference) under the given conditions. Each build returns
// the ids of the modules it bundled, so a suite can check which entry file went in.

import { build, type Alias } from "vite";

export interface BundleOptions {
  /** Replace this import specifier with "layerlens" (the package pass). */
  entryAlias?: string;
  /** resolve.conditions, e.g. ["workerd", "worker"]; Vite's defaults when absent. */
  conditions?: string[];
  /** How an external import is written in the bundle (by its resolved id); as is when absent. */
  externalPath?: (id: string) => string;
}

function resolveOptions(options: BundleOptions): { alias: Alias[]; conditions?: string[] } {
  const alias = options.entryAlias ? [{ find: options.entryAlias, replacement: "layerlens" }] : [];
  return options.conditions ? { alias, conditions: options.conditions } : { alias };
}

/** Every module id a build's chunks were made from. */
function moduleIds(result: Awaited<ReturnType<typeof build>>): string[] {
  const outputs = Array.isArray(result) ? result : [result];
  const ids: string[] = [];
  for (const out of outputs) {
    if (!("output" in out)) continue;
    for (const item of out.output) if (item.type === "chunk") ids.push(...item.moduleIds);
  }
  return ids;
}

/** Bundle `entry` and its imports into `outDir`/`fileName` as one ES module. */
export async function bundleModule(
  entry: string,
  outDir: string,
  fileName: string,
  external: RegExp[],
  options: BundleOptions = {},
): Promise<string[]> {
  return moduleIds(
    await build({
      configFile: false,
      logLevel: "warn",
      resolve: resolveOptions(options),
      build: {
        outDir,
        emptyOutDir: true,
        minify: false,
        target: "esnext",
        copyPublicDir: false,
        lib: { entry, formats: ["es"], fileName: () => fileName },
        // One file: a dynamic import() in src (lazy readers) would otherwise become a chunk
        // the capnp config does not list.
        rolldownOptions: { external, output: { codeSplitting: false, ...(options.externalPath ? { paths: options.externalPath } : {}) } },
      },
    }),
  );
}

/** Build the HTML page in `root` (and the assets it references) into `outDir`. */
export async function bundlePage(root: string, outDir: string, options: BundleOptions = {}): Promise<string[]> {
  return moduleIds(
    await build({
      configFile: false,
      logLevel: "warn",
      root,
      resolve: resolveOptions(options),
      // assetsInlineLimit 0: the .wasm must arrive over HTTP (with a Content-Type to test),
      // not as a data: URL.
      build: { outDir, emptyOutDir: true, minify: false, target: "esnext", copyPublicDir: false, assetsInlineLimit: 0 },
    }),
  );
}

/** Which of `files` (repo-relative) are among the bundled module ids. */
export function bundled(ids: string[], files: string[]): string[] {
  return files.filter((f) => ids.some((id) => id.endsWith(`/${f}`)));
}
