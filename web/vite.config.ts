// The inspector app: `vite web` serves it, `vite build web` writes web/dist. The library is
// imported from src/ (not the package), so the .wasm in build/ is what `npm run asbuild` made;
// Vite copies it as an asset because src/browser.ts names it with new URL(…, import.meta.url).

import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

/**
 * src/browser.ts names both builds of the core with new URL(…, import.meta.url), so Vite emits
 * both; the page only ever loads the release build, so the debug one is left out of web/dist.
 */
function releaseCoreOnly(): Plugin {
  return {
    name: "layerlens-release-core-only",
    generateBundle(_options, bundle) {
      for (const [file, chunk] of Object.entries(bundle)) {
        const names = chunk.type === "asset" ? [...(chunk.originalFileNames ?? []), ...(chunk.names ?? [])] : [];
        if (names.some((n) => /(^|\/)debug\.wasm$/.test(n))) delete bundle[file];
      }
    },
  };
}

export default defineConfig({
  root: here,
  base: "./",
  plugins: [releaseCoreOnly()],
  // The worker (web/src/worker.ts) is a module worker with its own copy of the core.
  worker: { format: "es", plugins: () => [releaseCoreOnly()] },
  build: {
    outDir: fileURLToPath(new URL("./dist", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // The core must arrive over HTTP as application/wasm (compileStreaming), not inlined.
    assetsInlineLimit: 0,
  },
  server: { fs: { allow: [fileURLToPath(new URL("..", import.meta.url))] } },
});
