// Vite builds for the suites whose runtime cannot read TypeScript: a library bundle (the
// workerd worker) and a static page (the Chromium test page), both into temp dirs.

import { build } from "vite";

/** Bundle `entry` and its imports into `outDir`/`fileName` as one ES module. */
export async function bundleModule(entry: string, outDir: string, fileName: string, external: RegExp[] = []): Promise<void> {
  await build({
    configFile: false,
    logLevel: "warn",
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      target: "esnext",
      copyPublicDir: false,
      lib: { entry, formats: ["es"], fileName: () => fileName },
      rolldownOptions: { external },
    },
  });
}

/** Build the HTML page in `root` (and the assets it references) into `outDir`. */
export async function bundlePage(root: string, outDir: string): Promise<void> {
  await build({
    configFile: false,
    logLevel: "warn",
    root,
    // assetsInlineLimit 0: the .wasm must arrive over HTTP (with a Content-Type to test),
    // not as a data: URL.
    build: { outDir, emptyOutDir: true, minify: false, target: "esnext", copyPublicDir: false, assetsInlineLimit: 0 },
  });
}
